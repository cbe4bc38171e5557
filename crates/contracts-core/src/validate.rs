//! Envelope validation against a generated registry (the current one, or in
//! producer mode the registry of an explicitly targeted older version): the
//! public entry points, over JSON text, `serde_json::Value` and any
//! [`Input`].
//!
//! Every entry point is one pass of the validator (`check/`): with the
//! sink that stops at the first issue for `is_valid_*`, with the one that
//! collects every issue for the others. JSON text is validated as it is
//! parsed; it is read a second time, as a tree, only when an object the
//! contract describes repeats a key (the last value is the one that counts,
//! as in any JSON parser that keeps one, and it may come after the first
//! was checked).

use crate::check;
use crate::input::{Input, Stop};
use crate::issue::{IssueCode, ValidationErrors, ValidationIssue};
use crate::json::Json;
use crate::options::{Mode, ValidateOptions};
use crate::path::At;
use crate::registries::{current_registry, known_versions, registry_for};
use crate::report::{Bail, Collect, Ctx, CtxMode};
use crate::scan::Scanner;
use crate::schema::{EventDef, Registry, Ty};
use crate::tape::Tape;
use serde_json::Value;

/// What `validate_envelope` returns for a valid envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidEnvelope {
    /// The envelope's `type` (an `EventType` value).
    pub event_type: &'static str,
    /// The name of the payload class bound to that type.
    pub payload_class: &'static str,
}

impl ValidEnvelope {
    fn of(reg: &'static Registry, def: &'static EventDef) -> Self {
        Self {
            event_type: def.event_type,
            payload_class: reg.classes[def.payload_class].name,
        }
    }
}

/// The registry `options` validate against: the current one, or in producer
/// mode the targeted version's; an unknown target version is the issue.
pub(crate) fn resolve(options: &ValidateOptions) -> Result<&'static Registry, ValidationIssue> {
    match (options.mode, options.target_version.as_deref()) {
        (Mode::Producer, Some(version)) => registry_for(version).ok_or_else(|| {
            ValidationIssue {
                path: "/contracts_version".into(),
                code: IssueCode::UnsupportedVersion,
                message: format!(
                    "target_version {version:?} is not a contracts version this build knows; known versions: {} (the history holds the released versions of this MAJOR and the previous one)",
                    known_versions().collect::<Vec<_>>().join(", ")
                ),
            }
        }),
        _ => Ok(current_registry()),
    }
}

/// An envelope to validate: JSON as bytes (`[u8]`, `Vec<u8>`) or text
/// (`str`, `String`), or an already parsed `serde_json::Value`. Host values
/// (a binding's objects) implement [`Input`] instead and go through
/// [`validate_input`].
pub trait EnvelopeInput {
    /// One pass: the event the envelope is of when valid, else every issue
    /// (up to `options.max_issues`; never empty).
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>>;
    /// One pass that stops at the first issue.
    fn is_valid(&self, options: &ValidateOptions) -> bool;
}

impl EnvelopeInput for [u8] {
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>> {
        if self.len() > options.max_bytes {
            return Err(vec![ValidationIssue {
                path: String::new(),
                code: IssueCode::TooLarge,
                message: format!(
                    "the input is {} bytes; the limit is {} bytes (raise max_bytes if this is expected)",
                    self.len(),
                    options.max_bytes
                ),
            }]);
        }
        let reg = resolve(options).map_err(|unknown| vec![unknown])?;
        explain_text(reg, strip_bom(self), options).map(|def| ValidEnvelope::of(reg, def))
    }

    fn is_valid(&self, options: &ValidateOptions) -> bool {
        self.len() <= options.max_bytes
            && resolve(options).is_ok_and(|reg| is_valid_text(reg, strip_bom(self), options))
    }
}

impl<const N: usize> EnvelopeInput for [u8; N] {
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>> {
        self.as_slice().explain(options)
    }

    fn is_valid(&self, options: &ValidateOptions) -> bool {
        self.as_slice().is_valid(options)
    }
}

impl EnvelopeInput for Vec<u8> {
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>> {
        self.as_slice().explain(options)
    }

    fn is_valid(&self, options: &ValidateOptions) -> bool {
        self.as_slice().is_valid(options)
    }
}

impl EnvelopeInput for str {
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>> {
        self.as_bytes().explain(options)
    }

