//! The napi-rs binding of `contracts-core` loaded by
//! `@coach-app/coach-app-baml-client/validate`.
//!
//! Every export converts its JavaScript arguments, calls the core and maps
//! the result; no validation logic lives here. Issues use the one error model
//! shared by Rust, Python and Node: `{path, code, message}`.
//!
//! Errors: invalid *arguments* (an unknown `mode`, `maxIssues: 0`, a payload
//! that is not JSON text) throw a JavaScript `Error` whose `code` is
//! `InvalidArg`; the bounds of `maxIssues`, `maxDepth` and `maxBytes` and
//! their messages are the core's (`ValidateOptions::set_limit`), as in
//! Python. An invalid *envelope* never throws: `envelopeIssues` returns the
//! issues, and `makeEnvelope` returns `{envelope: null, issues}`; a
//! downgrade that would lose data returns `{envelope: null, error}`.

#![allow(
    clippy::needless_pass_by_value,
    reason = "napi-rs converts every JavaScript argument into an owned value: exports take them by value"
)]

use contracts_core::cloudevents;
use contracts_core::{
    Limit, MetaOverrides, Mode, RewriteError, ValidateOptions as CoreOptions,
    ValidationIssue as CoreIssue,
};
use napi::bindgen_prelude::{Either, Uint8Array};
use napi::{Error, Result, Status};
use napi_derive::napi;

/// One problem found in an envelope.
#[napi(object)]
pub struct ValidationIssue {
    /// JSON Pointer (RFC 6901) to the offending value; `""` is the whole input.
    pub path: String,
    /// Stable `snake_case` code, e.g. `"missing_field"`: one of the
    /// `IssueCode` union that `contracts gen` writes from the core's enum
    /// (the package ships it next to this addon, in `lib/generated/`).
    #[napi(ts_type = "import('../lib/generated/issue-codes.js').IssueCode")]
    pub code: String,
    /// Human-readable explanation, including how to fix it.
    pub message: String,
}

impl From<CoreIssue> for ValidationIssue {
    fn from(issue: CoreIssue) -> Self {
        Self {
            path: issue.path,
            code: issue.code.as_str().to_owned(),
            message: issue.message,
        }
    }
}

/// Options of `envelopeIssues` and `isValidEnvelope`; every field is optional.
#[napi(object)]
pub struct ValidateOptions {
    /// `"producer"` (strict, the default) or `"consumer"` (tolerant).
    #[napi(ts_type = "'producer' | 'consumer'")]
    pub mode: Option<String>,
    /// Producer mode: an older version the envelope must carry instead of
    /// this package's version, validated against that version's contracts
    /// from the shipped schema history (an unknown one is an
    /// `unsupported_version` issue).
    pub target_version: Option<String>,
    /// Stop after this many issues (default 100, at least 1).
    pub max_issues: Option<f64>,
    /// Maximum nesting depth of objects and arrays (default 128, from 1 to 128).
    pub max_depth: Option<f64>,
    /// Maximum input size in bytes (default 16 MiB, at least 1).
    pub max_bytes: Option<f64>,
}

/// Optional `meta` fields of `makeEnvelope`; `eventId` (UUIDv7) and
/// `timestamp` (UTC now) are filled in when absent.
#[napi(object)]
pub struct MetaOverridesInput {
    /// `meta.event_id`.
    pub event_id: Option<String>,
    /// `meta.timestamp` (RFC 3339).
    pub timestamp: Option<String>,
    /// `meta.correlation_id`.
    pub correlation_id: Option<String>,
    /// `meta.actor_id`.
    pub actor_id: Option<String>,
    /// `meta.request_id`.
    pub request_id: Option<String>,
}

/// What `makeEnvelope` returns: the envelope as JSON text and no issues, or
/// `envelope: null` and the issues that made it invalid.
#[napi(object)]
pub struct MadeEnvelope {
    /// The envelope as JSON text, or `null` when it is invalid.
    pub envelope: Option<String>,
    /// Empty when `envelope` is set.
    pub issues: Vec<ValidationIssue>,
}

