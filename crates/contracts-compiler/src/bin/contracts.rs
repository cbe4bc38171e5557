//! `contracts` — check the BAML contracts and regenerate what derives from them.
//!
//! ```text
//! contracts check [--from DIR] [--no-lint]   parse + cross-check + lint, print counts
//! contracts ir    [--from DIR]               print the IR as JSON
//! contracts gen   [--from DIR] [--out DIR]   write the contracts-core registry
//! ```
//! Exit codes: 0 success, 1 contract errors (`file:line:col: error: …`), 2 usage errors.

use contracts_compiler::{check, codegen, error::CompileError, ir::Ir, load_dir};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: contracts <check|ir|gen> [--from DIR] [--no-lint] [--out DIR]
  check   parse, cross-check and lint baml_src; print a summary line with counts
  ir      print the intermediate representation as JSON
  gen     write the generated contracts-core registry (default --out crates/contracts-core/src/generated)
  --from DIR  the BAML source folder (default: baml_src)";

struct Args {
    command: String,
    from: PathBuf,
    out: PathBuf,
    lint: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or("missing command")?;
    let mut parsed = Args {
        command,
        from: PathBuf::from("baml_src"),
        out: PathBuf::from("crates/contracts-core/src/generated"),
        lint: true,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--from" => parsed.from = args.next().ok_or("--from needs a directory")?.into(),
            "--out" => parsed.out = args.next().ok_or("--out needs a directory")?.into(),
            "--no-lint" => parsed.lint = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(parsed)
}

fn report(errors: &[CompileError]) -> ExitCode {
    for e in errors {
        eprintln!("{e}");
    }
    eprintln!("{} error(s)", errors.len());
    ExitCode::from(1)
}

fn load(args: &Args) -> Result<(Ir, Vec<check::EventBinding>), Vec<CompileError>> {
    let ir = load_dir(&args.from)?;
    let events = if args.lint {
        check::event_bindings(&ir)?
    } else {
        Vec::new()
    };
    Ok((ir, events))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(if msg.is_empty() { 0 } else { 2 });
        }
    };
    let (ir, events) = match (args.command.as_str(), load(&args)) {
        ("check" | "ir" | "gen", Err(errors)) => return report(&errors),
        ("check" | "ir" | "gen", Ok(loaded)) => loaded,
        (other, _) => {
            eprintln!("error: unknown command `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match args.command.as_str() {
        "check" => {
            println!(
                "ok: {} classes, {} enums, {} type aliases, {} functions, {} event types",
                ir.classes.len(),
                ir.enums.len(),
                ir.type_aliases.len(),
                ir.functions.len(),
                events.len()
            );
        }
        "ir" => println!(
            "{}",
            serde_json::to_string_pretty(&ir).expect("IR serialises")
        ),
        _ => {
            let registry = match codegen::registry_rs(&ir, &events) {
                Ok(r) => r,
                Err(e) => return report(&[e]),
            };
            let target = args.out.join("registry.rs");
            let unchanged = std::fs::read_to_string(&target).is_ok_and(|old| old == registry);
            if !unchanged {
                if let Err(e) = std::fs::create_dir_all(&args.out)
                    .and_then(|()| std::fs::write(&target, registry))
                {
                    eprintln!("error: cannot write {}: {e}", target.display());
                    return ExitCode::from(1);
                }
            }
            println!(
                "{} {}",
                if unchanged { "unchanged" } else { "wrote" },
                target.display()
            );
        }
    }
    ExitCode::SUCCESS
}