    fn is_valid(&self, options: &ValidateOptions) -> bool {
        self.as_bytes().is_valid(options)
    }
}

impl EnvelopeInput for String {
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>> {
        self.as_bytes().explain(options)
    }

    fn is_valid(&self, options: &ValidateOptions) -> bool {
        self.as_bytes().is_valid(options)
    }
}

impl EnvelopeInput for Value {
    fn explain(&self, options: &ValidateOptions) -> Result<ValidEnvelope, Vec<ValidationIssue>> {
        let reg = resolve(options).map_err(|unknown| vec![unknown])?;
        explain_tree(reg, self, options).map(|def| ValidEnvelope::of(reg, def))
    }

    fn is_valid(&self, options: &ValidateOptions) -> bool {
        resolve(options).is_ok_and(|reg| is_valid_tree(reg, self, options))
    }
}

/// Validates an envelope and tells which event it is.
///
/// ```
/// use contracts_core::{validate_envelope, ValidateOptions};
/// let err = validate_envelope(br#"{"type": "NOPE"}"#, &ValidateOptions::default()).unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "unknown_event_type");
/// assert_eq!(err.issues[0].path, "/type");
/// ```
pub fn validate_envelope<I: EnvelopeInput + ?Sized>(
    input: &I,
    options: &ValidateOptions,
) -> Result<ValidEnvelope, ValidationErrors> {
    input
        .explain(options)
        .map_err(|issues| ValidationErrors { issues })
}

/// True when `input` is a valid envelope; the cheapest check (no tree, no
/// issue list, stops at the first issue).
///
/// ```
/// use contracts_core::{is_valid_envelope, ValidateOptions};
/// assert!(!is_valid_envelope("{}", &ValidateOptions::default()));
/// ```
pub fn is_valid_envelope<I: EnvelopeInput + ?Sized>(input: &I, options: &ValidateOptions) -> bool {
    input.is_valid(options)
}

/// Every issue in `input` (empty when valid), up to `options.max_issues`.
///
/// ```
/// use contracts_core::{envelope_issues, ValidateOptions};
/// let issues = envelope_issues(r#"{"type": "GOAL_UPDATED", "type": "GOAL_UPDATED"}"#, &ValidateOptions::default());
/// assert!(issues.iter().any(|i| i.code.as_str() == "duplicate_key" && i.path == "/type"));
/// ```
pub fn envelope_issues<I: EnvelopeInput + ?Sized>(
    input: &I,
    options: &ValidateOptions,
) -> Vec<ValidationIssue> {
    input.explain(options).err().unwrap_or_default()
}

/// Every issue in an already parsed envelope.
///
/// ```
/// use contracts_core::{value_issues, ValidateOptions};
/// let issues = value_issues(&serde_json::json!({"type": 1}), &ValidateOptions::default());
/// assert_eq!((issues[0].path.as_str(), issues[0].code.as_str()), ("/type", "wrong_type"));
/// ```
pub fn value_issues(value: &Value, options: &ValidateOptions) -> Vec<ValidationIssue> {
    envelope_issues(value, options)
}

/// Validates an envelope held by a host (any [`Input`], such as the Python
/// binding's objects) and tells which event it is: one pass, no JSON text.
///
/// ```
/// use contracts_core::{validate_input, ValidateOptions};
/// let envelope = serde_json::json!({"type": "NOPE"});
/// let err = validate_input(&envelope, &ValidateOptions::default()).unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "unknown_event_type");
/// ```
pub fn validate_input<I: Input>(
    input: I,
    options: &ValidateOptions,
) -> Result<ValidEnvelope, ValidationErrors> {
    let explained = match resolve(options) {
        Ok(reg) => explain_tree(reg, input, options).map(|def| ValidEnvelope::of(reg, def)),
        Err(unknown) => Err(vec![unknown]),
    };
    explained.map_err(|issues| ValidationErrors { issues })
}

/// Every issue in an envelope held by a host (empty when valid).
pub fn input_issues<I: Input>(input: I, options: &ValidateOptions) -> Vec<ValidationIssue> {
    validate_input(input, options)
        .err()
        .map(|e| e.issues)
        .unwrap_or_default()
}

/// True when the envelope a host holds is valid; stops at the first issue.
///
/// ```
/// use contracts_core::{is_valid_input, ValidateOptions};
/// assert!(!is_valid_input(&serde_json::json!({}), &ValidateOptions::default()));
/// ```
pub fn is_valid_input<I: Input>(input: I, options: &ValidateOptions) -> bool {
    resolve(options).is_ok_and(|reg| is_valid_tree(reg, input, options))
}

fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// The one issue of JSON text that does not parse.
fn syntax_issue(error: &serde_json::Error) -> ValidationIssue {
    let code = if error.to_string().contains("recursion limit") {
        IssueCode::TooDeep
    } else {
        IssueCode::InvalidJson
    };
    ValidationIssue {
        path: String::new(),
        code,
        message: format!(
            "the input is not valid JSON: {error} (send one JSON object encoded as UTF-8)"
        ),
    }
}

/// The event of a pass that found nothing, or everything it found.
fn outcome(
    cx: Ctx<'_, '_>,
    found: Vec<ValidationIssue>,
    event: Option<&'static EventDef>,
) -> Result<&'static EventDef, Vec<ValidationIssue>> {
    let issues = cx.issues(found);
    match (issues.is_empty(), event) {
        (true, Some(def)) => Ok(def),
        (_, _) => Err(issues),
    }
}

/// The explaining path over JSON text: one pass as it parses; a second, as
/// a tree, when a checked object repeats a key.
fn explain_text(
    reg: &'static Registry,
    json: &[u8],
    options: &ValidateOptions,
) -> Result<&'static EventDef, Vec<ValidationIssue>> {
    let Ok(text) = std::str::from_utf8(json) else {
        // Not UTF-8: `serde_json` reading the bytes says where.
        let mut de = serde_json::Deserializer::from_slice(json);
        return explain_as_tree(reg, options, "", &mut de);
    };
    // The core's scanner reads well-formed text in a fraction of serde_json's
    // time (`scan.rs`), into the same walk and so the same issues; anything it
    // stops at (a syntax error, the issue limit, a payload read before its
    // `type`) is read again by serde_json below, whose messages say where.
    let mut cx = Ctx::new(reg, options, CtxMode::Collect, text);
    let mut sink = Collect::new(cx.limit);
    let mut scanner = Scanner::new(text);
    if let Ok(event) = check::envelope(&mut cx, &mut sink, scanner.value()) {
        if scanner.end() {
            return outcome(cx, sink.finish(), event);
        }
    }
    let mut cx = Ctx::new(reg, options, CtxMode::Collect, text);
    let mut sink = Collect::new(cx.limit);
    let mut de = serde_json::Deserializer::from_str(text);
    let mut error = None;
    let read = check::envelope(&mut cx, &mut sink, Json::new(&mut de, &mut error));
    match read {
        Ok(event) => match de.end() {
            Ok(()) => outcome(cx, sink.finish(), event),
            Err(e) => Err(vec![syntax_issue(&e)]),
        },
        Err(Stop) if !cx.reread => match error {
            Some(e) => Err(vec![syntax_issue(&e)]),
            None => explain_as_tree(
                reg,
                options,
                text,
                &mut serde_json::Deserializer::from_str(text),
            ),
        },
        Err(Stop) => explain_as_tree(
            reg,
            options,
            text,
            &mut serde_json::Deserializer::from_str(text),
        ),
    }
}

/// Reads JSON text into a tree (the last value of a repeated key replacing
/// the first, each duplicate reported) and checks the tree.
fn explain_as_tree<'de, R: serde_json::de::Read<'de>>(
    reg: &'static Registry,
    options: &ValidateOptions,
    text: &'de str,
    de: &mut serde_json::Deserializer<R>,
) -> Result<&'static EventDef, Vec<ValidationIssue>> {
    let mut cx = Ctx::new(reg, options, CtxMode::Collect, text);
    let mut error = None;
    let Ok(tape) = Tape::capture(&mut cx, Json::new(&mut *de, &mut error), &At::root()) else {
        return Err(error.map_or_else(Vec::new, |e| vec![syntax_issue(&e)]));
    };
    if let Err(e) = de.end() {
        return Err(vec![syntax_issue(&e)]);
    }
    let mut sink = Collect::new(cx.limit);
    let event = check::envelope(&mut cx, &mut sink, tape.root()).unwrap_or(None);
    outcome(cx, sink.finish(), event)
}

/// The fast path over JSON text.
fn is_valid_text(reg: &'static Registry, json: &[u8], options: &ValidateOptions) -> bool {
    valid_text_event(reg, json, options).is_some()
}