fn invalid_arg(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

/// Sets `limit` to `value` when given: a whole number checked by the core's
/// policy, whose message names the option as JavaScript spells it.
fn set_limit(core: &mut CoreOptions, limit: Limit, value: Option<f64>) -> Result<()> {
    let Some(value) = value else {
        return Ok(());
    };
    let name = limit.camel_case_name();
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(invalid_arg(format!(
            "{name} must be a whole number, got {value}"
        )));
    }
    #[allow(
        clippy::cast_possible_truncation,
        reason = "a whole number beyond i64 saturates, and the core refuses or caps it"
    )]
    let value = value as i64;
    core.set_limit(limit, value)
        .map_err(|e| invalid_arg(e.message(name)))
}

fn core_options(options: Option<ValidateOptions>) -> Result<CoreOptions> {
    let Some(options) = options else {
        return Ok(CoreOptions::default());
    };
    let mode = match options.mode.as_deref() {
        None => Mode::default(),
        Some(mode) => mode.parse::<Mode>().map_err(invalid_arg)?,
    };
    let mut core = CoreOptions::with_mode(mode);
    core.target_version = options.target_version;
    set_limit(&mut core, Limit::MaxIssues, options.max_issues)?;
    set_limit(&mut core, Limit::MaxDepth, options.max_depth)?;
    set_limit(&mut core, Limit::MaxBytes, options.max_bytes)?;
    Ok(core)
}

fn input_bytes(input: &Either<String, Uint8Array>) -> &[u8] {
    match input {
        Either::A(text) => text.as_bytes(),
        Either::B(bytes) => bytes,
    }
}

/// The contracts version this addon was built from (the `contracts_version`
/// every envelope a producer emits carries).
#[napi]
pub fn contracts_version() -> String {
    contracts_core::CONTRACTS_VERSION.to_owned()
}

/// Every event type (the `EventType` enum values), in declaration order.
#[napi]
pub fn event_types() -> Vec<String> {
    contracts_core::event_types().map(str::to_owned).collect()
}

/// The payload class bound to `eventType`, or `null` for an unknown type.
#[napi]
pub fn payload_class(event_type: String) -> Option<String> {
    contracts_core::payload_class(&event_type).map(str::to_owned)
}

/// Every issue in `input` (one JSON envelope as text or UTF-8 bytes); an
/// empty array means valid. Throws only for invalid `options`.
#[napi]
pub fn envelope_issues(
    input: Either<String, Uint8Array>,
    options: Option<ValidateOptions>,
) -> Result<Vec<ValidationIssue>> {
    let options = core_options(options)?;
    Ok(
        contracts_core::envelope_issues(input_bytes(&input), &options)
            .into_iter()
            .map(ValidationIssue::from)
            .collect(),
    )
}

/// True when `input` is a valid envelope. Throws only for invalid `options`.
#[napi]
pub fn is_valid_envelope(
    input: Either<String, Uint8Array>,
    options: Option<ValidateOptions>,
) -> Result<bool> {
    let mut options = core_options(options)?;
    options.max_issues = 1;
    Ok(contracts_core::is_valid_envelope(
        input_bytes(&input),
        &options,
    ))
}

/// True when the first `length` bytes of `utf8`, JSON text that `JSON.parse`
/// has already taken, may read differently in the core than in `JSON.parse`
/// (a duplicate key, a number a double may not hold, a lone surrogate
/// escape, deep nesting: `contracts_core::hidden_by_json_parse`). When
/// false, the generated validator's verdict on the parsed value is the
/// core's. Bytes, not a string: a string would be copied twice across N-API
/// (measuring, then writing); the caller encodes it once into a buffer it
/// reuses, and a borrowed `Uint8Array` is read in place.
#[napi]
pub fn hidden_by_json_parse(utf8: &[u8], length: u32) -> bool {
    let text = utf8.get(..length as usize).unwrap_or(utf8);
    contracts_core::hidden_by_json_parse(text).is_some()
}

