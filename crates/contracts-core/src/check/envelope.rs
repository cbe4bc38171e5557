//! The envelope: `{type, contracts_version, payload, meta}`. Its `type`
//! decides the payload's class, its `contracts_version` is checked by the
//! mode's rule (`rules.rs`), its `payload` and `meta` by the walk
//! (`walk.rs`); a `payload` that arrives before `type` is captured and
//! checked once `type` is known.

use super::walk::{check, string_key, Check, Misfit, Skip};
use crate::input::{Entries, Input, Items, Scalar, Stop, Use, Visit};
use crate::keys::Keys;
use crate::options::Mode;
use crate::path::At;
use crate::problem::Problem;
use crate::report::{Ctx, Sink};
use crate::rules;
use crate::schema::{EventDef, Ty};
use crate::tape::Tape;

/// Checks a whole envelope; the event it is of when the sink saw no issue.
pub(crate) fn envelope<I: Input, S: Sink>(
    cx: &mut Ctx<'_, '_>,
    sink: &mut S,
    input: I,
) -> Result<Option<&'static EventDef>, Stop> {
    let root = At::root();
    input.visit(Envelope {
        cx,
        sink,
        at: &root,
    })
}

/// The envelope: `{type, contracts_version, payload, meta}`, whose `type`
/// decides the payload's class.
struct Envelope<'a, 'o, 's, S> {
    cx: &'a mut Ctx<'o, 's>,
    sink: &'a mut S,
    at: &'a At<'a>,
}

impl<'a, 'o, 's, S> Envelope<'a, 'o, 's, S> {
    fn misfit(self) -> Misfit<'a, 'o, 's, S> {
        Misfit {
            cx: self.cx,
            sink: self.sink,
            at: self.at,
            problem: Problem::NotAnEnvelope,
        }
    }
}

/// Where the envelope's fields are reported: in this order, then unknown
/// fields in document order.
const TYPE: usize = 0;
const VERSION: usize = 1;
const PAYLOAD: usize = 2;
const META: usize = 3;
const UNKNOWN: usize = 4;

impl<S: Sink> Visit for Envelope<'_, '_, '_, S> {
    type Out = Option<&'static EventDef>;

    fn scalar(self, value: Scalar<'_>) -> Result<Self::Out, Stop> {
        self.misfit().scalar(value).map(|()| None)
    }

    fn array<I: Items>(self, items: I) -> Result<Self::Out, Stop> {
        self.misfit().array(items).map(|()| None)
    }

    fn object<E: Entries>(self, mut entries: E) -> Result<Self::Out, Stop> {
        let Envelope { cx, sink, at } = self;
        let reg = cx.reg;
        let type_at = at.key("type", TYPE);
        let version_at = at.key("contracts_version", VERSION);
        let payload_at = at.key("payload", PAYLOAD);
        let meta_at = at.key("meta", META);
        let mut seen = [false; 4];
        let mut event: Option<&'static EventDef> = None;
        // A payload that came before `type`, checked once `type` is known.
        let mut held: Option<Tape<'_>> = None;
        let mut unknown: Option<Keys<E::Key>> = None;
        let mut place = 0;
        while let Some(key) = entries.next_key()? {
            let rank = UNKNOWN + place;
            place += 1;
            let Some(key) = string_key(cx, sink, &mut entries, key, at, rank)? else {
                continue;
            };
            let text = key.as_ref();
            let field = match text {
                "type" => TYPE,
                "contracts_version" => VERSION,
                "payload" => PAYLOAD,
                "meta" => META,
                other => {
                    let entry = at.key(other, rank);
                    if E::REPEATS && unknown.get_or_insert_with(Keys::new).first(&key).is_some() {
                        cx.duplicate(&entry, other)?;
                    } else if cx.options.mode == Mode::Producer {
                        sink.report(cx, &entry, Problem::UnknownEnvelopeField(other))?;
                    }
                    entries.value(Skip {
                        cx: &mut *cx,
                        sink: &mut *sink,
                        at: &entry,
                    })?;
                    continue;
                }
            };
            if std::mem::replace(&mut seen[field], true) && E::REPEATS {
                cx.repeated(&at.key(text, rank), text)?;
            }
            match field {
                TYPE => {
                    event = entries.value(TypeUse {
                        cx: &mut *cx,
                        sink: &mut *sink,
                        at: &type_at,
                    })?;
                }
                VERSION => entries.value(VersionUse {
                    cx: &mut *cx,
                    sink: &mut *sink,
                    at: &version_at,
                })?,
                PAYLOAD => match (seen[TYPE], event) {
                    (true, Some(def)) => {
                        entries.value(Check {
                            cx: &mut *cx,
                            sink: &mut *sink,
                            ty: Ty::Class(def.payload_class),
                            at: &payload_at,
                            depth: 1,
                        })?;
                    }
                    (true, None) => entries.value(Skip {
                        cx: &mut *cx,
                        sink: &mut *sink,
                        at: &payload_at,
                    })?,
                    (false, _) => {
                        held = Some(entries.value(Capture {
                            cx: &mut *cx,
                            at: &payload_at,
                        })?);
                    }
                },
                _ => match reg.event_meta_class {
                    Some(meta) => entries.value(Check {
                        cx: &mut *cx,
                        sink: &mut *sink,
                        ty: Ty::Class(meta),
                        at: &meta_at,
                        depth: 1,
                    })?,
                    None => entries.value(Skip {
                        cx: &mut *cx,
                        sink: &mut *sink,
                        at: &meta_at,
                    })?,
                },
            }
        }
        if !seen[TYPE] {
            sink.report(cx, &type_at, Problem::MissingType)?;
        }
        if !seen[VERSION] {
            sink.report(cx, &version_at, Problem::MissingVersion)?;
        }
        match (seen[PAYLOAD], held, event) {
            (false, _, _) => sink.report(cx, &payload_at, Problem::MissingPayload)?,
            (true, Some(tape), Some(def)) => check(
                cx,
                sink,
                tape.root(),
                Ty::Class(def.payload_class),
                &payload_at,
                1,
            )?,
            (true, _, _) => {}
        }
        if !seen[META] {
            sink.report(cx, &meta_at, Problem::MissingMeta)?;
        }
        Ok(event)
    }
}