/// The fast path over JSON text: the event of a valid envelope, `None` at the
/// first issue.
fn valid_text_event(
    reg: &'static Registry,
    json: &[u8],
    options: &ValidateOptions,
) -> Option<&'static EventDef> {
    // One UTF-8 check of the whole input is much cheaper than serde_json's
    // check of every string it reads from a byte slice.
    let text = std::str::from_utf8(json).ok()?;
    let mut cx = Ctx::new(reg, options, CtxMode::Bail, text);
    // The scanner accepts what `serde_json` accepts, in a fraction of the
    // time (`scan.rs`); the explaining path keeps `serde_json`'s messages.
    let mut scanner = Scanner::new(text);
    match check::envelope(&mut cx, &mut Bail, scanner.value()) {
        Ok(Some(def)) if scanner.end() => Some(def),
        _ => None,
    }
}

/// The explaining path over a tree or host value.
fn explain_tree<I: Input>(
    reg: &'static Registry,
    input: I,
    options: &ValidateOptions,
) -> Result<&'static EventDef, Vec<ValidationIssue>> {
    let mut cx = Ctx::new(reg, options, CtxMode::Collect, "");
    let mut sink = Collect::new(cx.limit);
    let event = check::envelope(&mut cx, &mut sink, input).unwrap_or(None);
    outcome(cx, sink.finish(), event)
}

/// The fast path over a tree or host value.
fn is_valid_tree<I: Input>(reg: &'static Registry, input: I, options: &ValidateOptions) -> bool {
    let mut cx = Ctx::new(reg, options, CtxMode::Bail, "");
    matches!(check::envelope(&mut cx, &mut Bail, input), Ok(Some(_)))
}

impl Registry {
    /// Every issue in an already parsed envelope checked against this
    /// registry (in producer mode the envelope must carry this registry's
    /// version); `options.target_version` is not consulted.
    pub fn value_issues(
        &'static self,
        value: &Value,
        options: &ValidateOptions,
    ) -> Vec<ValidationIssue> {
        registry_value_issues(self, value, options)
    }

    /// The fast path's verdict on JSON text against this registry;
    /// `options.target_version` is not consulted.
    pub fn is_valid_envelope(&'static self, json: &[u8], options: &ValidateOptions) -> bool {
        registry_is_valid(self, json, options)
    }

    /// Every issue in JSON text checked against this registry (empty when
    /// valid); `options.target_version` is not consulted.
    ///
    /// ```
    /// let reg = contracts_core::current_registry();
    /// let issues = reg.envelope_issues(b"[]", &Default::default());
    /// assert_eq!(issues[0].code.as_str(), "not_an_object");
    /// ```
    pub fn envelope_issues(
        &'static self,
        json: &[u8],
        options: &ValidateOptions,
    ) -> Vec<ValidationIssue> {
        if json.len() > options.max_bytes {
            return json.explain(options).err().unwrap_or_default();
        }
        explain_text(self, strip_bom(json), options)
            .err()
            .unwrap_or_default()
    }
}

/// Every issue in an already parsed envelope checked against `reg` (whose
/// version the envelope must carry in producer mode); `target_version` is
/// not consulted.
pub(crate) fn registry_value_issues(
    reg: &'static Registry,
    value: &Value,
    options: &ValidateOptions,
) -> Vec<ValidationIssue> {
    explain_tree(reg, value, options).err().unwrap_or_default()
}

/// True when the JSON text `json` is a valid envelope of `reg` (the fast
/// path only); `target_version` is not consulted.
pub(crate) fn registry_is_valid(
    reg: &'static Registry,
    json: &[u8],
    options: &ValidateOptions,
) -> bool {
    json.len() <= options.max_bytes && is_valid_text(reg, strip_bom(json), options)
}

/// Every issue of `value` against one type of `reg` (pointers relative to
/// the value).
pub(crate) fn type_issues(
    reg: &'static Registry,
    value: &Value,
    ty: &Ty,
    options: &ValidateOptions,
) -> Vec<ValidationIssue> {
    let mut cx = Ctx::new(reg, options, CtxMode::Collect, "");
    let mut sink = Collect::new(cx.limit);
    // A value tree never stops a collecting pass.
    let _ = check::check(&mut cx, &mut sink, value, *ty, &At::root(), 1);
    cx.issues(sink.finish())
}
