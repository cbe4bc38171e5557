//! Downgrading envelopes, through contracts-core's public API only.
//!
//! The older version is derived from the current registry: every optional
//! field dropped from every other class, the last value dropped from every
//! enum with more than one, the last event type dropped. The first byte
//! picks the target (the current version or that older one), the rest is
//! the envelope.
//!
//! Properties: no panic; a downgrade to the current version of a valid
//! envelope returns it unchanged; every successful downgrade validates in
//! producer mode against its target; a failure names a JSON Pointer.
#![no_main]

use contracts_core::schema::{ClassDef, EnumDef, FieldDef, Registry, Ty};
use contracts_core::{
    current_registry, downgrade_between, is_valid_envelope, Mode, ValidateOptions,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn older() -> &'static Registry {
    static OLDER: OnceLock<&'static Registry> = OnceLock::new();
    OLDER.get_or_init(|| {
        let current = current_registry();
        let classes = current
            .classes
            .iter()
            .enumerate()
            .map(|(i, class)| ClassDef {
                name: class.name,
                fields: leak(
                    class
                        .fields
                        .iter()
                        .filter(|f| i % 2 == 1 || !matches!(f.ty, Ty::Optional(_)))
                        .map(|f| FieldDef {
                            name: f.name,
                            ty: f.ty,
                        })
                        .collect(),
                ),
            })
            .collect();
        let enums = current
            .enums
            .iter()
            .map(|e| EnumDef {
                name: e.name,
                values: if e.values.len() > 1 {
                    &e.values[..e.values.len() - 1]
                } else {
                    e.values
                },
            })
            .collect();
        let events = current.events.len().saturating_sub(1);
        Box::leak(Box::new(Registry {
            version: "0.0.1",
            classes: leak(classes),
            enums: leak(enums),
            events: &current.events[..events],
            event_meta_class: current.event_meta_class,
            envelope_schema: "{}",
            event_schemas: &[],
        }))
    })
}

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
                assert_eq!(downgraded, envelope, "a downgrade to the same version changed it");
            }
        }
        Err(e) => {
            assert!(
                e.path.is_empty() || e.path.starts_with('/'),
                "not a JSON Pointer: {:?}",
                e.path
            );
            if is_valid_envelope(input, &producer) {
                assert_ne!(e.rule_id, "invalid-envelope", "a valid envelope was refused as invalid: {e}");
            }
        }
    }
});