/// Builds an envelope of `eventType` around the payload given as JSON text,
/// fills `meta.event_id`, `meta.timestamp` and `contracts_version`, and
/// validates it in producer mode. Returns `{envelope: <JSON text>, issues: []}`
/// or `{envelope: null, issues}` (a `payloadJson` that is not JSON is an
/// `invalid_json` issue at `/payload`); never throws.
#[napi]
pub fn make_envelope(
    event_type: String,
    payload_json: String,
    meta: Option<MetaOverridesInput>,
) -> Result<MadeEnvelope> {
    let meta = meta.map_or_else(MetaOverrides::default, |m| MetaOverrides {
        event_id: m.event_id,
        timestamp: m.timestamp,
        correlation_id: m.correlation_id,
        actor_id: m.actor_id,
        request_id: m.request_id,
    });
    Ok(
        match contracts_core::make_envelope_json(&event_type, payload_json.as_bytes(), meta) {
            Ok(envelope) => MadeEnvelope {
                envelope: Some(envelope),
                issues: Vec::new(),
            },
            Err(errors) => MadeEnvelope {
                envelope: None,
                issues: errors
                    .issues
                    .into_iter()
                    .map(ValidationIssue::from)
                    .collect(),
            },
        },
    )
}

/// Why `downgradeEnvelope` (or `upgradeEnvelope`, `upgradeDto`) refused: the
/// `contracts diff` rule id of the change that makes the rewrite lossy, and
/// where.
#[napi(object)]
pub struct DowngradeErrorInfo {
    /// E.g. `"event-type-added"`, `"enum-value-added"`, `"unknown-version"`.
    pub rule_id: String,
    /// JSON Pointer (RFC 6901) into the envelope; `""` is the whole envelope.
    pub path: String,
    /// What would be lost and what to do instead.
    pub message: String,
}

/// What `downgradeEnvelope` returns: the downgraded envelope as JSON text
/// and no error, or `envelope: null` and the error.
#[napi(object)]
pub struct Downgraded {
    /// The envelope for the older client as JSON text, or `null`.
    pub envelope: Option<String>,
    /// Set when `envelope` is `null`.
    pub error: Option<DowngradeErrorInfo>,
}

/// Rewrites `input` (a valid envelope of this package's version, as JSON text
/// or UTF-8 bytes) into one a client of the older contracts version `to`
/// decodes: drops the fields `to` did not have and sets `contracts_version`.
/// `to` equal to this package's version returns the input unchanged. Never
/// throws: a lossy downgrade, an unknown version or invalid JSON is
/// `{envelope: null, error}`.
#[napi]
pub fn downgrade_envelope(input: Either<String, Uint8Array>, to: String) -> Downgraded {
    let (envelope, error) = parts(contracts_core::downgrade_envelope_json(
        input_bytes(&input),
        &to,
    ));
    Downgraded { envelope, error }
}

/// What `upgradeEnvelope` and `upgradeDto` return: the rewritten value as
/// JSON text and no error, or `envelope: null` and the error.
#[napi(object)]
pub struct Upgraded {
    /// The value in this package's contracts version as JSON text, or `null`.
    pub envelope: Option<String>,
    /// Set when `envelope` is `null`.
    pub error: Option<DowngradeErrorInfo>,
}

/// Rewrites `input` (a valid envelope of the released version its
/// `contracts_version` names, as JSON text or UTF-8 bytes) into an envelope
/// of this package's version. Never throws: what cannot be carried forward
/// is `{envelope: null, error}`.
#[napi]
pub fn upgrade_envelope(input: Either<String, Uint8Array>) -> Upgraded {
    let (envelope, error) = parts(contracts_core::upgrade_envelope_json(input_bytes(&input)));
    Upgraded { envelope, error }
}

/// Rewrites `input`, a value of the class `className` of the released
/// contracts `version` (JSON text or UTF-8 bytes), into a value of that class
/// in this package's version. Never throws.
#[napi]
pub fn upgrade_dto(
    class_name: String,
    input: Either<String, Uint8Array>,
    version: String,
) -> Upgraded {
    let (envelope, error) = parts(contracts_core::upgrade_dto_json(
        &class_name,
        input_bytes(&input),
        &version,
    ));
    Upgraded { envelope, error }
}

