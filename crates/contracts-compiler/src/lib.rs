//! The contracts compiler: parses a `baml_src` tree into an [`Ir`](ir::Ir), checks it,
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

// Modules import one way (tests/modules.rs fails on a cycle), roughly in
// this order from the bottom up:
// codes, error → ir (with ir::visit, the one traversal of types) → events
// (the event model) → lexer → parser → check → semver, git → source →
// diff; output, wire → codegen, mirror, schema, ts_validator, describe →
// ir_examples, asyncapi, catalog → history → gen; report.
pub mod asyncapi;
pub mod catalog;
pub mod check;
pub mod codegen;
pub mod codes;
pub mod describe;
pub mod diff;
pub mod error;
pub mod events;
pub mod examples;
pub mod gen;
pub mod git;
pub mod history;
pub mod ir;
pub mod ir_examples;
pub mod issue_codes;
pub mod lexer;
pub mod mirror;
pub mod output;
pub mod parser;
pub mod report;
pub mod schema;
pub mod semver;
pub mod source;
pub mod ts_validator;
pub mod wire;

pub use source::load_dir;
