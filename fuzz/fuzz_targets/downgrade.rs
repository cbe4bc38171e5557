//! Downgrading envelopes, through contracts-core's public API only.
//!
//! The older version is derived from the current registry (`common/older.rs`).
//! The first byte picks the target (the current version or that older one),
//! the rest is the envelope.
//!
//! Properties: no panic; a downgrade to the current version of a valid
//! envelope returns it unchanged; every successful downgrade validates in
//! producer mode against its target; a failure names a JSON Pointer.
#![no_main]

#[path = "common/older.rs"]
mod older;

use contracts_core::{
    current_registry, downgrade_between, is_valid_envelope, Mode, ValidateOptions,
};
use libfuzzer_sys::fuzz_target;
use older::older;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let Ok(envelope) = serde_json::from_slice::<Value>(input) else {
        return;
    };
    let current = current_registry();
    let to = if selector & 1 == 0 { current } else { older() };
    let producer = ValidateOptions::with_mode(Mode::Producer);
    match downgrade_between(&envelope, current, to) {
        Ok(downgraded) => {
            let text = downgraded.to_string();
            assert!(
                to.is_valid_envelope(text.as_bytes(), &producer),
                "downgraded to {} but invalid there: {text}",
                to.version
            );
            if std::ptr::eq(to, current) {
                assert_eq!(
                    downgraded, envelope,
                    "a downgrade to the same version changed it"
                );
            }
        }
        Err(e) => {
            assert!(
                e.path.is_empty() || e.path.starts_with('/'),
                "not a JSON Pointer: {:?}",
                e.path
            );
            if is_valid_envelope(input, &producer) {
                assert_ne!(
                    e.rule_id, "invalid-envelope",
                    "a valid envelope was refused as invalid: {e}"
                );
            }
        }
    }
});
