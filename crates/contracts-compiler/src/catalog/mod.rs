//! The event catalog: a static HTML site describing every event type, DTO,
//! enum and type alias of the contracts, for the people who use them.
//!
//! Generated from the IR, the schema history (the version that introduced
//! each event, type, field and enum value, and the contract changes of every
//! release, as `contracts diff` reports them) and the vector corpus (an
//! example envelope per event). No server: open `index.html` from disk; the
//! search box filters the index by name in the page itself.
//!
//! Files, relative to the output directory: `index.html`, `changes.html`,
//! `events/<EVENT_TYPE>.html`, `types/<Name>.html` (classes, enums and
//! aliases), `assets/catalog.{css,js}` and `catalog.json` (what the site
//! holds, for tools and the release checks).
//!
//! ```
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baml_src");
//! use contracts_compiler::catalog::{pages, Sources};
//! let ir = contracts_compiler::load_dir(&dir).unwrap();
//! let events = contracts_compiler::events::event_bindings(&ir).unwrap();
//! let context = contracts_compiler::describe::Context {
//!     version: "1.2.3".into(),
//!     examples: Default::default(),
//! };
//! let site = pages(&Sources { ir: &ir, events: &events, context: &context, releases: &[], older_hidden: false });
//! let index = site.iter().find(|p| p.path == "index.html").unwrap();
//! assert!(index.contents.contains("GOAL_CREATED"));
//! assert!(site.iter().any(|p| p.path == "events/GOAL_CREATED.html"));
//! ```

mod html;
pub mod timeline;

use crate::describe::Context;
use crate::events::EventBinding;
use crate::history::{History, Release};
use crate::ir::Ir;
use crate::output::Output;
use std::path::Path;

/// The CloudEvents `type` prefix the catalog shows; contracts-core's
/// `cloudevents::TYPE_PREFIX` (the compiler cannot depend on the runtime
/// crate; `tests/catalog.rs` checks they agree).
pub const CLOUDEVENT_TYPE_PREFIX: &str = "com.coach-app.";

/// Everything the catalog is generated from.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The current contracts.
    pub ir: &'a Ir,
    /// Their event bindings.
    pub events: &'a [EventBinding],
    /// The version and the example envelopes.
    pub context: &'a Context,
    /// The released versions of the history, oldest first.
    pub releases: &'a [Release],
    /// Releases older than the first of `releases` exist (an older MAJOR
    /// outside the history), so "introduced in" the oldest one means "in it
    /// or earlier".
    pub older_hidden: bool,
}

/// Every file of the site, with paths relative to its directory.
pub fn pages(sources: &Sources<'_>) -> Vec<Output> {
    html::Site::new(sources).pages()
}

/// The history the catalog dates things from: the releases
/// [`crate::history::load`] finds (none outside a git checkout), and whether
/// older `vX.Y.Z` tags exist beyond them.
pub fn load_history(root: &Path, from: &Path) -> Result<(Vec<Release>, bool), String> {
    let releases = match crate::history::load(root, from)? {
        History::Releases(releases) => releases,
        History::Keep => Vec::new(),
    };
    let older_hidden = match releases.first() {
        None => false,
        Some(oldest) => crate::git::git(root, &["tag", "--list", "v*"]).is_ok_and(|tags| {
            String::from_utf8_lossy(&tags).lines().any(|tag| {
                tag.trim()
                    .strip_prefix('v')
                    .and_then(crate::semver::parse_release)
                    .is_some_and(|v| v < oldest.version)
            })
        }),
    };
    Ok((releases, older_hidden))
}
