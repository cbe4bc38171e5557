//! A value captured while JSON text streams, for the parts the validator
//! reads more than once: a union's value (once per member), a `payload`
//! that comes before `type`, and the whole text when a checked object
//! repeats a key. Strings borrowed from the text stay spans of it.
//!
//! Like `serde_json::Value`, a captured object holds each key once, where
//! it first appeared, with the value it was given last; the duplicates are
//! reported (in document order) while capturing.

use crate::input::{Entries, Host, HostKey, Input, Items, Key, Num, Scalar, Stop, Use, Visit};
use crate::keys::Keys;
use crate::path::At;
use crate::report::Ctx;

/// A captured value: its nodes in post-order (the root last).
pub(crate) struct Tape<'s> {
    text: &'s str,
    nodes: Vec<Node>,
    items: Vec<usize>,
    entries: Vec<(EntryKey, usize)>,
    /// Whether a host value (or key) was captured: then even the parts
    /// nobody checks must be read, to report it.
    hosts: bool,
}

/// An object key.
#[derive(Debug, Clone)]
enum EntryKey {
    Text(Text),
    /// A host key JSON cannot hold.
    Host(Box<HostKey>),
}

/// A string: a span of the text it was read from, or a copy.
#[derive(Debug, Clone)]
enum Text {
    Span(usize, usize),
    Owned(Box<str>),
}

#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Num(Num),
    Str(Text),
    Host(Box<Host>),
    /// `items[start..start + len]`.
    Array(usize, usize),
    /// `entries[start..start + len]`.
    Object(usize, usize),
}

impl<'s> Tape<'s> {
    /// Captures `input`, reporting its duplicate keys to `cx`.
    pub(crate) fn capture<I: Input>(
        cx: &mut Ctx<'_, 's>,
        input: I,
        at: &At<'_>,
    ) -> Result<Self, Stop> {
        Self::build(cx, at, |build| input.visit(build))
    }

    /// Captures the array `items` was handed out from.
    pub(crate) fn capture_array<I: Items>(
        cx: &mut Ctx<'_, 's>,
        items: I,
        at: &At<'_>,
    ) -> Result<Self, Stop> {
        Self::build(cx, at, |build| build.array(items))
    }

    /// Captures the object `entries` was handed out from.
    pub(crate) fn capture_object<E: Entries>(
        cx: &mut Ctx<'_, 's>,
        entries: E,
        at: &At<'_>,
    ) -> Result<Self, Stop> {
        Self::build(cx, at, |build| build.object(entries))
    }

    fn build(
        cx: &mut Ctx<'_, 's>,
        at: &At<'_>,
        root: impl FnOnce(Build<'_, '_, '_, 's, '_>) -> Result<usize, Stop>,
    ) -> Result<Self, Stop> {
        let mut builder = Builder::new(cx);
        root(Build {
            builder: &mut builder,
            at,
        })?;
        Ok(builder.tape)
    }

    /// The captured value.
    pub(crate) fn root(&self) -> TapeRef<'_, 's> {
        TapeRef {
            tape: self,
            node: self.nodes.len() - 1,
        }
    }

    fn text<'t>(&'t self, text: &'t Text) -> &'t str {
        match text {
            Text::Span(start, len) => &self.text[*start..*start + *len],
            Text::Owned(s) => s,
        }
    }
}

/// A tape under construction, with the stacks its open containers use.
struct Builder<'c, 'o, 's> {
    cx: &'c mut Ctx<'o, 's>,
    tape: Tape<'s>,
    items: Vec<usize>,
    entries: Vec<(EntryKey, usize)>,
}

impl<'c, 'o, 's> Builder<'c, 'o, 's> {
    fn new(cx: &'c mut Ctx<'o, 's>) -> Self {
        let text = cx.text;
        Self {
            cx,
            tape: Tape {
                text,
                nodes: Vec::new(),
                items: Vec::new(),
                entries: Vec::new(),
                hosts: false,
            },
            items: Vec::new(),
            entries: Vec::new(),
        }
    }

    fn push(&mut self, node: Node) -> usize {
        self.tape.nodes.push(node);
        self.tape.nodes.len() - 1
    }

    /// A span when `s` lies in the text being read, else a copy.
    fn text(&self, s: &str) -> Text {
        let base = self.tape.text.as_ptr() as usize;
        let start = s.as_ptr() as usize;
        if start >= base && start + s.len() <= base + self.tape.text.len() {
            Text::Span(start - base, s.len())
        } else {
            Text::Owned(s.into())
        }
    }
}

/// Builds the node of one value.
struct Build<'b, 'c, 'o, 's, 'p> {
    builder: &'b mut Builder<'c, 'o, 's>,
    at: &'p At<'p>,
}

impl Use for Build<'_, '_, '_, '_, '_> {
    type Out = usize;

    fn input<I: Input>(self, input: I) -> Result<usize, Stop> {
        input.visit(self)
    }
}

