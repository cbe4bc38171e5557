//! The contracts compiler: parses a `baml_src` tree into an [`Ir`], checks it,
//! and generates the files derived from it (the contracts-core registry).
//!
//! ```
//! let mut ir = contracts_compiler::ir::Ir::default();
//! contracts_compiler::parser::parse_file(
//!     "types.baml",
//!     "class Goal {\n  id string @description(\"Goal id\")\n  title string?\n}",
//!     &mut ir,
//! ).unwrap();
//! assert_eq!(ir.classes[0].fields.len(), 2);
//! ```

pub mod asyncapi;
pub mod catalog;
pub mod check;
pub mod codegen;
pub mod describe;
pub mod diff;
pub mod error;
pub mod examples;
pub mod gen;
pub mod history;
pub mod ir;
pub mod lexer;
pub mod mirror;
pub mod parser;
pub mod schema;
pub mod ts_validator;
pub mod wire;

use error::{CompileError, Location};
use ir::Ir;
use std::path::{Path, PathBuf};

/// Parses every `*.baml` file under `dir` (sorted by path) and cross-checks the result.
pub fn load_dir(dir: &Path) -> Result<Ir, Vec<CompileError>> {
    let mut files = Vec::new();
    collect_baml_files(dir, &mut files).map_err(|e| {
        vec![CompileError::new(
            Location::new(&dir.display().to_string(), 1, 1),
            format!("cannot read the BAML directory: {e} (pass the baml_src folder with --from)"),
        )]
    })?;
    if files.is_empty() {
        return Err(vec![CompileError::new(
            Location::new(&dir.display().to_string(), 1, 1),
            "no .baml files found here; pass the baml_src folder with --from",
        )]);
    }
    files.sort();
    let mut ir = Ir::default();
    let mut errors = Vec::new();
    for path in &files {
        let display = path.strip_prefix(dir).unwrap_or(path);
        let display = Path::new(&dir.file_name().unwrap_or_default())
            .join(display)
            .display()
            .to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                if let Err(e) = parser::parse_file(&display, &text, &mut ir) {
                    errors.push(e);
                }
            }
            Err(e) => errors.push(CompileError::new(
                Location::new(&display, 1, 1),
                format!("cannot read file: {e}"),
            )),
        }
    }
    if errors.is_empty() {
        errors = check::cross_check(&ir);
    }
    if errors.is_empty() {
        Ok(ir)
    } else {
        Err(errors)
    }
}

fn collect_baml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_baml_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "baml") {
            out.push(path);
        }
    }
    Ok(())
}
