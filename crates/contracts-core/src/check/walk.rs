//! The walk: [`check`] reads a value against a type of the contract,
//! asking `rules.rs` what each scalar, array and object must be, reporting
//! each issue to the [`Sink`]; a union's decision is here too, since a
//! union's members are checked by the walk and the walk meets unions.

use crate::input::{Entries, Host, Input, Items, Key, Scalar, Stop, Use, Visit};
use crate::keys::Keys;
use crate::options::Mode;
use crate::path::At;
use crate::problem::{Kind, Problem};
use crate::report::{Bail, Count, Ctx, Sink, Trial};
use crate::rules::{self, ArrayShape, ObjectShape};
use crate::schema::{FieldDef, Ty};
use crate::tape::Tape;

/// Checks `input` against `ty`, `depth` levels below the envelope.
pub(crate) fn check<I: Input, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    input: I,
    ty: Ty,
    at: &At<'_>,
    depth: usize,
) -> Result<(), Stop> {
    if depth > cx.options.max_depth {
        sink.report(cx, at, Problem::TooDeep)?;
        return skip(cx, sink, input, at);
    }
    // A union is read once per member: straight from a tree, or captured
    // from a stream first (by the `Check` visitor, which knows the kind).
    let (mut base, mut null_ok) = (ty, false);
    while let Ty::Optional(inner) = base {
        (base, null_ok) = (*inner, true);
    }
    let input = match base {
        Ty::Union(members) => match input.into_tree() {
            Ok(tree) => return union(cx, sink, tree, members, null_ok, at, depth),
            Err(stream) => stream,
        },
        _ => input,
    };
    input.visit(Check {
        cx,
        sink,
        ty,
        at,
        depth,
    })
}

/// Reads `input` through, for what reading finds even where nobody checks:
/// duplicate keys in JSON text, host values JSON cannot hold.
pub(super) fn skip<I: Input, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    input: I,
    at: &At<'_>,
) -> Result<(), Stop> {
    if input.skip_is_free() {
        return Ok(());
    }
    input.visit(Skip { cx, sink, at })
}

/// Checks the value it visits against `ty`, `depth` levels below the envelope.
pub(super) struct Check<'a, 'o, 's, S> {
    pub(super) cx: &'a mut Ctx<'o, 's>,
    pub(super) sink: &'a mut S,
    pub(super) ty: Ty,
    pub(super) at: &'a At<'a>,
    pub(super) depth: usize,
}

impl<S: Sink> Visit for Check<'_, '_, '_, S> {
    type Out = ();

    fn scalar(self, value: Scalar<'_>) -> Result<(), Stop> {
        match rules::scalar(self.cx.reg, self.ty, value) {
            Ok(()) => Ok(()),
            Err(problem) => self.sink.report(self.cx, self.at, problem),
        }
    }

    fn array<I: Items>(self, items: I) -> Result<(), Stop> {
        let Check {
            cx,
            sink,
            at,
            depth,
            ty,
        } = self;
        match rules::array(ty) {
            Ok(ArrayShape::List(inner)) => list(cx, sink, items, *inner, at, depth),
            Ok(ArrayShape::Union(members)) => {
                let tape = Tape::capture_array(cx, items, at)?;
                union(cx, sink, tape.root(), members, false, at, depth)
            }
            Err(problem) => {
                sink.report(cx, at, problem)?;
                skip_items(cx, sink, items, at)
            }
        }
    }

    fn object<E: Entries>(self, entries: E) -> Result<(), Stop> {
        let Check {
            cx,
            sink,
            at,
            depth,
            ty,
        } = self;
        match rules::object(ty) {
            Ok(ObjectShape::Class(index)) => class(cx, sink, entries, index, at, depth),
            Ok(ObjectShape::Map(key, value)) => map(cx, sink, entries, *key, *value, at, depth),
            Ok(ObjectShape::Union(members)) => {
                let tape = Tape::capture_object(cx, entries, at)?;
                union(cx, sink, tape.root(), members, false, at, depth)
            }
            Err(problem) => {
                sink.report(cx, at, problem)?;
                skip_entries(cx, sink, entries, at)
            }
        }
    }
}

/// A member is checked as [`check`] does (depth, unions), then visited.
impl<S: Sink> Use for Check<'_, '_, '_, S> {
    type Out = ();

    fn input<I: Input>(self, input: I) -> Result<(), Stop> {
        check(self.cx, self.sink, input, self.ty, self.at, self.depth)
    }
}

