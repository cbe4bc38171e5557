//! `contracts`: check the BAML contracts and regenerate what derives from them.
//!
//! `contracts --help` lists the commands, `contracts <command> --help` their
//! options. Exit codes: 0 success, 1 the contracts (or the version bump, or a
//! derived file) are wrong, 2 the command line is wrong (unknown command or
//! flag, a flag on a command that does not take it, a missing argument, an
//! unknown git ref).

mod emit;
mod evolution;

use clap::{Args, Parser, Subcommand, ValueEnum};
use contracts_compiler::check;
use contracts_compiler::codes::Code;
use contracts_compiler::error::{CompileError, Location};
use contracts_compiler::events::{self, EventBinding};
use contracts_compiler::ir::Ir;
use contracts_compiler::source::{read_dir, Sources};
use contracts_compiler::{catalog, describe, gen, history, schema};
use emit::{ColorChoice, Emitter, Style};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  the contracts do not check (diagnostics on stderr), the version bump is too small,
     or a derived file is stale or cannot be written
  2  usage error: unknown command or flag, a flag the command does not take, a missing
     argument, an unknown git ref";

/// Check the BAML contracts in `baml_src` and generate what derives from them
/// (the contracts-core registry and mirror types, JSON Schemas, the schema
/// history); diff two versions of the contracts.
#[derive(Debug, Parser)]
#[command(name = "contracts", version, propagate_version = true, after_help = EXIT_CODES)]
struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, cross-check and lint `baml_src`; print a summary with counts.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Print the IR of any valid BAML tree as JSON (the project lints are `check`'s).
    #[command(after_help = EXIT_CODES)]
    Ir(IrArgs),
    /// Write the JSON Schema files and ir.json into a folder.
    #[command(after_help = EXIT_CODES)]
    Schema(SchemaArgs),
    /// Write every derived file under --root: the contracts-core registry, mirror
    /// and history, the portable JavaScript validator, and the schema copies
    /// shipped by the crate and both packages.
    #[command(after_help = EXIT_CODES)]
    Gen(GenArgs),
    /// Write the static event catalog (HTML: every event, DTO and enum, examples from
    /// testdata/vectors, the version that introduced each, the changes per release).
    #[command(after_help = EXIT_CODES)]
    Catalog(CatalogArgs),
    /// List every contract change since a git ref or another `baml_src` folder,
    /// with its rule id, location and the SemVer bump it needs.
    #[command(after_help = EXIT_CODES)]
    Diff(evolution::DiffArgs),
    /// Fail when the version bump since a git ref (Cargo.toml [workspace.package])
    /// is smaller than the contract changes need (docs/evolution.md).
    #[command(name = "check-bump", after_help = EXIT_CODES)]
    CheckBump(evolution::CheckBumpArgs),
}

/// `--from`: which tree.
#[derive(Debug, Args)]
struct From {
    /// The BAML source folder.
    #[arg(long, value_name = "DIR", default_value = "baml_src")]
    from: PathBuf,
}

/// `--format` of the commands whose output is the diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style diagnostics with the source line and a caret.
    Human,
    /// One JSON object per diagnostic on stderr (file, line, column, `end_line`,
    /// `end_column`, code, severity, message, labels).
    Json,
}

impl Format {
    fn style(self) -> Style {
        match self {
            Format::Human => Style::Human,
            Format::Json => Style::Json,
        }
    }
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    from: From,
    /// Skip the project rules (event envelopes, wire shape, style): parse and cross-check only.
    #[arg(long)]
    no_lint: bool,
    /// Diagnostics format; with `json` the summary on stdout is JSON too.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, Args)]
struct IrArgs {
    #[command(flatten)]
    from: From,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, Args)]
struct SchemaArgs {
    #[command(flatten)]
    from: From,
    /// The folder to write envelope.schema.json, events/ and ir.json into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, Args)]
struct GenArgs {
    #[command(flatten)]
    from: From,
    /// The repository root the derived files' paths are relative to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Write nothing; fail when a derived file differs from what `baml_src` generates.
    #[arg(long)]
    check: bool,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Debug, Args)]
