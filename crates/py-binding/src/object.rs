//! Python objects as a [`contracts_core::input::Input`]: `dict`, `list`,
//! `str`, `int`, `float`, `bool` and `None` (subclasses included, so a
//! `str` enum member is its value) and Pydantic models (read field by
//! field from the instance), without a JSON round trip.
//!
//! This is conversion, not validation: each object says which JSON kind it
//! is, or, when JSON has no form for it (`bytes`, a `set`, a `tuple`, NaN,
//! an `int` beyond any JSON number, a non-`str` key, any other object), it
//! is handed to the core as a [`Host`] value, which the core reports as an
//! issue at its path. Nothing is converted silently.
//!
//! As for JSON text, containers nest at most 128 deep (a container that
//! contains itself is reported the same way), and a value the size of
//! `max_bytes` JSON values is cut off (`too_large`): JSON text of it could
//! not be shorter.

use contracts_core::input::{
    Entries, Host, HostKey, HostKind, Input, Items, Key, Num, Scalar, Stop, Use, Visit,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet,
    PyString, PyTuple, PyType,
};
use pyo3::types::{PyDictMethods, PyListMethods};
use std::cell::Cell;
use std::sync::Mutex;

/// The nesting JSON text may have: `serde_json` refuses the 128th level.
const MAX_NESTING: usize = 128;

/// What every value of one validation shares.
pub(crate) struct Walk {
    /// How many more values may be read.
    budget: Cell<usize>,
}

impl Walk {
    /// A walk that reads at most `max_values` values.
    pub(crate) fn new(max_values: usize) -> Self {
        Self {
            budget: Cell::new(max_values),
        }
    }
}

/// The classes asked whether they are Pydantic models, with the answer.
/// Asking a model class is an attribute lookup through Pydantic's metaclass
/// (~100 ns); the classes are held, so an address is never another class's.
static MODEL_CLASSES: Mutex<Vec<(Py<PyType>, bool)>> = Mutex::new(Vec::new());

/// How many classes [`MODEL_CLASSES`] remembers (classes made at run time
/// beyond that are asked every time).
const MODEL_CLASSES_KEPT: usize = 256;

/// Whether `object` is a Pydantic model instance (its class has
/// `__pydantic_fields__`).
pub(crate) fn is_model(object: &Bound<'_, PyAny>) -> bool {
    let class = object.get_type();
    let known = MODEL_CLASSES.lock().ok().and_then(|classes| {
        classes
            .iter()
            .find(|(c, _)| c.as_ptr() == class.as_ptr())
            .map(|(_, model)| *model)
    });
    if let Some(model) = known {
        return model;
    }
    let model = class
        .hasattr(intern!(object.py(), "__pydantic_fields__"))
        .unwrap_or(false);
    if let Ok(mut classes) = MODEL_CLASSES.lock() {
        if classes.len() < MODEL_CLASSES_KEPT {
            classes.push((class.unbind(), model));
        }
    }
    model
}

/// A container on the way down from the envelope, to see a cycle.
struct Ancestor<'a> {
    object: *mut pyo3::ffi::PyObject,
    parent: Option<&'a Ancestor<'a>>,
}

impl Ancestor<'_> {
    fn contains(&self, object: *mut pyo3::ffi::PyObject) -> bool {
        let mut at = Some(self);
        while let Some(ancestor) = at {
            if std::ptr::eq(ancestor.object, object) {
                return true;
            }
            at = ancestor.parent;
        }
        false
    }
}

/// One Python value of an envelope.
#[derive(Clone, Copy)]
pub(crate) struct PyValue<'a, 'py> {
    object: &'a Bound<'py, PyAny>,
    walk: &'a Walk,
    depth: usize,
    parent: Option<&'a Ancestor<'a>>,
}

impl<'a, 'py> PyValue<'a, 'py> {
    /// The envelope itself.
    pub(crate) fn root(object: &'a Bound<'py, PyAny>, walk: &'a Walk) -> Self {
        Self {
            object,
            walk,
            depth: 0,
            parent: None,
        }
    }
}

/// The `type_name` messages show: `bytes`, `uuid.UUID`, ...
fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .fully_qualified_name()
        .map_or_else(|_| "object".to_owned(), |name| name.to_string())
}

