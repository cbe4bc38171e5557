//! What the descriptions for tools and people (the AsyncAPI document, the
//! event catalog) read from the repository besides the IR: the contracts
//! version and the example envelopes of the vector corpus.
//!
//! ```
//! # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
//! let context = contracts_compiler::describe::Context::load(&root).unwrap();
//! assert_eq!(context.version, env!("CARGO_PKG_VERSION"));
//! assert!(!context.examples.of("GOAL_CREATED").is_empty());
//! ```

use crate::examples::{Examples, VECTORS_DIR};
use std::path::Path;

/// The repository facts the descriptions need.
#[derive(Debug, Clone)]
pub struct Context {
    /// The contracts version as written (`[workspace.package] version` of
    /// `<root>/Cargo.toml`, pre-release suffix included).
    pub version: String,
    /// The example envelopes of `<root>/testdata/vectors/`.
    pub examples: Examples,
}

impl Context {
    /// Reads `<root>/Cargo.toml` and `<root>/testdata/vectors/`. A root
    /// without a Cargo.toml (a bare `baml_src` checkout) gets the version of
    /// the workspace this compiler was built in, which is also the
    /// `CONTRACTS_VERSION` of the contracts-core it generates for; a root
    /// without the corpus gets no examples.
    pub fn load(root: &Path) -> Result<Context, String> {
        let cargo = root.join("Cargo.toml");
        let version = match std::fs::read_to_string(&cargo) {
            Ok(text) => crate::semver::cargo_version_text(&text)
                .ok_or_else(|| {
                    format!(
                        "{}: no [workspace.package] version (the AsyncAPI document and the catalog carry it)",
                        cargo.display()
                    )
                })?
                .to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                env!("CARGO_PKG_VERSION").to_string()
            }
            Err(e) => return Err(format!("cannot read {}: {e}", cargo.display())),
        };
        let examples = Examples::load(&root.join(VECTORS_DIR), &version)?;
        Ok(Context { version, examples })
    }
}
