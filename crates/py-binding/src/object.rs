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
//! As for JSON text, containers nest at most `contracts_core::limits::JSON_RECURSION_LIMIT` (128)
//! deep (a container that contains itself is reported the same way), and a
//! value the size of `max_bytes` JSON values is cut off (`too_large`): JSON
//! text of it could not be shorter.

use contracts_core::input::{
    Entries, Host, HostKey, HostKind, Input, Items, Key, Num, Scalar, Stop, Use, Visit,
};
use contracts_core::limits::JSON_RECURSION_LIMIT;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::iter::BoundDictIterator;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet,
    PyString, PyTuple, PyType,
};
use pyo3::types::{PyDictMethods, PyListMethods};
use std::cell::Cell;
use std::sync::{Arc, Mutex};

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

/// How a class's instances are read.
#[derive(Clone)]
pub(crate) enum Class {
    /// Not a Pydantic model.
    Other,
    /// A Pydantic model whose serializer writes these fields of its
    /// `__dict__`, in this order, under these names, and its extra fields:
    /// the instance is read in place.
    Fields(Arc<[Py<PyString>]>),
    /// A Pydantic model whose JSON is not its fields as they are (aliases,
    /// computed fields, custom serializers): only its `model_dump_json()`
    /// says what it sends.
    Serialized,
}

/// The classes met so far and how to read them. Asking a model class is an
/// attribute lookup through Pydantic's metaclass (~100 ns); the classes are
/// held, so an address is never another class's.
static CLASSES: Mutex<Vec<(Py<PyType>, Class)>> = Mutex::new(Vec::new());

/// How many classes [`CLASSES`] remembers (classes made at run time beyond
/// that are asked every time).
const CLASSES_KEPT: usize = 256;

/// How instances of `object`'s class are read.
pub(crate) fn class_of(object: &Bound<'_, PyAny>) -> Class {
    let class = object.get_type();
    let known = CLASSES.lock().ok().and_then(|classes| {
        classes
            .iter()
            .find(|(c, _)| c.as_ptr() == class.as_ptr())
            .map(|(_, kind)| kind.clone())
    });
    if let Some(kind) = known {
        return kind;
    }
    let kind = ask(&class).unwrap_or(Class::Serialized);
    if let Ok(mut classes) = CLASSES.lock() {
        if classes.len() < CLASSES_KEPT {
            classes.push((class.unbind(), kind.clone()));
        }
    }
    kind
}

fn non_empty(object: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> PyResult<bool> {
    let value = object.getattr(name)?;
    Ok(!value.is_none() && value.len().unwrap_or(0) > 0)
}

/// Reads what a Pydantic model class says about its serialized form.
fn ask(class: &Bound<'_, PyType>) -> PyResult<Class> {
    let py = class.py();
    let Ok(fields) = class.getattr(intern!(py, "__pydantic_fields__")) else {
        return Ok(Class::Other);
    };
    let fields = fields.downcast_into::<PyDict>()?;
    let decorators = class.getattr(intern!(py, "__pydantic_decorators__"))?;
    if non_empty(class, intern!(py, "__pydantic_computed_fields__"))?
        || non_empty(&decorators, intern!(py, "field_serializers"))?
        || non_empty(&decorators, intern!(py, "model_serializers"))?
    {
        return Ok(Class::Serialized);
    }
    let mut names = Vec::with_capacity(fields.len());
    for (name, info) in fields.iter() {
        let excluded = info.getattr(intern!(py, "exclude"))?.is_truthy()?;
        let aliased = !info.getattr(intern!(py, "alias"))?.is_none()
            || !info.getattr(intern!(py, "serialization_alias"))?.is_none();
        if aliased {
            return Ok(Class::Serialized);
        }
        if !excluded {
            names.push(name.downcast_into::<PyString>()?.unbind());
        }
    }
    Ok(Class::Fields(names.into()))
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

/// The members of a model instance: its declared fields (from `__dict__`)
/// and its extra fields (`__pydantic_extra__`).
fn model_members<'py>(
    object: &Bound<'py, PyAny>,
    names: Arc<[Py<PyString>]>,
) -> Option<(Members<'py>, Option<Bound<'py, PyDict>>)> {
    let py = object.py();
    let dict = object
        .getattr(intern!(py, "__dict__"))
        .ok()?
        .downcast_into::<PyDict>()
        .ok()?;
    let extra = object
        .getattr(intern!(py, "__pydantic_extra__"))
        .ok()
        .and_then(|extra| extra.downcast_into::<PyDict>().ok())
        .filter(|extra| !extra.is_empty());
    Some((
        Members::Fields {
            dict,
            names,
            next: 0,
        },
        extra,
    ))
}

impl Input for PyValue<'_, '_> {
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
            let members = match class_of(object) {
                Class::Fields(names) => model_members(object, names),
                Class::Other | Class::Serialized => None,
            };
            match members {
                Some(members) => Some(members),
                None => return visit.scalar(Scalar::Host(&host(object, other_kind(object)))),
            }
        };
        // A container: an object or an array.
        let depth = self.depth + 1;
        if depth >= JSON_RECURSION_LIMIT || self.parent.is_some_and(|p| p.contains(object.as_ptr()))
        {
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
        let (members, extra) = match model {
            Some(model) => model,
            None => match object.downcast::<PyDict>() {
                Ok(dict) => (Members::Dict(dict.iter()), None),
                Err(_) => return visit.scalar(Scalar::Host(&host(object, HostKind::Object))),
            },
        };
        visit.object(PyEntries {
            members,
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

/// Where an object's entries come from.
enum Members<'py> {
    /// A dict's items.
    Dict(BoundDictIterator<'py>),
    /// A model's fields, by name, from its `__dict__`.
    Fields {
        dict: Bound<'py, PyDict>,
        names: Arc<[Py<PyString>]>,
        next: usize,
    },
}

impl<'py> Members<'py> {
    fn next(&mut self) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        match self {
            Members::Dict(items) => items.next(),
            Members::Fields { dict, names, next } => {
                let py = dict.py();
                while let Some(name) = names.get(*next) {
                    *next += 1;
                    // A field missing from `__dict__` (a model built with
                    // `model_construct`) is a missing field.
                    if let Ok(Some(value)) = dict.get_item(name.bind(py)) {
                        return Some((name.bind(py).clone().into_any(), value));
                    }
                }
                None
            }
        }
    }
}

struct PyEntries<'a, 'py> {
    members: Members<'py>,
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

/// A `str` that is not UTF-8 as the path shows it: its surrogates as `\\udc00`.
fn escaped(text: &Bound<'_, PyString>) -> String {
    let py = text.py();
    text.call_method1(intern!(py, "encode"), ("utf-8", "backslashreplace"))
        .ok()
        .and_then(|bytes| bytes.extract::<Vec<u8>>().ok())
        .map_or_else(
            || text.to_string_lossy().into_owned(),
            |bytes| String::from_utf8_lossy(&bytes).into_owned(),
        )
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
        let Some((key, value)) = self.members.next() else {
            return match self.extra.take() {
                Some(extra) => {
                    self.members = Members::Dict(extra.iter());
                    self.next_key()
                }
                None => Ok(None),
            };
        };
        self.value = Some(value);
        let key = match key.downcast_into::<PyString>() {
            Ok(text) if text.to_str().is_ok() => Key::Str(PyKey(text)),
            Ok(text) => Key::Host(Box::new(HostKey {
                token: escaped(&text),
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
