//! The project's SemVer rules, on the `semver` crate's [`Version`]: how a
//! release version is read from a tag, a `Cargo.toml` or an envelope's
//! `contracts_version`, and the [`Bump`] between two versions.
//!
//! ```
//! use contracts_policy::version::{parse_release, Bump};
//! let old = parse_release("1.4.2").unwrap();
//! let new = parse_release("1.5.0").unwrap();
//! assert_eq!(Bump::between(&old, &new), Some(Bump::Minor));
//! assert_eq!(Bump::Major.apply(&old).to_string(), "2.0.0");
//! ```

use serde::Serialize;
use std::fmt;

pub use semver::Version;

/// `MAJOR.MINOR.PATCH` of `text`, as a release: a pre-release or build
/// suffix (after the first `-` or `+`) is dropped, and the three numbers are
/// read as `u64` (leading zeros allowed). This is the rule an envelope's
/// `contracts_version` is read with in consumer mode, so it stays as lenient
/// as the browser validator's `versionMajor` (`portable/runtime.ts`), where
/// [`Version::parse`] (strict SemVer 2.0) would refuse `01.2.3` or
/// `1.2.3-rc..1` that the other runtimes take.
///
/// ```
/// use contracts_policy::version::parse_release;
/// assert_eq!(parse_release("0.3.1-rc.2").unwrap().to_string(), "0.3.1");
/// assert_eq!(parse_release("01.2.3").unwrap().major, 1);
/// assert!(parse_release("1.2").is_none());
/// assert!(parse_release(" 1.2.3").is_none());
/// ```
pub fn parse_release(text: &str) -> Option<Version> {
    let core = text.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let version = Version::new(parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

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
    ///
    /// ```
    /// assert_eq!(contracts_policy::version::Bump::Minor.as_str(), "MINOR");
    /// ```
    pub const fn as_str(self) -> &'static str {
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
    /// use contracts_policy::version::Bump;
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

    /// The bump from `old` to `new`, comparing `MAJOR.MINOR.PATCH` only;
    /// `None` when the version went backwards.
    ///
    /// ```
    /// use contracts_policy::version::{parse_release, Bump};
    /// let v = |s| parse_release(s).unwrap();
    /// assert_eq!(Bump::between(&v("0.1.0"), &v("0.2.0")), Some(Bump::Minor));
    /// assert_eq!(Bump::between(&v("1.0.0"), &v("1.0.0")), Some(Bump::None));
    /// assert_eq!(Bump::between(&v("1.0.1"), &v("1.0.0")), None);
    /// ```
    pub fn between(old: &Version, new: &Version) -> Option<Bump> {
        let release = |v: &Version| (v.major, v.minor, v.patch);
        let (old, new) = (release(old), release(new));
        if new < old {
            None
        } else if new == old {
            Some(Bump::None)
        } else if new.0 > old.0 {
            Some(Bump::Major)
        } else if new.1 > old.1 {
            Some(Bump::Minor)
        } else {
            Some(Bump::Patch)
        }
    }

    /// The smallest release after `version` that is this bump of it
    /// (`version`'s `MAJOR.MINOR.PATCH` for [`Bump::None`]).
    ///
    /// ```
    /// use contracts_policy::version::{parse_release, Bump};
    /// let v = parse_release("1.4.2").unwrap();
    /// assert_eq!(Bump::Patch.apply(&v).to_string(), "1.4.3");
    /// assert_eq!(Bump::Minor.apply(&v).to_string(), "1.5.0");
    /// ```
    #[must_use]
    pub fn apply(self, version: &Version) -> Version {
        let Version {
            major,
            minor,
            patch,
            ..
        } = *version;
        match self {
            Bump::None => Version::new(major, minor, patch),
            Bump::Patch => Version::new(major, minor, patch + 1),
            Bump::Minor => Version::new(major, minor + 1, 0),
            Bump::Major => Version::new(major + 1, 0, 0),
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
