//! The older contracts version the `downgrade` and `upgrade` targets rewrite
//! between, derived from the current registry: every optional field dropped
//! from every other class, the last value dropped from every enum with more
//! than one, the last event type dropped. It exercises every rewrite rule
//! without a release tag in the repository.

use contracts_core::current_registry;
use contracts_core::schema::{ClassDef, EnumDef, FieldDef, Registry, Ty};
use std::sync::OnceLock;

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

/// The derived older version, `0.0.1`.
pub fn older() -> &'static Registry {
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
