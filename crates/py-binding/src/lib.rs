//! `coach_app_baml_client._native`: the PyO3 binding of contracts-core.
//!
//! Every function converts its arguments, calls the core and maps the result;
//! the exception and issue classes are defined in Python
//! (`coach_app_baml_client._errors`) so users can import and subclass them.

use contracts_core::cloudevents::{self, CloudEventError, Source};
use contracts_core::{
    Limit, MakeError, MetaOverrides, Mode, RewriteError, ValidateOptions, ValidationIssue,
};
use pyo3::call::PyCallArgs;
use pyo3::exceptions::{PyBaseException, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple, PyType};

mod object;
use object::{Class, PyValue, Walk};

/// Inputs at or above this size are validated with the GIL released, so
/// other Python threads run meanwhile.
///
/// Measured with `packages/python/bench/gil_threshold.py` (2 cores, `CPython`
/// 3.11, wheels built with the threshold at 0 and at `usize::MAX`; valid
/// `TRANSCRIPT_SEGMENT_ADDED` envelopes):
/// - one thread: releasing costs nothing measurable at any size (474 B:
///   ~460k calls/s either way; 16 KB: ~7.9k/s);
/// - two threads validating: holding the GIL gives 1.0x the one-thread rate at
///   every size; releasing gives 1.0x at 474 B, 1.0-1.8x at 1.2 KB, and
///   1.9-2.0x from 2 KB up (16 KB: 15.4k/s vs 7.9k/s; 64 KB: 4.1k/s vs 2.1k/s);
/// - one thread validating next to one pure-Python thread: releasing hands the
///   core to the Python thread (~2x its loop rate) and the validating thread
///   then waits up to a switch interval (5 ms) to get the GIL back, falling to
///   ~130-200 calls/s at every size from 2 KB (16 KB: 190/s vs 3.9k/s held).
///
/// Releasing pays only when the other threads also run outside the GIL, and
/// its cost (a switch interval per call) is fixed while its gain grows with
/// the input. So small envelopes, nearly all of the traffic, keep the GIL
/// (no waits on the event loop thread); large ones (long transcripts,
/// summaries), from 16 KiB (~130 us of work), release it.
const RELEASE_GIL_BYTES: usize = 16 * 1024;

/// The numeric limits a validation function takes, as Python passed them
/// (`None` for the default).
#[derive(Clone, Copy)]
struct Limits {
    issues: Option<i64>,
    depth: Option<i64>,
    bytes: Option<i64>,
}

/// The core's options for `mode`, `target_version` and `limits`; a limit out
/// of its bounds is a `ValueError` with the core's message (the one Node
/// throws, with the option named `max_issues` rather than `maxIssues`).
fn options(
    mode: &str,
    target_version: Option<String>,
    limits: Limits,
) -> PyResult<ValidateOptions> {
    let mode: Mode = mode.parse().map_err(PyValueError::new_err)?;
    let mut options = ValidateOptions::with_mode(mode);
    options.target_version = target_version;
    for (limit, value) in [
        (Limit::MaxIssues, limits.issues),
        (Limit::MaxDepth, limits.depth),
        (Limit::MaxBytes, limits.bytes),
    ] {
        if let Some(value) = value {
            options
                .set_limit(limit, value)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
        }
    }
    Ok(options)
}

/// Borrows the bytes of a `bytes` or `str` argument.
fn input_bytes<'a>(data: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(bytes) = data.downcast::<PyBytes>() {
        Ok(bytes.as_bytes())
    } else if let Ok(text) = data.downcast::<PyString>() {
        Ok(text.to_str()?.as_bytes())
    } else {
        Err(PyTypeError::new_err(format!(
            "expected bytes or str holding one JSON envelope, got {}",
            data.get_type().name()?
        )))
    }
}