struct CatalogArgs {
    #[command(flatten)]
    from: From,
    /// The folder to write the catalog's pages into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The repository root (its git tags give the history, testdata/vectors the examples).
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(&args, cli.color),
        Command::Ir(args) => ir(&args, cli.color),
        Command::Schema(args) => write_schema(&args, cli.color),
        Command::Gen(args) => generate(&args, cli.color),
        Command::Catalog(args) => write_catalog(&args, cli.color),
        Command::Diff(args) => evolution::diff(&args, cli.color),
        Command::CheckBump(args) => evolution::check_bump(&args, cli.color),
    }
}

/// Exit code 1 after printing the summary.
fn failed(emitter: &Emitter) -> ExitCode {
    emitter.summary();
    ExitCode::from(1)
}

/// Reads and cross-checks `from`; on failure prints the diagnostics.
fn load(from: &Path, emitter: &mut Emitter) -> Option<(Ir, Sources)> {
    let sources = match read_dir(from) {
        Ok(sources) => sources,
        Err(errors) => {
            emitter.emit(&errors, &[]);
            return None;
        }
    };
    match sources.tree() {
        Ok(tree) => Some((tree.ir, sources)),
        Err(errors) => {
            emitter.emit(&errors, &[&sources]);
            None
        }
    }
}

/// The project rules that make a tree unusable for generation: the wire
/// lint and the event bindings.
fn project_rules(ir: &Ir) -> Result<Vec<EventBinding>, Vec<CompileError>> {
    let mut errors = check::wire_lints(ir);
    match events::event_bindings(ir) {
        Ok(events) if errors.is_empty() => Ok(events),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// Loads `from` and applies the project rules (for `schema` and `gen`).
fn load_checked(from: &Path, emitter: &mut Emitter) -> Option<(Ir, Vec<EventBinding>)> {
    let (ir, sources) = load(from, emitter)?;
    match project_rules(&ir) {
        Ok(events) => Some((ir, events)),
        Err(errors) => {
            emitter.emit(&errors, &[&sources]);
            None
        }
    }
}

fn check(args: &CheckArgs, color: ColorChoice) -> ExitCode {
    let mut emitter = Emitter::new(args.format.style(), color);
    let Some((ir, sources)) = load(&args.from.from, &mut emitter) else {
        return failed(&emitter);
    };
    let mut events = Vec::new();
    if !args.no_lint {
        match project_rules(&ir) {
            Ok(found) => events = found,
            Err(errors) => {
                emitter.emit(&errors, &[&sources]);
                return failed(&emitter);
            }
        }
        emitter.emit(&check::style_lints(&ir), &[&sources]);
    }
    emitter.emit(&check::constraint_warnings(&ir), &[&sources]);
    let counts = [
        ("classes", ir.classes.len()),
        ("enums", ir.enums.len()),
        ("type_aliases", ir.type_aliases.len()),
        ("functions", ir.functions.len()),
        ("event_types", events.len()),
    ];
    match emitter.style() {
        Style::Human => {
            emitter.summary();
            println!(
                "ok: {} classes, {} enums, {} type aliases, {} functions, {} event types",
                counts[0].1, counts[1].1, counts[2].1, counts[3].1, counts[4].1
            );
        }
        Style::Json => {
            let mut summary: serde_json::Map<String, serde_json::Value> = counts
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).into()))
                .collect();
            summary.insert("warnings".into(), emitter.warnings().into());
            println!("{}", serde_json::Value::Object(summary));
        }
    }
    ExitCode::SUCCESS
}

fn ir(args: &IrArgs, color: ColorChoice) -> ExitCode {
    let mut emitter = Emitter::new(args.format.style(), color);
    let Some((ir, _)) = load(&args.from.from, &mut emitter) else {
        return failed(&emitter);
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&ir).expect("the IR serialises")
    );
    ExitCode::SUCCESS
}

/// Writes `contents` to `path` unless it already holds them; whether it
/// wrote, or the `WriteOutput` diagnostic naming the file as `shown`.
fn write_if_changed(path: &Path, shown: &str, contents: &str) -> Result<bool, CompileError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, contents));
    match written {
        Ok(()) => Ok(true),
        Err(e) => Err(output_error(
            Code::WriteOutput,
            shown,
            format!("cannot write {}: {e}", path.display()),
        )),
    }
}

/// A diagnostic about a derived file (no place in a BAML file).
fn output_error(code: Code, path: &str, message: String) -> CompileError {
    CompileError::coded(code, Location::new(path, 1, 1), message)
}

