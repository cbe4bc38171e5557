//! `contracts` — check the BAML contracts and regenerate what derives from them.
//!
//! ```text
//! contracts check [--from DIR] [--no-lint]   parse + cross-check + lint, print counts
//! contracts ir    [--from DIR]               print the IR as JSON
//! contracts schema [--from DIR] --out DIR    write the JSON Schema files and ir.json
//! contracts gen   [--from DIR] [--root DIR] [--check]
//!                                            write every derived file (registry, schemas)
//! contracts catalog --out DIR [--from DIR] [--root DIR]
//!                                            write the static event catalog (HTML)
//! contracts diff --against REF|DIR [--from DIR] [--format text|json|markdown]
//!                                            list contract changes and the SemVer bump they need
//! contracts check-bump --against REF [--from DIR]
//!                                            fail when the version bump is smaller than the diff needs
//! ```
//! Exit codes: 0 success, 1 contract errors (`file:line:col: error: …`), 2 usage errors.

use contracts_compiler::diff::{self, Bump, BumpCheck, Tree};
use contracts_compiler::{catalog, check, error::CompileError, gen, ir::Ir, load_dir, schema};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: contracts <check|ir|schema|gen|catalog|diff|check-bump> [options]
  check   parse, cross-check and lint baml_src; print a summary line with counts
  ir      print the intermediate representation as JSON
  schema  write the JSON Schema files and ir.json into --out DIR
  gen     write every derived file under --root (default .): the contracts-core registry and
          the schema copies shipped by the crate and both packages, plus the schema history of
          every older vX.Y.Z tag of this MAJOR and the previous one; --check only compares
  catalog write the static event catalog (HTML: every event, DTO and enum, examples from
          testdata/vectors, the version that introduced each, the changes per release) into --out DIR
  diff    list every contract change since --against (a git ref/tag, or another baml_src
          folder) with its rule id, location and required bump, then `verdict: …`
  check-bump
          exit 1 when the version bump since --against REF (Cargo.toml [workspace.package])
          is smaller than the contract changes need (docs/evolution.md)
options:
  --from DIR       the BAML source folder (default: baml_src)
  --no-lint        skip the project rules (event envelopes, style); parse and cross-check only
  --against X      diff / check-bump baseline: a git ref, or (diff only) a baml_src folder
  --format F       diff output: text (default), json or markdown (a CHANGELOG section)";

