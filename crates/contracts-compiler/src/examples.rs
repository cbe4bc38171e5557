//! Example envelopes taken from the shared vector corpus (`testdata/vectors/`).
//!
//! The AsyncAPI document and the event catalog show real envelopes rather
//! than invented ones: every vector of the `valid-` area (the corpus's
//! "a valid envelope for every event type") that is a **valid producer
//! envelope of the current version** (`mode: "producer"`, `expect.valid:
//! true`, an `input` object, no `target_version`) is an example of its
//! `type`; edge cases of other areas (`int-i64-max-accepted`, leap
//! seconds) are proofs, not examples. The
//! corpus proves each of them valid on every run of the vector tests, so an
//! example can never drift from the contract.
//!
//! ```
//! use contracts_compiler::examples::Examples;
//! let vector = r#"{"description": "a typing indicator", "mode": "producer",
//!   "input": {"type": "TYPING_INDICATOR", "contracts_version": "{{CONTRACTS_VERSION}}", "payload": {}, "meta": {}},
//!   "expect": {"valid": true, "issues": []}}"#;
//! let examples = Examples::from_vectors([("valid-typing.json", vector)], "1.2.3").unwrap();
//! let typing = examples.of("TYPING_INDICATOR");
//! assert_eq!(typing[0].name, "valid-typing");
//! assert_eq!(typing[0].envelope["contracts_version"], "1.2.3");
//! ```

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Where the corpus lives, relative to the repository root.
pub const VECTORS_DIR: &str = "testdata/vectors";

/// The area (file name prefix) of the corpus whose vectors are examples.
pub const EXAMPLE_AREA: &str = "valid-";

/// The placeholder vectors write for the current contracts version.
const VERSION_PLACEHOLDER: &str = "{{CONTRACTS_VERSION}}";

/// One example envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The vector's file name without `.json` (`valid-session-scheduled`).
    pub name: String,
    /// The vector's `description`.
    pub summary: String,
    /// The envelope, with the version placeholder replaced.
    pub envelope: Value,
}

/// Example envelopes by event type, each list sorted by vector name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Examples(BTreeMap<String, Vec<Example>>);

impl Examples {
    /// Reads every `*.json` file of `dir`; `version` replaces
    /// `{{CONTRACTS_VERSION}}`. A missing directory gives no examples (a
    /// checkout without the corpus, e.g. a test tree); an unreadable or
    /// malformed vector is an error naming the file.
    pub fn load(dir: &Path, version: &str) -> Result<Examples, String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Examples::default());
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
                .path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, text));
            }
        }
        Self::from_vectors(files.iter().map(|(n, t)| (n.as_str(), t.as_str())), version)
            .map_err(|e| format!("{}/{e}", dir.display()))
    }

    /// Picks the examples out of `(file name, text)` pairs.
    pub fn from_vectors<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        version: &str,
    ) -> Result<Examples, String> {
        let mut by_type: BTreeMap<String, Vec<Example>> = BTreeMap::new();
        for (file, text) in files {
            let doc: Value = serde_json::from_str(&text.replace(VERSION_PLACEHOLDER, version))
                .map_err(|e| {
                    format!("{file}: not valid JSON: {e} (fix the vector; see testdata/vectors/README.md)")
                })?;
            if let Some(example) = example_of(file, &doc) {
                let event_type = example.envelope["type"]
                    .as_str()
                    .expect("checked by example_of")
                    .to_string();
                by_type.entry(event_type).or_default().push(example);
            }
        }
        for list in by_type.values_mut() {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(Examples(by_type))
    }

    /// The examples of `event_type` (empty when the corpus has none).
    pub fn of(&self, event_type: &str) -> &[Example] {
        self.0.get(event_type).map_or(&[], Vec::as_slice)
    }
}

/// The example a vector holds, if it is a valid current producer envelope.
fn example_of(file: &str, doc: &Value) -> Option<Example> {
    let valid_producer = file.starts_with(EXAMPLE_AREA)
        && doc["mode"] == "producer"
        && doc["expect"]["valid"] == true
        && doc.get("target_version").is_none();
    let envelope = doc.get("input").filter(|_| valid_producer)?;
    envelope["type"].as_str()?;
    // Other placeholders ({{NEXT_MINOR}}, …) mark version-rule cases, not examples.
    if envelope.to_string().contains("{{") {
        return None;
    }
    Some(Example {
        name: file.trim_end_matches(".json").to_string(),
        summary: doc["description"].as_str().unwrap_or_default().to_string(),
        envelope: envelope.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(mode: &str, valid: bool, extra: &str) -> String {
        format!(
            r#"{{"description": "d", "mode": "{mode}", {extra}
               "input": {{"type": "GOAL_CREATED", "contracts_version": "{{{{CONTRACTS_VERSION}}}}"}},
               "expect": {{"valid": {valid}, "issues": []}}}}"#
        )
    }

    #[test]
    fn only_valid_current_producer_envelopes_are_examples() {
        let files = [
            ("valid-b.json", vector("producer", true, "")),
            ("valid-a.json", vector("producer", true, "")),
            ("int-edge-case.json", vector("producer", true, "")),
            ("valid-consumer.json", vector("consumer", true, "")),
            ("valid-invalid.json", vector("producer", false, "")),
            (
                "valid-old.json",
                vector("producer", true, r#""target_version": "0.0.9","#),
            ),
            (
                "valid-text.json",
                r#"{"description": "d", "mode": "producer", "input_text": "{}", "expect": {"valid": true, "issues": []}}"#.to_string(),
            ),
        ];
        let examples =
            Examples::from_vectors(files.iter().map(|(n, t)| (*n, t.as_str())), "2.0.0").unwrap();
        let names: Vec<&str> = examples
            .of("GOAL_CREATED")
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, ["valid-a", "valid-b"]);
        assert!(examples.of("GOAL_UPDATED").is_empty());
    }

    #[test]
    fn a_malformed_vector_is_an_error_naming_it() {
        let err = Examples::from_vectors([("broken.json", "{")], "1.0.0").unwrap_err();
        assert!(err.starts_with("broken.json: not valid JSON"), "{err}");
    }

    #[test]
    fn a_missing_corpus_gives_no_examples() {
        let examples = Examples::load(Path::new("/nonexistent/vectors"), "1.0.0").unwrap();
        assert_eq!(examples, Examples::default());
    }
}