/// An envelope as Python holds it: JSON text, or objects read in place.
enum Envelope<'a, 'py> {
    Text(&'a [u8]),
    Copied(Vec<u8>),
    Objects(&'a Bound<'py, PyAny>),
}

impl<'a, 'py> Envelope<'a, 'py> {
    /// `bytes`/`str`/`bytearray`/`memoryview` are JSON text; a `dict` or a
    /// Pydantic model is read as it is; anything else is a `TypeError`.
    fn of(data: &'a Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = data.downcast::<PyBytes>() {
            return Ok(Self::Text(bytes.as_bytes()));
        }
        if let Ok(text) = data.downcast::<PyString>() {
            return Ok(Self::Text(text.to_str()?.as_bytes()));
        }
        if data.is_instance_of::<PyDict>() {
            return Ok(Self::Objects(data));
        }
        match object::class_of(data) {
            Class::Fields(_) => return Ok(Self::Objects(data)),
            Class::Serialized => {
                let json = data.call_method0(intern!(data.py(), "model_dump_json"))?;
                return Ok(Self::Copied(
                    json.downcast::<PyString>()?.to_str()?.as_bytes().to_vec(),
                ));
            }
            Class::Other => {}
        }
        if let Ok(bytes) = data.downcast::<PyByteArray>() {
            return Ok(Self::Copied(bytes.to_vec()));
        }
        if data.is_instance_of::<PyMemoryView>() {
            let copy = data.py().get_type::<PyBytes>().call1((data,))?;
            return Ok(Self::Copied(
                copy.downcast::<PyBytes>()?.as_bytes().to_vec(),
            ));
        }
        Err(PyTypeError::new_err(format!(
            "expected an envelope as bytes, str, dict or a generated Pydantic envelope model, got {}",
            data.get_type().name()?
        )))
    }

    /// Runs `text` on JSON text (without the GIL when it is large) or
    /// `objects` on Python objects.
    fn check<T: Send>(
        &self,
        py: Python<'py>,
        options: &ValidateOptions,
        text: impl FnOnce(&[u8]) -> T + Send,
        objects: impl FnOnce(PyValue<'_, 'py>) -> T,
    ) -> T {
        let bytes = match self {
            Self::Text(bytes) => *bytes,
            Self::Copied(bytes) => bytes.as_slice(),
            Self::Objects(data) => {
                let walk = Walk::new(options.max_bytes);
                return objects(PyValue::root(data, &walk));
            }
        };
        if bytes.len() >= RELEASE_GIL_BYTES {
            py.allow_threads(|| text(bytes))
        } else {
            text(bytes)
        }
    }
}

fn issues(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    options: &ValidateOptions,
) -> PyResult<Vec<ValidationIssue>> {
    Ok(Envelope::of(data)?.check(
        py,
        options,
        |bytes| contracts_core::envelope_issues(bytes, options),
        |objects| contracts_core::input_issues(objects, options),
    ))
}

/// The Python-defined classes of `coach_app_baml_client._errors`, looked up
/// once per interpreter rather than on every error.
static ISSUE_CLASS: GILOnceCell<Py<PyType>> = GILOnceCell::new();
static ERROR_CLASS: GILOnceCell<Py<PyType>> = GILOnceCell::new();
static DOWNGRADE_ERROR_CLASS: GILOnceCell<Py<PyType>> = GILOnceCell::new();
static UPGRADE_ERROR_CLASS: GILOnceCell<Py<PyType>> = GILOnceCell::new();
static UNSUPPORTED_VERSION_CLASS: GILOnceCell<Py<PyType>> = GILOnceCell::new();
const ERRORS_MODULE: &str = "coach_app_baml_client._errors";

/// `tuple.__new__`, which builds a `ValidationIssue` (a `NamedTuple`) as
/// its generated `__new__` does, without running a Python frame per issue.
static TUPLE_NEW: GILOnceCell<Py<PyAny>> = GILOnceCell::new();

