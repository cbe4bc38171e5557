//! `contracts diff` and `contracts check-bump`.

use crate::emit::{ColorChoice, Emitter, Style};
use crate::{failed, From};
use clap::{Args, ValueEnum};
use contracts_compiler::diff::{self, BumpCheck, Change};
use contracts_compiler::git;
use contracts_compiler::semver::{cargo_version, Bump};
use contracts_compiler::source::{load_ref, read_dir, RefError, Tree};
use std::path::Path;
use std::process::ExitCode;

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One line per change, then `verdict: …`.
    Text,
    /// A JSON document `{verdict, rules, changes}`; diagnostics as JSON lines on stderr.
    Json,
    /// A CHANGELOG section grouped by bump.
    Markdown,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    from: From,
    /// The baseline: a git ref or tag, or another `baml_src` folder.
    #[arg(long, value_name = "REF|DIR")]
    against: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

/// `check-bump --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BumpFormat {
    /// rustc-style diagnostics.
    Human,
    /// Diagnostics as JSON lines on stderr.
    Json,
}

#[derive(Debug, Args)]
pub struct CheckBumpArgs {
    #[command(flatten)]
    from: From,
    /// The release to compare with: a git ref or tag.
    #[arg(long, value_name = "REF")]
    against: String,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = BumpFormat::Human)]
    format: BumpFormat,
}

/// The work tree's contracts, or the exit code after reporting why not.
fn load_new(from: &Path, emitter: &mut Emitter) -> Result<Tree, ExitCode> {
    let sources = read_dir(from).map_err(|errors| {
        emitter.emit(&errors, &[]);
        failed(emitter)
    })?;
    sources.tree().map_err(|errors| {
        emitter.emit(&errors, &[&sources]);
        failed(emitter)
    })
}

/// The baseline: another folder (`diff` only) or the tree at a git ref.
fn load_old(
    from: &Path,
    against: &str,
    folders: bool,
    emitter: &mut Emitter,
) -> Result<Tree, ExitCode> {
    let dir = Path::new(against);
    if folders && dir.is_dir() {
        return load_new(dir, emitter);
    }
    load_ref(from, against).map_err(|e| match e {
        RefError::Git(msg) => {
            emitter.fatal(&msg);
            emitter.summary();
            ExitCode::from(2)
        }
        RefError::Contract(errors, sources) => {
            emitter.fatal(&format!("baml_src at {against} does not compile:"));
            emitter.emit(&errors, &[&sources]);
            failed(emitter)
        }
    })
}

pub fn diff(args: &DiffArgs, color: ColorChoice) -> ExitCode {
    let style = if args.format == DiffFormat::Json {
        Style::Json
    } else {
        Style::Human
    };
    let mut emitter = Emitter::new(style, color);
    let trees = load_new(&args.from.from, &mut emitter).and_then(|new| {
        load_old(&args.from.from, &args.against, true, &mut emitter).map(|old| (old, new))
    });
    let (old, new) = match trees {
        Ok(trees) => trees,
        Err(code) => return code,
    };
    let changes = diff::diff(&old, &new);
    let text = match args.format {
        DiffFormat::Json => diff::render_json(&changes),
        DiffFormat::Markdown => diff::render_markdown(&changes, &args.against),
        DiffFormat::Text => diff::render_text(&changes),
    };
    print!("{text}");
    ExitCode::SUCCESS
}

/// Reads `Cargo.toml` at `against` and in the work tree and compares the bump.
pub fn check_bump(args: &CheckBumpArgs, color: ColorChoice) -> ExitCode {
    let style = match args.format {
        BumpFormat::Human => Style::Human,
        BumpFormat::Json => Style::Json,
    };
    let mut emitter = Emitter::new(style, color);
    let against = args.against.as_str();
    let trees = load_new(&args.from.from, &mut emitter).and_then(|new| {
        load_old(&args.from.from, against, false, &mut emitter).map(|old| (old, new))
    });
    let (old_tree, new_tree) = match trees {
        Ok(trees) => trees,
        Err(code) => return code,
    };
    let changes = diff::diff(&old_tree, &new_tree);
    let versions = git::repo_path(&args.from.from).and_then(|(top, _)| {
        let old = git::show(&top, against, "Cargo.toml")?;
        let new = std::fs::read_to_string(top.join("Cargo.toml"))
            .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
        let old = cargo_version(&old)
            .ok_or_else(|| format!("no [workspace.package] version in Cargo.toml at {against}"))?;
        let new = cargo_version(&new)
            .ok_or("no [workspace.package] version in the work tree's Cargo.toml")?;
        Ok((old, new))
    });
    let (old, new) = match versions {
        Ok(v) => v,
        Err(msg) => {
            emitter.fatal(&msg);
            return ExitCode::from(2);
        }
    };
    let result = BumpCheck {
        actual: Bump::between(&old, &new),
        old: old.clone(),
        new: new.clone(),
        required: diff::verdict(&changes),
    };
    if result.ok() {
        println!(
            "ok: version {old} -> {new} ({}) covers the contract changes since {against} (verdict: {})",
            result.actual.unwrap_or(Bump::None),
            result.required
        );
        return ExitCode::SUCCESS;
    }
    let message = match result.actual {
        None => format!("the version went backwards since {against}: {old} -> {new}"),
        Some(Bump::None) => format!(
            "baml_src changed since {against} but the version is still {new}; the changes need a {} bump (to {})",
            result.required,
            result.required.apply(&old)
        ),
        Some(actual) => format!(
            "the version went {old} -> {new} ({actual}) but the contract changes since {against} need a {} bump (to {})",
            result.required,
            result.required.apply(&old)
        ),
    };
    emitter.fatal(&message);
    eprintln!("changes that force it:");
    for c in result.forcing(&changes) {
        eprintln!("  {}", line(c));
    }
    ExitCode::from(1)
}

fn line(c: &Change) -> String {
    format!(
        "{} {} {} {} ({})",
        c.bump, c.rule, c.location, c.subject, c.detail
    )
}