fn list<I: Items, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    mut items: I,
    inner: Ty,
    at: &At<'_>,
    depth: usize,
) -> Result<(), Stop> {
    let mut index = 0;
    loop {
        let item = at.index(index);
        let checked = items.next(Check {
            cx: &mut *cx,
            sink: &mut *sink,
            ty: inner,
            at: &item,
            depth: depth + 1,
        })?;
        if checked.is_none() {
            return Ok(());
        }
        index += 1;
    }
}

/// Which fields of a class were seen: a bit per field.
enum Seen {
    Bits(u64),
    Wide(Vec<bool>),
}

impl Seen {
    fn new(fields: usize) -> Self {
        if fields <= 64 {
            Seen::Bits(0)
        } else {
            Seen::Wide(vec![false; fields])
        }
    }

    /// Marks field `i`; false when it was marked already.
    fn insert(&mut self, i: usize) -> bool {
        match self {
            Seen::Bits(bits) => {
                let bit = 1u64 << i;
                let new = *bits & bit == 0;
                *bits |= bit;
                new
            }
            Seen::Wide(seen) => !std::mem::replace(&mut seen[i], true),
        }
    }

    fn contains(&self, i: usize) -> bool {
        match self {
            Seen::Bits(bits) => bits & (1u64 << i) != 0,
            Seen::Wide(seen) => seen[i],
        }
    }
}

fn class<E: Entries, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    mut entries: E,
    class: usize,
    at: &At<'_>,
    depth: usize,
) -> Result<(), Stop> {
    let fields = cx.reg.classes[class].fields;
    let mut seen = Seen::new(fields.len());
    // Made at the first unknown key: most objects have none.
    let mut unknown: Option<Keys<E::Key>> = None;
    let mut place = 0;
    // Keys mostly come in declaration order: look where the last one was.
    let mut next = 0;
    while let Some(key) = entries.next_key()? {
        // Unknown keys are reported after every declared field, in document order.
        let rank = fields.len() + place;
        place += 1;
        let Some(key) = string_key(cx, sink, &mut entries, key, at, rank)? else {
            continue;
        };
        let text = key.as_ref();
        if let Some(i) = field_index(fields, text, next) {
            next = i + 1;
            let field = at.key(fields[i].name, i);
            if !seen.insert(i) && E::REPEATS {
                cx.repeated(&field, text)?;
            }
            entries.value(Check {
                cx: &mut *cx,
                sink: &mut *sink,
                ty: fields[i].ty,
                at: &field,
                depth: depth + 1,
            })?;
            continue;
        }
        let field = at.key(text, rank);
        if E::REPEATS && unknown.get_or_insert_with(Keys::new).first(&key).is_some() {
            cx.duplicate(&field, text)?;
        } else if cx.options.mode == Mode::Producer {
            let problem = Problem::UnknownField { class, key: text };
            sink.report(cx, &field, problem)?;
        }
        entries.value(Skip {
            cx: &mut *cx,
            sink: &mut *sink,
            at: &field,
        })?;
    }
    for (i, field) in fields.iter().enumerate() {
        if !seen.contains(i) && !matches!(field.ty, Ty::Optional(_)) {
            let problem = Problem::MissingField { class, field: i };
            sink.report(cx, &at.key(field.name, i), problem)?;
        }
    }
    Ok(())
}

/// The index of the field called `name`, looking from `from` on first.
fn field_index(fields: &[FieldDef], name: &str, from: usize) -> Option<usize> {
    let from = from.min(fields.len());
    let (before, after) = fields.split_at(from);
    after
        .iter()
        .position(|f| f.name == name)
        .map(|i| from + i)
        .or_else(|| before.iter().position(|f| f.name == name))
}

fn map<E: Entries, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    mut entries: E,
    key_ty: Ty,
    value_ty: Ty,
    at: &At<'_>,
    depth: usize,
) -> Result<(), Stop> {
    let mut keys = Keys::new();
    let mut place = 0;
    while let Some(key) = entries.next_key()? {
        // Each entry's key is reported before its value.
        let rank = 2 * place;
        place += 1;
        let Some(key) = string_key(cx, sink, &mut entries, key, at, rank)? else {
            continue;
        };
        let text = key.as_ref();
        if E::REPEATS && keys.first(&key).is_some() {
            cx.repeated(&at.key(text, rank), text)?;
        }
        if let Err(problem) = rules::map_key(cx.reg, key_ty, text) {
            sink.report(cx, &at.key(text, rank), problem)?;
        }
        let value = at.key(text, rank + 1);
        entries.value(Check {
            cx: &mut *cx,
            sink: &mut *sink,
            ty: value_ty,
            at: &value,
            depth: depth + 1,
        })?;
    }
    Ok(())
}