fn host(object: &Bound<'_, PyAny>, kind: HostKind) -> Host {
    Host {
        kind,
        type_name: type_name(object),
    }
}

/// A Python `int` as JSON text of its digits would be read.
fn number(int: &Bound<'_, PyInt>) -> Result<Num, HostKind> {
    if let Ok(i) = int.extract::<i64>() {
        return Ok(Num::Int(i));
    }
    if let Ok(u) = int.extract::<u64>() {
        return Ok(Num::UInt(u));
    }
    // Beyond 64 bits: `float(int)` rounds as a JSON reader does, or
    // overflows where JSON text would be "number out of range".
    match int.extract::<f64>() {
        Ok(f) if f.is_finite() => Ok(Num::BigInt(f)),
        Ok(_) | Err(_) => Err(HostKind::IntBeyondFloat),
    }
}

/// A Pydantic model instance (its class has `__pydantic_fields__`): its
/// field values (`__dict__`) and any extra fields (`__pydantic_extra__`).
fn model_fields<'py>(
    object: &Bound<'py, PyAny>,
) -> Option<(Bound<'py, PyDict>, Option<Bound<'py, PyDict>>)> {
    let py = object.py();
    if !is_model(object) {
        return None;
    }
    let fields = object
        .getattr(intern!(py, "__dict__"))
        .ok()?
        .downcast_into::<PyDict>()
        .ok()?;
    let extra = object
        .getattr(intern!(py, "__pydantic_extra__"))
        .ok()
        .and_then(|extra| extra.downcast_into::<PyDict>().ok())
        .filter(|extra| !extra.is_empty());
    Some((fields, extra))
}

impl<'py> Input for PyValue<'_, 'py> {
    type Tree = Self;

    fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
        let object = self.object;
        let left = self.walk.budget.get();
        if left == 0 {
            return visit.scalar(Scalar::Host(&host(object, HostKind::TooLarge)));
        }
        self.walk.budget.set(left - 1);
        if let Ok(text) = object.downcast::<PyString>() {
            return match text.to_str() {
                Ok(text) => visit.scalar(Scalar::Str(text)),
                Err(_) => visit.scalar(Scalar::Host(&host(object, HostKind::LoneSurrogate))),
            };
        }
        let is_container = object.is_instance_of::<PyDict>() || object.is_instance_of::<PyList>();
        let model = if is_container {
            None
        } else if object.is_none() {
            return visit.scalar(Scalar::Null);
        } else if let Ok(flag) = object.downcast::<PyBool>() {
            return visit.scalar(Scalar::Bool(flag.is_true()));
        } else if let Ok(int) = object.downcast::<PyInt>() {
            return match number(int) {
                Ok(n) => visit.scalar(Scalar::Num(n)),
                Err(kind) => visit.scalar(Scalar::Host(&host(object, kind))),
            };
        } else if let Ok(float) = object.downcast::<PyFloat>() {
            let f = float.value();
            return if f.is_finite() {
                visit.scalar(Scalar::Num(Num::Float(f)))
            } else {
                visit.scalar(Scalar::Host(&host(object, HostKind::NotFinite(f))))
            };
        } else {
            match model_fields(object) {
                Some(fields) => Some(fields),
                None => return visit.scalar(Scalar::Host(&host(object, other_kind(object)))),
            }
        };
        // A container: an object or an array.
        let depth = self.depth + 1;
        if depth >= MAX_NESTING || self.parent.is_some_and(|p| p.contains(object.as_ptr())) {
            return visit.scalar(Scalar::Host(&host(object, HostKind::TooDeep)));
        }
        let me = Ancestor {
            object: object.as_ptr(),
            parent: self.parent,
        };
        if let Ok(list) = object.downcast::<PyList>() {
            return visit.array(PyItems {
                list,
                next: 0,
                walk: self.walk,
                depth,
                parent: &me,
            });
        }
        let (dict, extra) = match model {
            Some((fields, extra)) => (fields, extra),
            None => match object.downcast::<PyDict>() {
                Ok(dict) => (dict.clone(), None),
                Err(_) => return visit.scalar(Scalar::Host(&host(object, HostKind::Object))),
            },
        };
        visit.object(PyEntries {
            iter: dict.iter(),
            extra,
            value: None,
            walk: self.walk,
            depth,
            parent: &me,
        })
    }

    fn into_tree(self) -> Result<Self, Self> {
        Ok(self)
    }
}

