//! SemVer: the `MAJOR.MINOR.PATCH` version of a release, the [`Bump`] between
//! two versions, and the workspace version in a `Cargo.toml`.
//!
//! ```
//! use contracts_compiler::semver::{Bump, Version};
//! let old = Version::parse("1.4.2").unwrap();
//! let new = Version::parse("1.5.0").unwrap();
//! assert_eq!(new.bump_from(old), Some(Bump::Minor));
//! assert_eq!(old.bumped(Bump::Major).to_string(), "2.0.0");
//! ```

use serde::Serialize;
use std::fmt;

/// A SemVer bump, ordered from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Bump {
    /// No change at all.
    None,
    /// Prompts, tests, client/generator configuration, LLM-only metadata.
    Patch,
    /// Additive, backward-compatible changes.
    Minor,
    /// Breaking changes.
    Major,
}

impl Bump {
    /// `NONE`, `PATCH`, `MINOR` or `MAJOR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "NONE",
            Bump::Patch => "PATCH",
            Bump::Minor => "MINOR",
            Bump::Major => "MAJOR",
        }
    }

    /// Parses [`Bump::as_str`]'s output (case-insensitive).
    ///
    /// ```
    /// use contracts_compiler::semver::Bump;
    /// assert_eq!(Bump::parse("minor"), Some(Bump::Minor));
    /// assert_eq!(Bump::parse("huge"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Bump> {
        match text.to_ascii_uppercase().as_str() {
            "NONE" => Some(Bump::None),
            "PATCH" => Some(Bump::Patch),
            "MINOR" => Some(Bump::Minor),
            "MAJOR" => Some(Bump::Major),
            _ => None,
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `MAJOR.MINOR.PATCH` version (pre-release and build suffixes ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

impl Version {
    /// Parses `1.2.3` (and `1.2.3-rc.1`, ignoring the suffix).
    ///
    /// ```
    /// use contracts_compiler::semver::Version;
    /// assert_eq!(Version::parse("0.3.1-rc.2").unwrap().to_string(), "0.3.1");
    /// assert!(Version::parse("1.2").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.trim().split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let v = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(v)
    }

    /// The bump from `old` to `self`; `None` (the error) when it went backwards.
    pub fn bump_from(self, old: Version) -> Option<Bump> {
        if self < old {
            None
        } else if self == old {
            Some(Bump::None)
        } else if self.major > old.major {
            Some(Bump::Major)
        } else if self.minor > old.minor {
            Some(Bump::Minor)
        } else {
            Some(Bump::Patch)
        }
    }

    /// The smallest version after `self` that is a `bump` of it.
    #[must_use]
    pub fn bumped(self, bump: Bump) -> Version {
        match bump {
            Bump::None => self,
            Bump::Patch => Version {
                patch: self.patch + 1,
                ..self
            },
            Bump::Minor => Version {
                minor: self.minor + 1,
                patch: 0,
                ..self
            },
            Bump::Major => Version {
                major: self.major + 1,
                minor: 0,
                patch: 0,
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The `version` of `[workspace.package]` (or of `[package]`) in a Cargo.toml.
///
/// ```
/// use contracts_compiler::semver::{cargo_version, Version};
/// let toml = "[workspace.package]\nversion = \"0.3.1\"\n";
/// assert_eq!(cargo_version(toml), Version::parse("0.3.1"));
/// ```
pub fn cargo_version(toml: &str) -> Option<Version> {
    cargo_version_text(toml).and_then(Version::parse)
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