/// The string key of an entry of the object at `at`, or `None` for a key JSON
/// cannot hold: that key is the issue (at `rank` among the object's
/// entries) and its value is read through.
#[inline]
pub(super) fn string_key<E: Entries, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    entries: &mut E,
    key: Key<E::Key>,
    at: &At<'_>,
    rank: usize,
) -> Result<Option<E::Key>, Stop> {
    match key {
        Key::Str(key) => Ok(Some(key)),
        Key::Host(key) => {
            let at = at.key(&key.token, rank);
            sink.report(cx, &at, Problem::Host(&key.host))?;
            entries.value(Skip { cx, sink, at: &at })?;
            Ok(None)
        }
    }
}

/// A union's rule: valid when any member accepts the value; otherwise the
/// issues of the member with the fewest (the first on a tie), or one
/// `wrong_type` at the union when that member's only issue is right there.
/// `value` is a tree, read once per member per phase: whether any member
/// accepts it (stopping at each member's first issue), how many issues each
/// has (counting up to `max_issues`), then the chosen member's issues.
fn union<T: Input + Copy, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    value: T,
    members: &'static [Ty],
    null_ok: bool,
    at: &At<'_>,
    depth: usize,
) -> Result<(), Stop> {
    cx.unions += 1;
    let decided = decide(cx, sink, value, members, null_ok, at, depth);
    cx.unions -= 1;
    if cx.unions == 0 && !cx.trials.is_empty() {
        cx.trials.clear();
    }
    decided
}

fn decide<T: Input + Copy, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    value: T,
    members: &'static [Ty],
    null_ok: bool,
    at: &At<'_>,
    depth: usize,
) -> Result<(), Stop> {
    let got = match value.visit(KindOf)? {
        Ok(Kind::Null) if null_ok => return Ok(()),
        Ok(kind) => kind,
        Err(host) => return sink.report(cx, at, Problem::Host(&host)),
    };
    // Inside another union's decision, this value may be met again: remember.
    let identity = if cx.unions > 1 {
        value.identity()
    } else {
        None
    };
    for member in members {
        if accepts(cx, value, member, at, depth, identity) {
            return Ok(());
        }
    }
    let mismatch = Problem::NoUnionMember { members, got };
    if S::BAILS {
        return sink.report(cx, at, mismatch);
    }
    let mut closest: Option<(Ty, usize, Option<usize>)> = None;
    for member in members {
        let (issues, first_below) = count(cx, value, member, at, depth, identity);
        if closest.is_none_or(|(_, fewest, _)| issues < fewest) {
            closest = Some((*member, issues, first_below));
        }
    }
    match closest {
        Some((member, issues, first_below)) if !(issues == 1 && first_below == Some(0)) => {
            // An enclosing count needs only the number: it has it already.
            let first_len = first_below.map(|below| at.len() + below);
            match sink.add(issues, first_len) {
                Some(added) => added,
                None => check(cx, sink, value, member, at, depth),
            }
        }
        Some(_) | None => sink.report(cx, at, mismatch),
    }
}

/// Whether `member` accepts `value` (a trial that stops at the first issue).
fn accepts<T: Input + Copy>(
    cx: &mut Ctx<'_, '_>,
    value: T,
    member: &'static Ty,
    at: &At<'_>,
    depth: usize,
    identity: Option<usize>,
) -> bool {
    let key = identity.map(|id| (id, std::ptr::from_ref(member) as usize, depth, false));
    if let Some(Trial::Accepted(accepted)) = key.and_then(|k| cx.trials.get(&k).copied()) {
        return accepted;
    }
    let accepted = check(cx, &mut Bail, value, *member, at, depth).is_ok();
    if let Some(key) = key {
        cx.trials.insert(key, Trial::Accepted(accepted));
    }
    accepted
}

/// How many issues `member` has on `value` (up to the limit), and how far
/// below the union the first one is.
fn count<T: Input + Copy>(
    cx: &mut Ctx<'_, '_>,
    value: T,
    member: &'static Ty,
    at: &At<'_>,
    depth: usize,
    identity: Option<usize>,
) -> (usize, Option<usize>) {
    let key = identity.map(|id| (id, std::ptr::from_ref(member) as usize, depth, true));
    if let Some(Trial::Counted {
        issues,
        first_below,
    }) = key.and_then(|k| cx.trials.get(&k).copied())
    {
        return (issues, first_below);
    }
    let mut count = Count::new(cx.limit);
    // A count that reaches the limit stops the read: `count` has it.
    let _ = check(cx, &mut count, value, *member, at, depth);
    let first_below = count.first_len.map(|len| len - at.len());
    if let Some(key) = key {
        let trial = Trial::Counted {
            issues: count.issues,
            first_below,
        };
        cx.trials.insert(key, trial);
    }
    (count.issues, first_below)
}