/// Why an object that is none of the JSON kinds has no JSON form.
fn other_kind(object: &Bound<'_, PyAny>) -> HostKind {
    if object.is_instance_of::<PyBytes>()
        || object.is_instance_of::<PyByteArray>()
        || object.is_instance_of::<PyMemoryView>()
    {
        HostKind::Bytes
    } else if object.is_instance_of::<PySet>() || object.is_instance_of::<PyFrozenSet>() {
        HostKind::Set
    } else if object.is_instance_of::<PyTuple>() {
        HostKind::Tuple
    } else {
        HostKind::Object
    }
}

struct PyItems<'a, 'py> {
    list: &'a Bound<'py, PyList>,
    next: usize,
    walk: &'a Walk,
    depth: usize,
    parent: &'a Ancestor<'a>,
}

impl Items for PyItems<'_, '_> {
    fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
        // By index, as `json.dumps` reads a list (it may not change meanwhile:
        // no Python code runs during validation).
        let Ok(item) = self.list.get_item(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        with.input(PyValue {
            object: &item,
            walk: self.walk,
            depth: self.depth,
            parent: Some(self.parent),
        })
        .map(Some)
    }
}

struct PyEntries<'a, 'py> {
    iter: pyo3::types::iter::BoundDictIterator<'py>,
    extra: Option<Bound<'py, PyDict>>,
    value: Option<Bound<'py, PyAny>>,
    walk: &'a Walk,
    depth: usize,
    parent: &'a Ancestor<'a>,
}

/// How a path shows a key that is not a `str`, without running Python code
/// (a `__str__` could change the dict being read).
fn key_token(key: &Bound<'_, PyAny>) -> String {
    if key.is_none() {
        "None".to_owned()
    } else if let Ok(flag) = key.downcast::<PyBool>() {
        if flag.is_true() { "True" } else { "False" }.to_owned()
    } else if let Ok(int) = key.downcast::<PyInt>() {
        match number(int) {
            Ok(Num::Int(i)) => i.to_string(),
            Ok(Num::UInt(u)) => u.to_string(),
            Ok(Num::Float(_) | Num::BigInt(_)) | Err(_) => "<int>".to_owned(),
        }
    } else if let Ok(float) = key.downcast::<PyFloat>() {
        format!("{:?}", float.value())
    } else {
        format!("<{}>", type_name(key))
    }
}

/// A `str` key (its text is read through `AsRef`).
#[derive(Clone)]
pub(crate) struct PyKey<'py>(Bound<'py, PyString>);

impl AsRef<str> for PyKey<'_> {
    fn as_ref(&self) -> &str {
        // `next_key` only hands out keys whose text reads.
        self.0.to_str().unwrap_or_default()
    }
}

impl<'py> Entries for PyEntries<'_, 'py> {
    type Key = PyKey<'py>;
    const REPEATS: bool = false;

    fn next_key(&mut self) -> Result<Option<Key<PyKey<'py>>>, Stop> {
        let (key, value) = match self.iter.next() {
            Some(entry) => entry,
            None => match self.extra.take() {
                Some(extra) => {
                    self.iter = extra.iter();
                    return self.next_key();
                }
                None => return Ok(None),
            },
        };
        self.value = Some(value);
        let key = match key.downcast_into::<PyString>() {
            Ok(text) if text.to_str().is_ok() => Key::Str(PyKey(text)),
            Ok(text) => Key::Host(Box::new(HostKey {
                token: text.to_string_lossy().into_owned(),
                host: host(&text, HostKind::LoneSurrogate),
            })),
            Err(other) => {
                let key = other.into_inner();
                Key::Host(Box::new(HostKey {
                    token: key_token(&key),
                    host: host(&key, HostKind::NonStringKey),
                }))
            }
        };
        Ok(Some(key))
    }

    fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop> {
        let value = self
            .value
            .take()
            .expect("Entries::value is called once after each key");
        with.input(PyValue {
            object: &value,
            walk: self.walk,
            depth: self.depth,
            parent: Some(self.parent),
        })
    }
}
