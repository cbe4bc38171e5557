//! A generated file and where the generated sources of contracts-core live:
//! what every generator returns and `contracts gen` writes.

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the repository root.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// Where the contracts-core generated sources live.
pub const CORE_GENERATED_DIR: &str = "crates/contracts-core/src/generated";
