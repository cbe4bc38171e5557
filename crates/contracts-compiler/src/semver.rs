//! Versions: the SemVer rules of `contracts-policy` (`version.rs`, on the
//! `semver` crate, shared with `contracts-core`), re-exported for the
//! compiler, and the workspace version in a `Cargo.toml`.
//!
//! ```
//! use contracts_compiler::semver::{parse_release, Bump};
//! let old = parse_release("1.4.2").unwrap();
//! let new = parse_release("1.5.0").unwrap();
//! assert_eq!(Bump::between(&old, &new), Some(Bump::Minor));
//! assert_eq!(Bump::Major.apply(&old).to_string(), "2.0.0");
//! ```

pub use contracts_policy::version::{parse_release, Bump, Version};

/// The `version` of `[workspace.package]` (or of `[package]`) in a Cargo.toml.
///
/// ```
/// use contracts_compiler::semver::{cargo_version, parse_release};
/// let toml = "[workspace.package]\nversion = \"0.3.1\"\n";
/// assert_eq!(cargo_version(toml), parse_release("0.3.1"));
/// ```
pub fn cargo_version(toml: &str) -> Option<Version> {
    cargo_version_text(toml).and_then(parse_release)
}

/// The `version` of `[workspace.package]` (or of `[package]`) in a
/// Cargo.toml as written, pre-release suffix included (`0.2.0-rc.1`).
///
/// ```
/// let toml = "[workspace.package]\nversion = \"0.2.0-rc.1\"\n";
/// assert_eq!(contracts_compiler::semver::cargo_version_text(toml), Some("0.2.0-rc.1"));
/// ```
pub fn cargo_version_text(toml: &str) -> Option<&str> {
    for wanted in ["[workspace.package]", "[package]"] {
        let mut inside = false;
        for line in toml.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                inside = line == wanted;
                continue;
            }
            if !inside {
                continue;
            }
            let Some(rest) = line.strip_prefix("version") else {
                continue;
            };
            let Some(value) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            return Some(value.trim().trim_matches('"'));
        }
    }
    None
}
