//! Deterministic valid examples built from the IR: one envelope per event
//! type, one object per class, one value per enum, for the current version
//! and every released version the packages ship.
//!
//! They are what application tests start from (the testing kits of both
//! packages: Python's `example_envelope`, TypeScript's `exampleEnvelope`), so
//! they are built here, once, from the same wire resolution as the
//! validators ([`crate::wire`]), and shipped as data: `examples.json` in every
//! schema directory and `src/generated/examples.ts` in the npm package. Every
//! example is valid by construction and proven valid by the tests of the core
//! and of both packages.
//!
//! Each example holds the **required** fields only (an optional field is
//! omitted), one element per list, one entry per map, the first member of a
//! union and the first value of an enum. Strings derive from the field name
//! (`"Example title"`), UUIDs from the field name too (so `session_id` is the
//! same session everywhere), and `meta.event_id` from the event type.
//!
//! ```
//! use contracts_compiler::{check, ir::Ir, ir_examples, parser};
//! let mut ir = Ir::default();
//! parser::parse_file("t.baml", "type Uuid = string\nclass Goal {\n  id Uuid\n  title string\n  note string?\n  tags string[]\n}", &mut ir).unwrap();
//! let examples = ir_examples::version_examples(&ir, &[], "1.2.3").unwrap();
//! let goal = &examples["classes"]["Goal"];
//! assert_eq!(goal["title"], "Example title");
//! assert_eq!(goal["tags"], serde_json::json!(["Example tags"]));
//! assert!(goal.get("note").is_none());
//! assert_eq!(goal["id"].as_str().unwrap().len(), 36);
//! ```

use crate::error::CompileError;
use crate::events::EventBinding;
use crate::ir::Ir;
use crate::output::Output;
use crate::schema::SCHEMA_DIRS;
use crate::wire::WireTy;
use serde_json::{json, Map, Value};

/// The file name of the examples in every schema directory.
pub const EXAMPLES_FILE: &str = "examples.json";

/// The examples as a TypeScript module of the npm package (bundlers and
/// browsers import it like any module; no JSON import needed).
pub const TS_EXAMPLES_PATH: &str = "packages/typescript/src/generated/examples.ts";

/// Every example timestamp: a Monday morning, UTC.
pub const EXAMPLE_TIMESTAMP: &str = "2026-01-05T09:30:00Z";

/// Every example calendar date.
pub const EXAMPLE_DATE: &str = "2026-01-05";

/// The key of a one-entry `map<string, …>` example.
const EXAMPLE_MAP_KEY: &str = "key";

/// One version's contracts: what the examples of that version are built from.
#[derive(Debug, Clone, Copy)]
pub struct VersionedContracts<'a> {
    /// `MAJOR.MINOR.PATCH`, stamped as `contracts_version`.
    pub version: &'a str,
    /// The checked IR of that version.
    pub ir: &'a Ir,
    /// Its event bindings.
    pub events: &'a [EventBinding],
}

/// `{"events": {TYPE: envelope}, "classes": {Name: object}, "enums": {Name: value}}`
/// for one version.
pub fn version_examples(
    ir: &Ir,
    events: &[EventBinding],
    version: &str,
) -> Result<Value, CompileError> {
    let builder = Builder {
        ir,
        version,
        envelope_classes: events.iter().map(|e| e.envelope_class.as_str()).collect(),
    };
    let mut classes = Map::new();
    for index in 0..ir.classes.len() {
        classes.insert(ir.classes[index].name.clone(), builder.class(index)?);
    }
    let mut enums = Map::new();
    for e in &ir.enums {
        if let Some(first) = e.values.first() {
            enums.insert(e.name.clone(), json!(first.name));
        }
    }
    let mut envelopes = Map::new();
    for event in events {
        let mut envelope = classes
            .get(&event.envelope_class)
            .cloned()
            .expect("an event binding names a class of its IR");
        envelope["meta"]["event_id"] = json!(example_uuid(&format!("event:{}", event.event_type)));
        envelopes.insert(event.event_type.clone(), envelope);
    }
    Ok(json!({"events": envelopes, "classes": classes, "enums": enums}))
}

