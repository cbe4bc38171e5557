//! Upgrading envelopes, through contracts-core's public API only, between the
//! older version derived from the current registry (`common/older.rs`) and the
//! current one. The input is envelope bytes; the target upgrades them as they
//! are, and also downgrades them first when they are a current envelope, so
//! the valid vectors reach the upgrade as valid older envelopes.
//!
//! Properties: no panic; every upgrade validates in producer mode against the
//! current version, and a valid older envelope is never refused; a failure
//! names a JSON Pointer; upgrading what a downgrade made and downgrading the
//! result again gives the same envelope (nothing the older client had is lost
//! or changed on the way up).
#![no_main]

#[path = "common/older.rs"]
mod older;

use contracts_core::{current_registry, downgrade_between, upgrade_between, Mode, ValidateOptions};
use libfuzzer_sys::fuzz_target;
use older::older;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (current, older) = (current_registry(), older());
    let producer = ValidateOptions::with_mode(Mode::Producer);
    let valid_older = older.is_valid_envelope(data, &producer);
    match upgrade_between(&envelope, older, current) {
        Ok(upgraded) => {
            let text = upgraded.to_string();
            assert!(
                current.is_valid_envelope(text.as_bytes(), &producer),
                "upgraded but invalid in {}: {text}",
                current.version
            );
        }
        Err(e) => {
            assert!(
                e.path.is_empty() || e.path.starts_with('/'),
                "not a JSON Pointer: {:?}",
                e.path
            );
            assert!(
                !valid_older,
                "a valid {} envelope was refused: {e}",
                older.version
            );
        }
    }
    // The round trip: current -> older -> current -> older.
    let Ok(down) = downgrade_between(&envelope, current, older) else {
        return;
    };
    let up = upgrade_between(&down, older, current)
        .unwrap_or_else(|e| panic!("a downgraded envelope did not upgrade: {e}"));
    let again = downgrade_between(&up, current, older)
        .unwrap_or_else(|e| panic!("an upgraded envelope did not downgrade again: {e}"));
    assert_eq!(again, down, "down, up and down again changed the envelope");
});