/// Reads `type`: the event it names, reporting what is wrong with it.
struct TypeUse<'a, 'o, 's, S> {
    cx: &'a mut Ctx<'o, 's>,
    sink: &'a mut S,
    at: &'a At<'a>,
}

impl<S: Sink> Use for TypeUse<'_, '_, '_, S> {
    type Out = Option<&'static EventDef>;

    fn input<I: Input>(self, input: I) -> Result<Self::Out, Stop> {
        input.visit(self)
    }
}

impl<S: Sink> Visit for TypeUse<'_, '_, '_, S> {
    type Out = Option<&'static EventDef>;

    fn scalar(self, value: Scalar<'_>) -> Result<Self::Out, Stop> {
        let Scalar::Str(name) = value else {
            return self.misfit().scalar(value).map(|()| None);
        };
        if let Some(def) = self.cx.reg.event(name) {
            return Ok(Some(def));
        }
        let problem = Problem::UnknownEventType(name);
        self.sink.report(self.cx, self.at, problem).map(|()| None)
    }

    fn array<I: Items>(self, items: I) -> Result<Self::Out, Stop> {
        self.misfit().array(items).map(|()| None)
    }

    fn object<E: Entries>(self, entries: E) -> Result<Self::Out, Stop> {
        self.misfit().object(entries).map(|()| None)
    }
}

impl<'a, 'o, 's, S> TypeUse<'a, 'o, 's, S> {
    fn misfit(self) -> Misfit<'a, 'o, 's, S> {
        Misfit {
            cx: self.cx,
            sink: self.sink,
            at: self.at,
            problem: Problem::TypeNotAString,
        }
    }
}

/// Reads `contracts_version`, reporting what this mode does not accept.
struct VersionUse<'a, 'o, 's, S> {
    cx: &'a mut Ctx<'o, 's>,
    sink: &'a mut S,
    at: &'a At<'a>,
}

impl<S: Sink> Use for VersionUse<'_, '_, '_, S> {
    type Out = ();

    fn input<I: Input>(self, input: I) -> Result<(), Stop> {
        input.visit(self)
    }
}

impl<S: Sink> Visit for VersionUse<'_, '_, '_, S> {
    type Out = ();

    fn scalar(self, value: Scalar<'_>) -> Result<(), Stop> {
        let Scalar::Str(version) = value else {
            return self.misfit().scalar(value);
        };
        let reg = self.cx.reg;
        match rules::check_version(version, self.cx.options.mode, reg.version) {
            Ok(()) => Ok(()),
            Err(message) => {
                let problem = Problem::UnsupportedVersion(&message);
                self.sink.report(self.cx, self.at, problem)
            }
        }
    }

    fn array<I: Items>(self, items: I) -> Result<(), Stop> {
        self.misfit().array(items)
    }

    fn object<E: Entries>(self, entries: E) -> Result<(), Stop> {
        self.misfit().object(entries)
    }
}

impl<'a, 'o, 's, S> VersionUse<'a, 'o, 's, S> {
    fn misfit(self) -> Misfit<'a, 'o, 's, S> {
        Misfit {
            cx: self.cx,
            sink: self.sink,
            at: self.at,
            problem: Problem::VersionNotAString,
        }
    }
}

/// Captures a value to check later.
struct Capture<'a, 'o, 's> {
    cx: &'a mut Ctx<'o, 's>,
    at: &'a At<'a>,
}

impl<'s> Use for Capture<'_, '_, 's> {
    type Out = Tape<'s>;

    fn input<I: Input>(self, input: I) -> Result<Tape<'s>, Stop> {
        Tape::capture(self.cx, input, self.at)
    }
}