/// The whole document: `{"contracts_version": current, "versions": {version: …}}`,
/// the current version first, then `history` in the order given (newest first).
pub fn examples_document(
    current: VersionedContracts<'_>,
    history: &[VersionedContracts<'_>],
) -> Result<Value, CompileError> {
    let mut versions = Map::new();
    for contracts in std::iter::once(&current).chain(history) {
        versions.insert(
            contracts.version.to_string(),
            version_examples(contracts.ir, contracts.events, contracts.version)?,
        );
    }
    Ok(json!({"contracts_version": current.version, "versions": versions}))
}

/// `examples.json` in every schema directory and the TypeScript module.
pub fn outputs(
    current: VersionedContracts<'_>,
    history: &[VersionedContracts<'_>],
) -> Result<Vec<Output>, CompileError> {
    let document = examples_document(current, history)?;
    let text = serde_json::to_string_pretty(&document).expect("JSON serialises");
    let mut outputs: Vec<Output> = SCHEMA_DIRS
        .iter()
        .map(|dir| Output {
            path: format!("{dir}/{EXAMPLES_FILE}"),
            contents: format!("{text}\n"),
        })
        .collect();
    outputs.push(Output {
        path: TS_EXAMPLES_PATH.to_string(),
        contents: format!(
            "{TS_HEADER}{TS_TYPES}\nexport const EXAMPLES: ExamplesDocument = {text};\n"
        ),
    });
    Ok(outputs)
}

const TS_HEADER: &str = "// @generated by `contracts gen` (crates/contracts-compiler/src/ir_examples.rs) from baml_src/.\n// DO NOT EDIT: change baml_src/ (or the generator) and run `make generate`.\n";

const TS_TYPES: &str = r"
/** The examples of one contracts version. */
export interface VersionExamples {
  /** A valid producer envelope per event type. */
  readonly events: Readonly<Record<string, unknown>>;
  /** A valid object per class (required fields only). */
  readonly classes: Readonly<Record<string, unknown>>;
  /** The first value of each enum. */
  readonly enums: Readonly<Record<string, string>>;
}

/** Every shipped version's examples: the current version first, then the released ones, newest first. */
export interface ExamplesDocument {
  readonly contracts_version: string;
  readonly versions: Readonly<Record<string, VersionExamples>>;
}
";

struct Builder<'a> {
    ir: &'a Ir,
    version: &'a str,
    /// Classes whose `contracts_version` field carries [`Builder::version`].
    envelope_classes: Vec<&'a str>,
}

impl Builder<'_> {
    fn class(&self, index: usize) -> Result<Value, CompileError> {
        let mut visiting = vec![index];
        self.object(index, &mut visiting)
            .map(|value| value.unwrap_or_else(|| json!({})))
    }

    /// `None` when the class cannot be built without recursing into itself.
    fn object(
        &self,
        index: usize,
        visiting: &mut Vec<usize>,
    ) -> Result<Option<Value>, CompileError> {
        let class = &self.ir.classes[index];
        let is_envelope = self.envelope_classes.contains(&class.name.as_str());
        let mut object = Map::new();
        for field in &class.fields {
            let ty = WireTy::resolve(self.ir, &field.ty, &field.location)?;
            if matches!(ty, WireTy::Optional(_)) {
                continue;
            }
            let value = if is_envelope && field.name == "contracts_version" {
                Some(json!(self.version))
            } else {
                self.value(&ty, &field.name, visiting)?
            };
            match value {
                Some(value) => object.insert(field.name.clone(), value),
                None => return Ok(None),
            };
        }
        Ok(Some(Value::Object(object)))
    }

    fn value(
        &self,
        ty: &WireTy,
        hint: &str,
        visiting: &mut Vec<usize>,
    ) -> Result<Option<Value>, CompileError> {
        Ok(Some(match ty {
            WireTy::String => json!(example_text(hint)),
            WireTy::Int => json!(1),
            WireTy::Float => json!(1.5),
            WireTy::Bool => json!(true),
            WireTy::Null => Value::Null,
            WireTy::Uuid => json!(example_uuid(hint)),
            WireTy::Timestamp => json!(EXAMPLE_TIMESTAMP),
            WireTy::Date => json!(EXAMPLE_DATE),
            WireTy::StringLiteral(s) => json!(s),
            WireTy::IntLiteral(i) => json!(i),
            WireTy::BoolLiteral(b) => json!(b),
            WireTy::Enum(i) => match self.ir.enums[*i].values.first() {
                Some(first) => json!(first.name),
                None => return Ok(None),
            },
            WireTy::Class(i) => {
                if visiting.contains(i) {
                    return Ok(None);
                }
                visiting.push(*i);
                let object = self.object(*i, visiting)?;
                visiting.pop();
                return Ok(object);
            }
            WireTy::List(items) => {
                Value::Array(self.value(items, hint, visiting)?.into_iter().collect())
            }
            WireTy::Map(key, value) => {
                let key = match key.as_enum() {
                    Some(i) => self.ir.enums[i].values.first().map(|v| v.name.clone()),
                    None => Some(EXAMPLE_MAP_KEY.to_string()),
                };
                let mut map = Map::new();
                if let (Some(key), Some(value)) = (key, self.value(value, hint, visiting)?) {
                    map.insert(key, value);
                }
                Value::Object(map)
            }
            WireTy::Union(members) => {
                for member in members {
                    if let Some(value) = self.value(member, hint, visiting)? {
                        return Ok(Some(value));
                    }
                }
                return Ok(None);
            }
            WireTy::Optional(inner) => self.value(inner, hint, visiting)?.unwrap_or(Value::Null),
        }))
    }
}

/// `"Example title"` for the field `title`, `"Example next step"` for `next_step`.
fn example_text(field: &str) -> String {
    format!("Example {}", field.replace('_', " "))
}

/// A lowercase version-4 UUID derived from `seed` (FNV-1a, 128 bits from two
/// 64-bit hashes): stable across runs and machines.
///
/// ```
/// let id = contracts_compiler::ir_examples::example_uuid("session_id");
/// assert_eq!(id, contracts_compiler::ir_examples::example_uuid("session_id"));
/// assert_eq!(&id[14..15], "4");
/// ```
pub fn example_uuid(seed: &str) -> String {
    let fnv = |salt: u8| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in std::iter::once(salt).chain(seed.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    };
    let bits = (u128::from(fnv(1)) << 64) | u128::from(fnv(2));
    // Version 4 in bits 48..52 (from the left), the RFC 4122 variant in bits 64..66.
    let bits = (bits & !(0xf_u128 << 76)) | (0x4_u128 << 76);
    let bits = (bits & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