impl Visit for Build<'_, '_, '_, '_, '_> {
    type Out = usize;

    fn scalar(self, value: Scalar<'_>) -> Result<usize, Stop> {
        let node = match value {
            Scalar::Null => Node::Null,
            Scalar::Bool(b) => Node::Bool(b),
            Scalar::Num(n) => Node::Num(n),
            Scalar::Str(s) => Node::Str(self.builder.text(s)),
            Scalar::Host(host) => {
                self.builder.tape.hosts = true;
                Node::Host(Box::new(host.clone()))
            }
        };
        Ok(self.builder.push(node))
    }

    fn array<I: Items>(self, mut items: I) -> Result<usize, Stop> {
        let mark = self.builder.items.len();
        loop {
            let index = self.builder.items.len() - mark;
            let at = self.at.index(index);
            let item = Build {
                builder: &mut *self.builder,
                at: &at,
            };
            match items.next(item)? {
                Some(node) => self.builder.items.push(node),
                None => break,
            }
        }
        let start = self.builder.tape.items.len();
        let len = self.builder.items.len() - mark;
        let drained = self.builder.items.drain(mark..);
        self.builder.tape.items.extend(drained);
        Ok(self.builder.push(Node::Array(start, len)))
    }

    fn object<E: Entries>(self, mut entries: E) -> Result<usize, Stop> {
        let mark = self.builder.entries.len();
        let mut keys = Keys::new();
        while let Some(key) = entries.next_key()? {
            let (entry_key, earlier) = match &key {
                Key::Str(k) => (
                    EntryKey::Text(self.builder.text(k.as_ref())),
                    if E::REPEATS { keys.first(k) } else { None },
                ),
                Key::Host(host) => {
                    self.builder.tape.hosts = true;
                    (EntryKey::Host(host.clone()), None)
                }
            };
            let token = match &key {
                Key::Str(k) => k.as_ref(),
                Key::Host(host) => host.token.as_str(),
            };
            let at = self.at.key(token, 0);
            if earlier.is_some() {
                self.builder.cx.duplicate(&at, token)?;
            }
            let value = entries.value(Build {
                builder: &mut *self.builder,
                at: &at,
            })?;
            match earlier {
                Some(place) => self.builder.entries[mark + place].1 = value,
                None => self.builder.entries.push((entry_key, value)),
            }
        }
        let start = self.builder.tape.entries.len();
        let len = self.builder.entries.len() - mark;
        let drained = self.builder.entries.drain(mark..);
        self.builder.tape.entries.extend(drained);
        Ok(self.builder.push(Node::Object(start, len)))
    }
}

/// One node of a tape: an [`Input`] that can be read any number of times.
#[derive(Clone, Copy)]
pub(crate) struct TapeRef<'t, 's> {
    tape: &'t Tape<'s>,
    node: usize,
}

impl Input for TapeRef<'_, '_> {
    type Tree = Self;

    fn skip_is_free(&self) -> bool {
        !self.tape.hosts
    }

    fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
        let tape = self.tape;
        match &tape.nodes[self.node] {
            Node::Null => visit.scalar(Scalar::Null),
            Node::Bool(b) => visit.scalar(Scalar::Bool(*b)),
            Node::Num(n) => visit.scalar(Scalar::Num(*n)),
            Node::Str(text) => visit.scalar(Scalar::Str(tape.text(text))),
            Node::Host(host) => visit.scalar(Scalar::Host(host)),
            Node::Array(start, len) => visit.array(TapeItems {
                tape,
                items: tape.items[*start..*start + *len].iter(),
            }),
            Node::Object(start, len) => visit.object(TapeEntries {
                tape,
                entries: tape.entries[*start..*start + *len].iter(),
                value: None,
            }),
        }
    }

    fn into_tree(self) -> Result<Self, Self> {
        Ok(self)
    }

    fn identity(&self) -> Option<usize> {
        // Unique within one tape; the validator forgets identities when the
        // union whose value the tape holds is done.
        Some(self.node)
    }
}

struct TapeItems<'t, 's> {
    tape: &'t Tape<'s>,
    items: std::slice::Iter<'t, usize>,
}

impl Items for TapeItems<'_, '_> {
    fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
        let tape = self.tape;
        self.items
            .next()
            .map(|node| with.input(TapeRef { tape, node: *node }))
            .transpose()
    }
}

struct TapeEntries<'t, 's> {
    tape: &'t Tape<'s>,
    entries: std::slice::Iter<'t, (EntryKey, usize)>,
    value: Option<usize>,
}

impl<'t> Entries for TapeEntries<'t, '_> {
    type Key = &'t str;
    const REPEATS: bool = false;

    fn next_key(&mut self) -> Result<Option<Key<&'t str>>, Stop> {
        let tape = self.tape;
        Ok(self.entries.next().map(|(key, node)| {
            self.value = Some(*node);
            match key {
                EntryKey::Text(text) => Key::Str(tape.text(text)),
                EntryKey::Host(host) => Key::Host(host.clone()),
            }
        }))
    }

    fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop> {
        let node = self
            .value
            .take()
            .expect("Entries::value is called once after each key");
        with.input(TapeRef {
            tape: self.tape,
            node,
        })
    }
}