fn to_python_issues<'py>(
    py: Python<'py>,
    issues: &[ValidationIssue],
) -> PyResult<Bound<'py, PyList>> {
    let issue_class = ISSUE_CLASS.import(py, ERRORS_MODULE, "ValidationIssue")?;
    let tuple_new = TUPLE_NEW.get_or_try_init(py, || {
        py.get_type::<PyTuple>()
            .getattr("__new__")
            .map(Bound::unbind)
    })?;
    let tuple_new = tuple_new.bind(py);
    let items = issues
        .iter()
        .map(|i| {
            let fields = (
                i.path.as_str(),
                PyString::intern(py, i.code.as_str()),
                i.message.as_str(),
            );
            tuple_new.call1((issue_class, fields))
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// The issues of an `EnvelopeValidationError` raised here, kept as the core
/// found them until Python reads them.
///
/// Most invalid envelopes are caught, counted and dropped: building the
/// message and one `ValidationIssue` per issue cost more than finding them, so
/// the exception is raised holding this, and `_errors.py` builds its message
/// and `.issues` on first use (`str`, `repr`, `.args`, `.issues`, pickling).
#[pyclass(frozen, module = "coach_app_baml_client._native")]
struct FoundIssues(contracts_core::ValidationErrors);

#[pymethods]
impl FoundIssues {
    /// The issues as a new list of `ValidationIssue`.
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        to_python_issues(py, &self.0.issues)
    }

    /// The message `EnvelopeValidationError(issues)` makes: the summary line
    /// and one line per issue.
    fn message(&self) -> String {
        self.0.to_string()
    }
}

/// An `EnvelopeValidationError` holding the issues natively
/// (`args == (FoundIssues,)` until `_errors.py` reads them), built without
/// running its Python `__init__`: `BaseException.__new__` sets the args.
fn raise(py: Python<'_>, issues: Vec<ValidationIssue>) -> PyErr {
    let raised = (|| {
        let error_class = ERROR_CLASS.import(py, ERRORS_MODULE, "EnvelopeValidationError")?;
        let new = EXCEPTION_NEW.get_or_try_init(py, || {
            py.get_type::<PyBaseException>()
                .getattr(intern!(py, "__new__"))
                .map(Bound::unbind)
        })?;
        let found = Bound::new(py, FoundIssues(contracts_core::ValidationErrors { issues }))?;
        let error = new.bind(py).call1((error_class, found))?;
        Ok::<_, PyErr>(PyErr::from_value(error))
    })();
    raised.unwrap_or_else(|e| e)
}

/// `BaseException.__new__`.
static EXCEPTION_NEW: GILOnceCell<Py<PyAny>> = GILOnceCell::new();

/// An instance of the class `class_name` of `coach_app_baml_client._errors`
/// (looked up once per interpreter through `class`), as the error to raise.
fn python_error<'py>(
    py: Python<'py>,
    class: &'static GILOnceCell<Py<PyType>>,
    class_name: &str,
    args: impl PyCallArgs<'py>,
) -> PyErr {
    match class
        .import(py, ERRORS_MODULE, class_name)
        .and_then(|class| class.call1(args))
    {
        Ok(error) => PyErr::from_value(error),
        Err(err) => err,
    }
}

/// The `DowngradeError` / `UpgradeError` of a refused rewrite.
fn rewrite_error(
    py: Python<'_>,
    class: &'static GILOnceCell<Py<PyType>>,
    class_name: &str,
    e: &RewriteError,
) -> PyErr {
    python_error(
        py,
        class,
        class_name,
        (e.rule_id.as_str(), e.path.as_str(), e.message.as_str()),
    )
}

/// Rewrites `data` (a valid envelope of this version, bytes or str) into one
/// a client of the older contracts version `to` decodes; returns it as JSON
/// text. Raises `DowngradeError` (`.rule_id`, `.path`) when that would lose
/// data, when `to` is unknown or when `data` is not a valid envelope.
#[pyfunction]
fn downgrade_envelope(py: Python<'_>, data: &Bound<'_, PyAny>, to: &str) -> PyResult<String> {
    contracts_core::downgrade_envelope_json(input_bytes(data)?, to)
        .map_err(|e| rewrite_error(py, &DOWNGRADE_ERROR_CLASS, "DowngradeError", &e))
}

/// `data` (a validated envelope, bytes or str) with `meta.position` set to
/// `{stream, epoch, offset}`, as JSON text; every other byte is kept. Raises
/// `EnvelopeValidationError` when `data` is not an object with a `meta` object.
#[pyfunction]
fn with_position(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    stream: &str,
    epoch: &str,
    offset: u64,
) -> PyResult<String> {
    let position = contracts_core::StreamPosition {
        stream,
        epoch,
        offset,
    };
    contracts_core::with_position(input_bytes(data)?, &position).map_err(|e| raise(py, e.issues))
}