struct Args {
    command: String,
    from: PathBuf,
    out: Option<PathBuf>,
    root: PathBuf,
    lint: bool,
    check_only: bool,
    against: Option<String>,
    format: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or("missing command")?;
    let mut parsed = Args {
        command,
        from: PathBuf::from("baml_src"),
        out: None,
        root: PathBuf::from("."),
        lint: true,
        check_only: false,
        against: None,
        format: "text".to_string(),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--from" => parsed.from = args.next().ok_or("--from needs a directory")?.into(),
            "--out" => parsed.out = Some(args.next().ok_or("--out needs a directory")?.into()),
            "--root" => parsed.root = args.next().ok_or("--root needs a directory")?.into(),
            "--no-lint" => parsed.lint = false,
            "--check" => parsed.check_only = true,
            "--against" => {
                let against = args
                    .next()
                    .ok_or("--against needs a git ref or a directory")?;
                parsed.against = Some(against);
            }
            "--format" => {
                parsed.format = args.next().ok_or("--format needs text, json or markdown")?;
                if !["text", "json", "markdown"].contains(&parsed.format.as_str()) {
                    return Err(format!(
                        "unknown --format `{}`: expected text, json or markdown",
                        parsed.format
                    ));
                }
            }
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
    if !args.lint {
        return Ok((ir, Vec::new()));
    }
    let mut errors = check::wire_lints(&ir);
    match check::event_bindings(&ir) {
        Ok(events) if errors.is_empty() => Ok((ir, events)),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
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
    if matches!(args.command.as_str(), "diff" | "check-bump") {
        return evolution(&args);
    }
    let (ir, events) = match (args.command.as_str(), load(&args)) {
        ("check" | "ir" | "schema" | "gen" | "catalog", Err(errors)) => return report(&errors),
        ("check" | "ir" | "schema" | "gen" | "catalog", Ok(loaded)) => loaded,
        (other, _) => {
            eprintln!("error: unknown command `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match args.command.as_str() {
        "check" => {
            if args.lint {
                for lint in check::style_lints(&ir) {
                    eprintln!("{}: warning: {}", lint.location, lint.message);
                }
            }
            for (location, constraint) in constraints(&ir) {
                eprintln!(
                    "{location}: warning: @{}({}) is kept in the IR but not enforced by the contracts-core validator; enforce it in application code or remove it",
                    constraint.kind, constraint.expression
                );
            }
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
        "schema" => {
            let Some(out) = args.out.clone() else {
                eprintln!("error: `contracts schema` needs --out DIR\n{USAGE}");
                return ExitCode::from(2);
            };
            let outputs = match schema::outputs(&ir, &events) {
                Ok(outputs) => outputs,
                Err(e) => return report(&[e]),
            };
            let prefix = format!("{}/", schema::SCHEMA_DIRS[0]);
            let mine = outputs.into_iter().filter_map(|o| {
                o.path
                    .strip_prefix(&prefix)
                    .map(|rest| (out.join(rest), o.contents))
            });
            for (path, contents) in mine {
                if let Err(e) = write_if_changed(&path, &contents) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::from(1);
                }
            }
            println!("wrote the JSON Schema files to {}", out.display());
        }
        "catalog" => return catalog(&args, &ir, &events),
        _ => return generate(&args, &ir, &events),
    }
    ExitCode::SUCCESS
}

fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)?;
    Ok(true)
}

fn generate(args: &Args, ir: &Ir, events: &[check::EventBinding]) -> ExitCode {
    let history = match contracts_compiler::history::load(&args.root, &args.from) {
        Ok(history) => history,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(1);
        }
    };
    let context = match contracts_compiler::describe::Context::load(&args.root) {
        Ok(context) => context,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(1);
        }
    };
    let outputs = match gen::repository_outputs(ir, events, &history, &context) {
        Ok(outputs) => outputs,
        Err(e) => return report(&[e]),
    };
    let mut changed = Vec::new();
    for output in &outputs {
        let path = args.root.join(&output.path);
        if args.check_only {
            if std::fs::read_to_string(&path).map_or(true, |old| old != output.contents) {
                changed.push(output.path.clone());
            }
            continue;
        }
        match write_if_changed(&path, &output.contents) {
            Ok(true) => changed.push(output.path.clone()),
            Ok(false) => {}
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    }
    if args.check_only && !changed.is_empty() {
        for path in &changed {
            eprintln!("{path}: error: differs from what baml_src generates; run `make generate`");
        }
        return ExitCode::from(1);
    }
    println!(
        "{} derived files, {} {}",
        outputs.len(),
        changed.len(),
        if args.check_only { "differ" } else { "written" }
    );
    ExitCode::SUCCESS
}

/// `catalog --out DIR`: the static event catalog, from the contracts, the
/// schema history and the vector corpus of the repository at `--root`.
fn catalog(args: &Args, ir: &Ir, events: &[check::EventBinding]) -> ExitCode {
    let Some(out) = args.out.clone() else {
        eprintln!("error: `contracts catalog` needs --out DIR\n{USAGE}");
        return ExitCode::from(2);
    };
    let loaded = contracts_compiler::describe::Context::load(&args.root).and_then(|context| {
        let (releases, older_hidden) = catalog::load_history(&args.root, &args.from)?;
        Ok((context, releases, older_hidden))
    });
    let (context, releases, older_hidden) = match loaded {
        Ok(loaded) => loaded,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(1);
        }
    };
    let pages = catalog::pages(&catalog::Sources {
        ir,
        events,
        context: &context,
        releases: &releases,
        older_hidden,
    });
    for page in &pages {
        let path = out.join(&page.path);
        if let Err(e) = write_if_changed(&path, &page.contents) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    println!(
        "wrote the event catalog ({} files, {} releases in the history) to {}; open {}",
        pages.len(),
        releases.len(),
        out.display(),
        out.join("index.html").display()
    );
    ExitCode::SUCCESS
}

/// Every `@assert` / `@check` in the contracts, with where it is declared.
fn constraints(ir: &Ir) -> Vec<(String, &contracts_compiler::ir::Constraint)> {
    let on_classes = ir.classes.iter().flat_map(|c| {
        c.constraints
            .iter()
            .map(move |k| (c.location.to_string(), k))
    });
    let on_fields = ir
        .classes
        .iter()
        .flat_map(|c| c.fields.iter())
        .flat_map(|f| {
            f.constraints
                .iter()
                .map(move |k| (f.location.to_string(), k))
        });
    on_classes.chain(on_fields).collect()
}

/// `diff` and `check-bump`.
fn evolution(args: &Args) -> ExitCode {
    let Some(against) = args.against.as_deref() else {
        eprintln!(
            "error: `contracts {}` needs --against REF{}\n{USAGE}",
            args.command,
            if args.command == "diff" { "|DIR" } else { "" }
        );
        return ExitCode::from(2);
    };
    let new = match diff::load_tree(&args.from) {
        Ok(tree) => tree,
        Err(errors) => return report(&errors),
    };
    let against_dir = Path::new(against);
    let (old, _tmp): (Tree, Option<diff::TempDir>) =
        if args.command == "diff" && against_dir.is_dir() {
            match diff::load_tree(against_dir) {
                Ok(tree) => (tree, None),
                Err(errors) => return report(&errors),
            }
        } else {
            match diff::load_ref(&args.from, against) {
                Ok((tree, tmp)) => (tree, Some(tmp)),
                Err(diff::RefError::Git(msg)) => {
                    eprintln!("error: {msg}");
                    return ExitCode::from(2);
                }
                Err(diff::RefError::Contract(errors)) => {
                    eprintln!("error: baml_src at {against} does not compile:");
                    return report(&errors);
                }
            }
        };
    let changes = diff::diff(&old, &new);
    if args.command == "diff" {
        let text = match args.format.as_str() {
            "json" => diff::render_json(&changes),
            "markdown" => diff::render_markdown(&changes, against),
            _ => diff::render_text(&changes),
        };
        print!("{text}");
        return ExitCode::SUCCESS;
    }
    check_bump(args, against, &changes)
}

/// Reads `Cargo.toml` at `against` and in the work tree and compares the bump.
fn check_bump(args: &Args, against: &str, changes: &[diff::Change]) -> ExitCode {
    let versions = diff::repo_path(&args.from).and_then(|(top, _)| {
        let old = diff::git(&top, &["show", &format!("{against}:Cargo.toml")])?;
        let old = String::from_utf8_lossy(&old).into_owned();
        let new = std::fs::read_to_string(top.join("Cargo.toml"))
            .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
        let old = diff::cargo_version(&old)
            .ok_or_else(|| format!("no [workspace.package] version in Cargo.toml at {against}"))?;
        let new = diff::cargo_version(&new)
            .ok_or("no [workspace.package] version in the work tree's Cargo.toml")?;
        Ok((old, new))
    });
    let (old, new) = match versions {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    let result = BumpCheck {
        old,
        new,
        actual: new.bump_from(old),
        required: diff::verdict(changes),
    };
    if result.ok() {
        println!(
            "ok: version {old} -> {new} ({}) covers the contract changes since {against} (verdict: {})",
            result.actual.unwrap_or(Bump::None),
            result.required
        );
        return ExitCode::SUCCESS;
    }
    match result.actual {
        None => eprintln!("error: the version went backwards since {against}: {old} -> {new}"),
        Some(Bump::None) => eprintln!(
            "error: baml_src changed since {against} but the version is still {new}; the changes need a {} bump (to {})",
            result.required,
            old.bumped(result.required)
        ),
        Some(actual) => eprintln!(
            "error: the version went {old} -> {new} ({actual}) but the contract changes since {against} need a {} bump (to {})",
            result.required,
            old.bumped(result.required)
        ),
    }
    eprintln!("changes that force it:");
    for c in result.forcing(changes) {
        eprintln!(
            "  {} {} {} {} ({})",
            c.bump, c.rule, c.location, c.subject, c.detail
        );
    }
    ExitCode::from(1)
}
