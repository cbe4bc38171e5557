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

// Modules import one way, from the bottom of this list to the top of it
// (a test checks that no module reaches one above it):
// codes, error → ir → lexer → parser → check → semver, git → source →
// diff; output → codegen → mirror, schema → history → gen; report.
pub mod check;
pub mod codegen;
pub mod codes;
pub mod diff;
pub mod error;
pub mod gen;
pub mod git;
pub mod history;
pub mod ir;
pub mod lexer;
pub mod mirror;
pub mod output;
pub mod parser;
pub mod report;
pub mod schema;
pub mod semver;
pub mod source;

pub use source::load_dir;