/// The kind of a value, or the host value it is.
struct KindOf;

impl Visit for KindOf {
    type Out = Result<Kind, Host>;

    fn scalar(self, value: Scalar<'_>) -> Result<Self::Out, Stop> {
        Ok(Kind::of(&value).map_err(Host::clone))
    }

    fn array<I: Items>(self, _: I) -> Result<Self::Out, Stop> {
        Ok(Ok(Kind::Array))
    }

    fn object<E: Entries>(self, _: E) -> Result<Self::Out, Stop> {
        Ok(Ok(Kind::Object))
    }
}

pub(super) struct Skip<'a, 'o, 's, S> {
    pub(super) cx: &'a mut Ctx<'o, 's>,
    pub(super) sink: &'a mut S,
    pub(super) at: &'a At<'a>,
}

impl<S: Sink> Visit for Skip<'_, '_, '_, S> {
    type Out = ();

    fn scalar(self, value: Scalar<'_>) -> Result<(), Stop> {
        match value {
            Scalar::Host(host) => self.sink.report(self.cx, self.at, Problem::Host(host)),
            Scalar::Null | Scalar::Bool(_) | Scalar::Num(_) | Scalar::Str(_) => Ok(()),
        }
    }

    fn array<I: Items>(self, items: I) -> Result<(), Stop> {
        skip_items(self.cx, self.sink, items, self.at)
    }

    fn object<E: Entries>(self, entries: E) -> Result<(), Stop> {
        skip_entries(self.cx, self.sink, entries, self.at)
    }
}

/// A value where another kind is required: reports `problem` with the
/// value's kind (a host value as itself) and reads the value through.
pub(super) struct Misfit<'a, 'o, 's, S> {
    pub(super) cx: &'a mut Ctx<'o, 's>,
    pub(super) sink: &'a mut S,
    pub(super) at: &'a At<'a>,
    pub(super) problem: fn(Kind) -> Problem<'static>,
}

impl<S: Sink> Visit for Misfit<'_, '_, '_, S> {
    type Out = ();

    fn scalar(self, value: Scalar<'_>) -> Result<(), Stop> {
        let problem = match Kind::of(&value) {
            Ok(kind) => (self.problem)(kind),
            Err(host) => Problem::Host(host),
        };
        self.sink.report(self.cx, self.at, problem)
    }

    fn array<I: Items>(self, items: I) -> Result<(), Stop> {
        self.sink
            .report(self.cx, self.at, (self.problem)(Kind::Array))?;
        skip_items(self.cx, self.sink, items, self.at)
    }

    fn object<E: Entries>(self, entries: E) -> Result<(), Stop> {
        self.sink
            .report(self.cx, self.at, (self.problem)(Kind::Object))?;
        skip_entries(self.cx, self.sink, entries, self.at)
    }
}

/// A member is skipped as [`skip`] does (not read when that is free).
impl<S: Sink> Use for Skip<'_, '_, '_, S> {
    type Out = ();

    fn input<I: Input>(self, input: I) -> Result<(), Stop> {
        skip(self.cx, self.sink, input, self.at)
    }
}

fn skip_items<I: Items, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    mut items: I,
    at: &At<'_>,
) -> Result<(), Stop> {
    let mut index = 0;
    loop {
        let item = at.index(index);
        let skipped = items.next(Skip {
            cx: &mut *cx,
            sink: &mut *sink,
            at: &item,
        })?;
        if skipped.is_none() {
            return Ok(());
        }
        index += 1;
    }
}

fn skip_entries<E: Entries, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    mut entries: E,
    at: &At<'_>,
) -> Result<(), Stop> {
    let mut keys = Keys::new();
    let mut place = 0;
    while let Some(key) = entries.next_key()? {
        let rank = place;
        place += 1;
        let Some(key) = string_key(cx, sink, &mut entries, key, at, rank)? else {
            continue;
        };
        let text = key.as_ref();
        let entry = at.key(text, rank);
        if E::REPEATS && keys.first(&key).is_some() {
            cx.duplicate(&entry, text)?;
        }
        entries.value(Skip {
            cx: &mut *cx,
            sink: &mut *sink,
            at: &entry,
        })?;
    }
    Ok(())
}
