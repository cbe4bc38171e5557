//! The validator: one walk over any [`crate::input::Input`] that applies the contract's
//! rules (`rules.rs`) and hands each issue to a [`crate::report::Sink`].
//!
//! The same walk is the fast path (the [`crate::report::Bail`] sink stops at
//! the first issue) and the explaining path (the [`crate::report::Collect`]
//! sink keeps every issue up to `max_issues`), so the two cannot disagree.
//! Objects are read in document order; the order issues are reported in
//! (a class's fields in declaration order, then its unknown keys, ...) comes
//! from the ranks of their paths (`path.rs`).
//!
//! Reading JSON text as it streams, a value is read more than once only
//! where the contract needs it: a union's value (captured once, then read
//! per member) and a `payload` that arrives before `type`.
//!
//! | file | what it holds |
//! |---|---|
//! | `walk.rs` | [`check`]: a value against a type, unions included |
//! | `envelope.rs` | [`envelope`]: `type`, `contracts_version`, `payload`, `meta` |
//!
//! `envelope.rs` uses the walk; the walk knows nothing of envelopes.

mod envelope;
mod walk;

pub(crate) use envelope::envelope;
pub(crate) use walk::check;