/// Rewrites `data` (a valid envelope of the released version its
/// `contracts_version` names) into an envelope of this version; returns it as
/// JSON text. Raises `UpgradeError` (`.rule_id`, `.path`) when it cannot be
/// carried forward.
#[pyfunction]
fn upgrade_envelope(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<String> {
    contracts_core::upgrade_envelope_json(input_bytes(data)?)
        .map_err(|e| rewrite_error(py, &UPGRADE_ERROR_CLASS, "UpgradeError", &e))
}

/// Rewrites `data`, a value of the class `class_name` of the released
/// contracts `version`, into a value of that class in this version; returns
/// it as JSON text. Raises `UpgradeError`.
#[pyfunction]
fn upgrade_dto(
    py: Python<'_>,
    class_name: &str,
    data: &Bound<'_, PyAny>,
    version: &str,
) -> PyResult<String> {
    contracts_core::upgrade_dto_json(class_name, input_bytes(data)?, version)
        .map_err(|e| rewrite_error(py, &UPGRADE_ERROR_CLASS, "UpgradeError", &e))
}

/// The best of the contracts versions a client announced: `(index, version
/// to serve)`, or `None` when it announced none. Raises
/// `UnsupportedVersionError` when none can be served.
#[pyfunction]
#[allow(clippy::needless_pass_by_value)] // PyO3 extracts a list argument into an owned Vec
fn negotiate_version(
    py: Python<'_>,
    announced: Vec<String>,
) -> PyResult<Option<(usize, &'static str)>> {
    let offers: Vec<&str> = announced.iter().map(String::as_str).collect();
    match contracts_core::negotiate(&offers) {
        Ok(chosen) => Ok(chosen.map(|c| (c.index, c.version))),
        Err(e) => Err(python_error(
            py,
            &UNSUPPORTED_VERSION_CLASS,
            "UnsupportedVersionError",
            (e.announced.as_str(), e.reason.as_str(), e.to_string()),
        )),
    }
}

/// The MAJOR of `version` when it is a SemVer version (`MAJOR.MINOR.PATCH`,
/// with an optional pre-release and build), else `None`: read by the core's
/// one SemVer parser (`contracts_core::version`), so Python has none of its own.
#[pyfunction]
fn version_major(version: &str) -> Option<u64> {
    contracts_core::version::Version::parse(version)
        .ok()
        .map(|v| v.major)
}

/// Every version this build can validate against, downgrade to and serve:
/// the current one first, then the released ones, newest first.
#[pyfunction]
fn known_versions() -> Vec<&'static str> {
    contracts_core::known_versions().collect()
}

/// The contracts version this module was built from.
#[pyfunction]
fn contracts_version() -> &'static str {
    contracts_core::CONTRACTS_VERSION
}

/// Every event type, in declaration order.
#[pyfunction]
fn event_types() -> Vec<&'static str> {
    contracts_core::event_types().collect()
}

/// Every issue in ``envelope`` (empty when valid), up to ``max_issues`` (100).
///
/// ``envelope`` is JSON text (``bytes``, ``str``, ``bytearray``, ``memoryview``), a
/// ``dict`` or a generated Pydantic envelope model; a dict or a model is read in
/// place, without a JSON round trip. ``max_depth`` (128, at most 128) and
/// ``max_bytes`` (16 MiB) bound the nesting and the size; a limit out of its
/// bounds is a ``ValueError``.
///
/// >>> [(i.path, i.code) for i in envelope_issues({"type": 1})][0]
/// ('/type', 'wrong_type')
#[pyfunction]
#[pyo3(signature = (envelope, mode = "producer", target_version = None, max_issues = None, max_depth = None, max_bytes = None))]
fn envelope_issues<'py>(
    py: Python<'py>,
    envelope: &Bound<'py, PyAny>,
    mode: &str,
    target_version: Option<String>,
    max_issues: Option<i64>,
    max_depth: Option<i64>,
    max_bytes: Option<i64>,
) -> PyResult<Bound<'py, PyList>> {
    let limits = Limits {
        issues: max_issues,
        depth: max_depth,
        bytes: max_bytes,
    };
    let options = options(mode, target_version, limits)?;
    to_python_issues(py, &issues(py, envelope, &options)?)
}