/// The two halves of a `Downgraded` / `Upgraded`.
fn parts(
    result: std::result::Result<String, RewriteError>,
) -> (Option<String>, Option<DowngradeErrorInfo>) {
    match result {
        Ok(text) => (Some(text), None),
        Err(e) => (
            None,
            Some(DowngradeErrorInfo {
                rule_id: e.rule_id.as_str().to_owned(),
                path: e.path,
                message: e.message,
            }),
        ),
    }
}

/// The CloudEvents constants of the binding (`com.coach-app.` and friends).
#[napi(object)]
pub struct CloudEventConstants {
    /// `"1.0"`.
    pub spec_version: String,
    /// `"com.coach-app."`: every CloudEvent `type` is this and the envelope's `type`.
    pub type_prefix: String,
    /// `"application/cloudevents+json"`: the `Content-Type` of a structured-mode event.
    pub structured_content_type: String,
}

/// The CloudEvents constants this addon writes and reads.
#[napi]
pub fn cloud_event_constants() -> CloudEventConstants {
    CloudEventConstants {
        spec_version: cloudevents::SPEC_VERSION.to_owned(),
        type_prefix: cloudevents::TYPE_PREFIX.to_owned(),
        structured_content_type: cloudevents::STRUCTURED_CONTENT_TYPE.to_owned(),
    }
}

/// What the CloudEvents conversions return: the converted JSON text and no
/// issues, or `json: null` and the issues.
#[napi(object)]
pub struct Converted {
    /// The CloudEvent (or envelope) as JSON text, or `null` when invalid.
    pub json: Option<String>,
    /// Empty when `json` is set.
    pub issues: Vec<ValidationIssue>,
}

fn converted(result: std::result::Result<String, Vec<CoreIssue>>) -> Converted {
    match result {
        Ok(json) => Converted {
            json: Some(json),
            issues: Vec::new(),
        },
        Err(issues) => Converted {
            json: None,
            issues: issues.into_iter().map(ValidationIssue::from).collect(),
        },
    }
}

/// Converts a valid envelope (JSON text or UTF-8 bytes) into a
/// structured-mode CloudEvent. Throws `InvalidArg` for a `source` that is not
/// a URI-reference or bad `options`; an invalid envelope is
/// `{json: null, issues}` (paths into the envelope).
#[napi]
pub fn to_cloud_event(
    envelope: Either<String, Uint8Array>,
    source: String,
    options: Option<ValidateOptions>,
) -> Result<Converted> {
    let source = cloudevents::Source::new(source).map_err(|e| invalid_arg(e.to_string()))?;
    let options = core_options(options)?;
    match cloudevents::to_cloudevent_json(input_bytes(&envelope), &source, &options) {
        Ok(json) => Ok(converted(Ok(json))),
        Err(cloudevents::CloudEventError::InvalidSource(e)) => Err(invalid_arg(e.to_string())),
        Err(cloudevents::CloudEventError::InvalidEnvelope(e)) => Ok(converted(Err(e.issues))),
    }
}

/// Converts a structured-mode CloudEvent (JSON text or UTF-8 bytes) into the
/// envelope it carries, validated with `options` (consumer mode unless
/// `options.mode` says otherwise): `{json: <envelope>, issues: []}` or
/// `{json: null, issues}` with paths into the CloudEvent. Throws only for bad
/// `options`.
#[napi]
pub fn from_cloud_event(
    event: Either<String, Uint8Array>,
    options: Option<ValidateOptions>,
) -> Result<Converted> {
    let consumer_by_default = options.as_ref().is_none_or(|o| o.mode.is_none());
    let mut options = core_options(options)?;
    if consumer_by_default {
        options.mode = Mode::Consumer;
    }
    Ok(converted(
        cloudevents::from_cloudevent_json(input_bytes(&event), &options).map_err(|e| e.issues),
    ))
}