fn write_schema(args: &SchemaArgs, color: ColorChoice) -> ExitCode {
    let mut emitter = Emitter::new(args.format.style(), color);
    let Some((ir, events)) = load_checked(&args.from.from, &mut emitter) else {
        return failed(&emitter);
    };
    let outputs = match schema::outputs(&ir, &events) {
        Ok(outputs) => outputs,
        Err(e) => {
            emitter.emit(&[e], &[]);
            return failed(&emitter);
        }
    };
    let prefix = format!("{}/", schema::SCHEMA_DIRS[0]);
    let mine = outputs.into_iter().filter_map(|o| {
        o.path
            .strip_prefix(&prefix)
            .map(|rest| (args.out.join(rest), o.contents))
    });
    for (path, contents) in mine {
        if let Err(e) = write_if_changed(&path, &path.display().to_string(), &contents) {
            emitter.emit(&[e], &[]);
            return failed(&emitter);
        }
    }
    println!("wrote the JSON Schema files to {}", args.out.display());
    ExitCode::SUCCESS
}

fn generate(args: &GenArgs, color: ColorChoice) -> ExitCode {
    let mut emitter = Emitter::new(args.format.style(), color);
    let Some((ir, events)) = load_checked(&args.from.from, &mut emitter) else {
        return failed(&emitter);
    };
    let history = match history::load(&args.root, &args.from.from) {
        Ok(history) => history,
        Err(msg) => {
            emitter.fatal(&msg);
            return failed(&emitter);
        }
    };
    let context = match describe::Context::load(&args.root) {
        Ok(context) => context,
        Err(msg) => {
            emitter.fatal(&msg);
            return failed(&emitter);
        }
    };
    let outputs = match gen::repository_outputs(&ir, &events, &history, &context) {
        Ok(outputs) => outputs,
        Err(e) => {
            emitter.emit(&[e], &[]);
            return failed(&emitter);
        }
    };
    let mut changed = Vec::new();
    for output in &outputs {
        let path = args.root.join(&output.path);
        if args.check {
            if std::fs::read_to_string(&path).map_or(true, |old| old != output.contents) {
                changed.push(output.path.clone());
            }
            continue;
        }
        match write_if_changed(&path, &output.path, &output.contents) {
            Ok(true) => changed.push(output.path.clone()),
            Ok(false) => {}
            Err(e) => {
                emitter.emit(&[e], &[]);
                return failed(&emitter);
            }
        }
    }
    if args.check && !changed.is_empty() {
        let stale: Vec<CompileError> = changed
            .iter()
            .map(|path| {
                output_error(
                    Code::StaleOutput,
                    path,
                    "differs from what baml_src generates; run `make generate`".into(),
                )
            })
            .collect();
        emitter.emit(&stale, &[]);
        return failed(&emitter);
    }
    println!(
        "{} derived files, {} {}",
        outputs.len(),
        changed.len(),
        if args.check { "differ" } else { "written" }
    );
    ExitCode::SUCCESS
}

/// `catalog --out DIR`: the static event catalog, from the contracts, the
/// schema history and the vector corpus of the repository at `--root`.
fn write_catalog(args: &CatalogArgs, color: ColorChoice) -> ExitCode {
    let mut emitter = Emitter::new(args.format.style(), color);
    let Some((ir, events)) = load_checked(&args.from.from, &mut emitter) else {
        return failed(&emitter);
    };
    let loaded = describe::Context::load(&args.root).and_then(|context| {
        let (releases, older_hidden) = catalog::load_history(&args.root, &args.from.from)?;
        Ok((context, releases, older_hidden))
    });
    let (context, releases, older_hidden) = match loaded {
        Ok(loaded) => loaded,
        Err(msg) => {
            emitter.fatal(&msg);
            return failed(&emitter);
        }
    };
    let pages = catalog::pages(&catalog::Sources {
        ir: &ir,
        events: &events,
        context: &context,
        releases: &releases,
        older_hidden,
    });
    for page in &pages {
        let path = args.out.join(&page.path);
        if let Err(e) = write_if_changed(&path, &path.display().to_string(), &page.contents) {
            emitter.emit(&[e], &[]);
            return failed(&emitter);
        }
    }
    println!(
        "wrote the event catalog ({} files, {} releases in the history) to {}; open {}",
        pages.len(),
        releases.len(),
        args.out.display(),
        args.out.join("index.html").display()
    );
    ExitCode::SUCCESS
}