/// Raise ``EnvelopeValidationError`` listing every issue unless ``envelope`` is valid.
///
/// Call it before every broadcast (``mode="producer"``, the default). ``envelope``
/// is JSON text (``bytes``, ``str``, ``bytearray``, ``memoryview``), a ``dict`` or a
/// generated Pydantic envelope model; a dict or a model is read in place, without
/// a JSON round trip. Values JSON cannot hold (``bytes``, a ``set``, a ``tuple``,
/// NaN, a non-``str`` key, a ``datetime``, ...) are issues at their path, never
/// converted. ``target_version`` (producer mode) validates for a client of an
/// older release; ``max_issues`` caps the list (100); ``max_depth`` (128, at most
/// 128) and ``max_bytes`` (16 MiB) bound the nesting and the size. A limit out
/// of its bounds is a ``ValueError``.
///
/// >>> try:
/// ...     validate_envelope({"type": "SESSION_STARTED"})
/// ... except EnvelopeValidationError as err:
/// ...     print(sorted(i.path for i in err.issues))
/// ['/contracts_version', '/meta', '/payload']
/// >>> try:
/// ...     validate_envelope({"type": "TYPING_INDICATOR", "contracts_version": CONTRACTS_VERSION,
/// ...                        "payload": {"thread_id": b"raw"}, "meta": {}})
/// ... except EnvelopeValidationError as err:
/// ...     print([i for i in err.issues if i.path == "/payload/thread_id"][0])
/// /payload/thread_id: a bytes value is not JSON; decode it to a str (base64-encode binary data) (invalid_json)
// The doc is the Python docstring: a doctest's output, not a Rust doc link.
#[allow(clippy::doc_link_with_quotes)]
#[pyfunction]
#[pyo3(signature = (envelope, mode = "producer", target_version = None, max_issues = None, max_depth = None, max_bytes = None))]
fn validate_envelope(
    py: Python<'_>,
    envelope: &Bound<'_, PyAny>,
    mode: &str,
    target_version: Option<String>,
    max_issues: Option<i64>,
    max_depth: Option<i64>,
    max_bytes: Option<i64>,
) -> PyResult<()> {
    let limits = Limits {
        issues: max_issues,
        depth: max_depth,
        bytes: max_bytes,
    };
    let options = options(mode, target_version, limits)?;
    let found = issues(py, envelope, &options)?;
    if found.is_empty() {
        Ok(())
    } else {
        Err(raise(py, found))
    }
}

/// True when ``envelope`` (JSON text, a dict or a generated model) is valid; the
/// cheapest check (it stops at the first issue). ``max_depth`` and ``max_bytes``
/// as for ``validate_envelope``.
///
/// >>> is_valid_envelope(b'{"type": "NOT_AN_EVENT"}')
/// False
#[pyfunction]
#[pyo3(signature = (envelope, mode = "producer", target_version = None, max_depth = None, max_bytes = None))]
fn is_valid_envelope(
    py: Python<'_>,
    envelope: &Bound<'_, PyAny>,
    mode: &str,
    target_version: Option<String>,
    max_depth: Option<i64>,
    max_bytes: Option<i64>,
) -> PyResult<bool> {
    let limits = Limits {
        issues: Some(1),
        depth: max_depth,
        bytes: max_bytes,
    };
    let options = options(mode, target_version, limits)?;
    Ok(Envelope::of(envelope)?.check(
        py,
        &options,
        |bytes| contracts_core::is_valid_envelope(bytes, &options),
        |objects| contracts_core::is_valid_input(objects, &options),
    ))
}

/// Builds and validates an envelope around `payload`: JSON text (`bytes` or
/// `str`, embedded as it is) or a `dict`, which the core writes as JSON text
/// itself (no `json.dumps`; a value JSON cannot hold is an issue at its
/// path). Returns the envelope as JSON text.
#[pyfunction]
#[pyo3(signature = (event_type, payload, *, event_id = None, timestamp = None, correlation_id = None, actor_id = None, request_id = None))]
#[allow(clippy::too_many_arguments)]
fn make_envelope(
    py: Python<'_>,
    event_type: &str,
    payload: &Bound<'_, PyAny>,
    event_id: Option<String>,
    timestamp: Option<String>,
    correlation_id: Option<String>,
    actor_id: Option<String>,
    request_id: Option<String>,
) -> PyResult<String> {
    let meta = MetaOverrides {
        event_id,
        timestamp,
        correlation_id,
        actor_id,
        request_id,
    };
    if !payload.is_instance_of::<PyDict>() {
        return contracts_core::make_envelope_json(event_type, input_bytes(payload)?, meta)
            .map_err(|e| raise(py, e.issues));
    }
    let walk = Walk::new(ValidateOptions::default().max_bytes);
    match contracts_core::make_envelope_from_input(
        event_type,
        PyValue::root(payload, &walk),
        meta.clone(),
    ) {
        Ok(text) => Ok(text),
        Err(MakeError::Invalid(e)) => Err(raise(py, e.issues)),
        Err(MakeError::IntegerBeyond64Bits) => {
            // Only Python has the digits of an int beyond 64 bits.
            let kwargs = PyDict::new(py);
            kwargs.set_item(intern!(py, "ensure_ascii"), false)?;
            kwargs.set_item(intern!(py, "allow_nan"), false)?;
            kwargs.set_item(intern!(py, "separators"), (",", ":"))?;
            let text = py.import(intern!(py, "json"))?.call_method(
                intern!(py, "dumps"),
                (payload,),
                Some(&kwargs),
            )?;
            let text = text.downcast::<PyString>()?.to_str()?;
            contracts_core::make_envelope_json(event_type, text.as_bytes(), meta)
                .map_err(|e| raise(py, e.issues))
        }
    }
}

