//! Which contracts version to speak to a client that announced the version it
//! was built with (a WebSocket subprotocol `coach-contracts.<version>`, say),
//! during a rollout window.
//!
//! | the client announces | it is served |
//! |---|---|
//! | [`crate::CONTRACTS_VERSION`] | that version |
//! | a newer version of the same MAJOR | [`crate::CONTRACTS_VERSION`] (a newer client decodes it in consumer mode) |
//! | a released version in [`crate::history`] | that version (envelopes are downgraded to it) |
//! | anything else | nothing: [`UnservableVersion`] |

use crate::registries::{known_versions, CONTRACTS_VERSION};
use std::fmt;

/// Why a client's announced version cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnservableReason {
    /// Not a SemVer version `MAJOR.MINOR.PATCH`.
    Malformed,
    /// A later MAJOR than this build: the backend must be upgraded first.
    NewerMajor,
    /// Older than this build but not a release it keeps (an unreleased or
    /// pre-release version, or one older than the history window).
    NotInHistory,
}

impl UnservableReason {
    /// The stable kebab-case name every binding exposes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::NewerMajor => "newer-major",
            Self::NotInHistory => "not-in-history",
        }
    }
}

/// A client's announced version that this build cannot serve; the message
/// names the versions it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnservableVersion {
    /// What the client announced.
    pub announced: String,
    /// Why it cannot be served.
    pub reason: UnservableReason,
}

/// How much of an announced version the message quotes.
const SHOWN_CHARS: usize = 24;

impl fmt::Display for UnservableVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            UnservableReason::Malformed => "is not a MAJOR.MINOR.PATCH version",
            UnservableReason::NewerMajor => "has a later MAJOR than this server",
            UnservableReason::NotInHistory => "is not a release this server keeps",
        };
        // The announcement comes from the client: keep what is quoted short.
        let shown: String = self.announced.chars().take(SHOWN_CHARS).collect();
        let cut = if shown.len() < self.announced.len() {
            "…"
        } else {
            ""
        };
        write!(
            f,
            "contracts {shown:?}{cut} {why}; supported: {}",
            known_versions().collect::<Vec<_>>().join(", ")
        )
    }
}

impl std::error::Error for UnservableVersion {}

/// The version to serve a client that announced `announced`.
///
/// ```
/// use contracts_core::{serve_version, UnservableReason, CONTRACTS_VERSION};
/// assert_eq!(serve_version(CONTRACTS_VERSION), Ok(CONTRACTS_VERSION));
/// assert_eq!(serve_version("99.0.0").unwrap_err().reason, UnservableReason::NewerMajor);
/// assert_eq!(serve_version("latest").unwrap_err().reason, UnservableReason::Malformed);
/// ```
pub fn serve_version(announced: &str) -> Result<&'static str, UnservableVersion> {
    if let Some(known) = known_versions().find(|v| *v == announced) {
        return Ok(known);
    }
    let unservable = |reason| UnservableVersion {
        announced: announced.to_string(),
        reason,
    };
    let version =
        semver::Version::parse(announced).map_err(|_| unservable(UnservableReason::Malformed))?;
    let current = semver::Version::parse(CONTRACTS_VERSION)
        .expect("CONTRACTS_VERSION is the crate's SemVer version");
    if version.major > current.major {
        return Err(unservable(UnservableReason::NewerMajor));
    }
    if version.major == current.major && version > current {
        return Ok(CONTRACTS_VERSION);
    }
    Err(unservable(UnservableReason::NotInHistory))
}

/// The best of the versions a client announced: the one served the newest
/// version (the first of them on a tie), with its index in `announced`.
/// `Ok(None)` when nothing was announced (serve [`crate::CONTRACTS_VERSION`]);
/// when none can be served, the error of the first.
///
/// ```
/// use contracts_core::{negotiate, CONTRACTS_VERSION};
/// let chosen = negotiate(&["not-a-version", CONTRACTS_VERSION]).unwrap().unwrap();
/// assert_eq!((chosen.index, chosen.version), (1, CONTRACTS_VERSION));
/// assert_eq!(negotiate(&[]), Ok(None));
/// assert!(negotiate(&["99.0.0"]).is_err());
/// ```
pub fn negotiate(announced: &[&str]) -> Result<Option<Negotiated>, UnservableVersion> {
    let rank = |version: &str| known_versions().position(|v| v == version);
    let mut best: Option<Negotiated> = None;
    let mut first_error = None;
    for (index, offer) in announced.iter().enumerate() {
        match serve_version(offer) {
            Ok(version) => {
                if best.is_none_or(|b| rank(version) < rank(b.version)) {
                    best = Some(Negotiated { index, version });
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (best, first_error) {
        (Some(best), _) => Ok(Some(best)),
        (None, Some(e)) => Err(e),
        (None, None) => Ok(None),
    }
}

/// The outcome of [`negotiate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// Which of the announced versions was chosen.
    pub index: usize,
    /// The version to serve (the announced one, or
    /// [`crate::CONTRACTS_VERSION`] for a newer client).
    pub version: &'static str,
}