/// Converts a valid envelope (bytes or str) into a structured-mode
/// CloudEvent, returned as JSON text. Raises `ValueError` for a `source` that
/// is not a URI-reference and `EnvelopeValidationError` for an invalid
/// envelope (and for a limit out of its bounds, as `validate_envelope`).
#[pyfunction]
#[pyo3(signature = (data, source, mode = "producer", target_version = None, max_issues = None, max_depth = None, max_bytes = None))]
#[allow(clippy::too_many_arguments)]
fn to_cloudevent(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    mode: &str,
    target_version: Option<String>,
    max_issues: Option<i64>,
    max_depth: Option<i64>,
    max_bytes: Option<i64>,
) -> PyResult<String> {
    let source = Source::new(source).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let limits = Limits {
        issues: max_issues,
        depth: max_depth,
        bytes: max_bytes,
    };
    let options = options(mode, target_version, limits)?;
    cloudevents::to_cloudevent_json(input_bytes(data)?, &source, &options).map_err(|e| match e {
        CloudEventError::InvalidSource(e) => PyValueError::new_err(e.to_string()),
        CloudEventError::InvalidEnvelope(e) => raise(py, e.issues),
    })
}

/// Converts a structured-mode CloudEvent (bytes or str) into the envelope it
/// carries, validated in `mode`; returns the envelope as JSON text or raises
/// `EnvelopeValidationError` with paths into the CloudEvent.
#[pyfunction]
#[pyo3(signature = (data, mode = "consumer", target_version = None, max_issues = None, max_depth = None, max_bytes = None))]
fn from_cloudevent(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    mode: &str,
    target_version: Option<String>,
    max_issues: Option<i64>,
    max_depth: Option<i64>,
    max_bytes: Option<i64>,
) -> PyResult<String> {
    let limits = Limits {
        issues: max_issues,
        depth: max_depth,
        bytes: max_bytes,
    };
    let options = options(mode, target_version, limits)?;
    cloudevents::from_cloudevent_json(input_bytes(data)?, &options).map_err(|e| raise(py, e.issues))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CONTRACTS_VERSION", contracts_core::CONTRACTS_VERSION)?;
    m.add("CLOUDEVENT_TYPE_PREFIX", cloudevents::TYPE_PREFIX)?;
    m.add(
        "CLOUDEVENT_STRUCTURED_CONTENT_TYPE",
        cloudevents::STRUCTURED_CONTENT_TYPE,
    )?;
    m.add_class::<FoundIssues>()?;
    m.add_function(wrap_pyfunction!(contracts_version, m)?)?;
    m.add_function(wrap_pyfunction!(event_types, m)?)?;
    m.add_function(wrap_pyfunction!(envelope_issues, m)?)?;
    m.add_function(wrap_pyfunction!(validate_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(is_valid_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(make_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(downgrade_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(with_position, m)?)?;
    m.add_function(wrap_pyfunction!(upgrade_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(upgrade_dto, m)?)?;
    m.add_function(wrap_pyfunction!(negotiate_version, m)?)?;
    m.add_function(wrap_pyfunction!(known_versions, m)?)?;
    m.add_function(wrap_pyfunction!(version_major, m)?)?;
    m.add_function(wrap_pyfunction!(to_cloudevent, m)?)?;
    m.add_function(wrap_pyfunction!(from_cloudevent, m)?)?;
    Ok(())
}
