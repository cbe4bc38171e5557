// fast-check arbitraries of the contracts, derived from the JSON Schema the
// contracts compiler ships (schemas/envelope.schema.json of this version and
// of every released version under schemas/history/): valid envelopes and
// DTOs, and invalid envelopes that carry exactly one chosen issue at a known
// JSON Pointer. fast-check is an optional peer dependency imported by this
// module only ("./testing/arbitraries"); "./testing" does not load it.
//
// The walker supports exactly the keywords the compiler emits and throws on
// any other, so a schema change it does not understand fails loudly instead
// of generating data that silently misses the new rule. The values stay
// inside what JSON Schema and the validators agree on (the documented
// exceptions of the schema): integers within +-(2^53 - 1), strings without
// lone surrogates, `contracts_version` exactly the version generated for.
import fc from "fast-check";
import type { Mode } from "../contracts.js";
import { CONTRACTS_VERSION } from "../generated/constants.js";
import type { CurrentVersion, DtoName, EventTypeName, ExampleDto, ExampleEnvelope } from "./examples.js";
import { className, deref, envelopeClasses, envelopeSchema, isObject, knownVersion, members, nullableInner, type JsonSchema } from "./schema.js";

/** The codes only JSON text can carry: `invalidEnvelopeArb` gives those envelopes as text (a string). */
export const TEXT_ISSUE_CODES = Object.freeze(["invalid_json", "duplicate_key", "too_deep"] as const);

/**
 * The issue codes `invalidEnvelopeArb` can plant: every code of the error
 * model but `too_large` (an input above `maxBytes`, 16 MiB by default: test
 * it with one large envelope of your own).
 */
export const INVALID_ISSUE_CODES = Object.freeze([
  "not_an_object",
  "missing_field",
  "unknown_field",
  "wrong_type",
  "invalid_enum_value",
  "invalid_literal",
  "unknown_event_type",
  "invalid_timestamp",
  "invalid_date",
  "invalid_uuid",
  "unsupported_version",
  ...TEXT_ISSUE_CODES,
] as const);

/** One of `INVALID_ISSUE_CODES`. */
export type InvalidIssueCode = (typeof INVALID_ISSUE_CODES)[number];

/** What `invalidEnvelopeArb` generates: an envelope and the one issue the validators report for it. */
export interface InvalidEnvelope {
  /**
   * The envelope: a parsed JSON value, or JSON text (a string) for the codes
   * of `TEXT_ISSUE_CODES`; pass it to the validators as it is (they read a
   * string as JSON text). `not_an_object` at `""` makes it a non-object
   * value, never a string.
   */
  envelope: unknown;
  /** The only issue: its code and JSON Pointer (RFC 6901). */
  issue: { code: InvalidIssueCode; path: string };
  /** The mode to validate in (the one asked for). */
  mode: Mode;
}

/** Options of `envelopeArb`. */
export interface EnvelopeArbOptions<T extends EventTypeName, V extends string> {
  /** Only these event types (one or a list); every event type of the version by default. */
  type?: T | readonly T[];
  /** The contracts version: this package's (the default) or a released one it ships. */
  version?: V;
  /**
   * `"producer"` (the default): exactly the contract, as a backend emits it.
   * `"consumer"`: what this package's consumer mode accepts on receipt: the
   * same envelopes with unknown fields here and there, and a
   * `contracts_version` of any version of the same MAJOR (newer backends).
   */
  mode?: Mode;
}

/** Options of `invalidEnvelopeArb`. */
export interface InvalidEnvelopeArbOptions<T extends EventTypeName> {
  /** Only envelopes of these event types (one or a list). */
  type?: T | readonly T[];
  /** The contracts version (producer mode with `targetVersion` for a released one). */
  version?: string;
  /**
   * `"producer"` (the default) or `"consumer"`: the mode the issue shows in.
   * Consumer mode starts from consumer envelopes (unknown fields, other
   * versions of the MAJOR); it has no `unknown_field`, and its
   * `unsupported_version` is another MAJOR or not a version at all.
   */
  mode?: Mode;
}

/**
 * Valid envelopes: every field, optional ones included or not, every union
 * member, lists of 0-3 elements, UUIDs, RFC 3339 timestamps (offsets, leap
 * seconds, fractions) and calendar dates across their whole range. Each one
 * validates in producer mode (or, with `mode: "consumer"`, in consumer mode)
 * in both builds of `./validate`.
 *
 * ```ts
 * import fc from "fast-check";
 * import { envelopeArb } from "@coach-app/coach-app-baml-client/testing/arbitraries";
 *
 * fc.assert(fc.property(envelopeArb({ type: "SESSION_SUMMARY_READY" }), (envelope) => {
 *   expect(renderSummary(envelope.payload)).toContain(envelope.payload.content.headline);
 * }));
 * ```
 */
export function envelopeArb<T extends EventTypeName = EventTypeName, V extends string = CurrentVersion>(
  options: EnvelopeArbOptions<T, V> = {},
): fc.Arbitrary<ExampleEnvelope<T, V>> {
  const mode = options.mode ?? "producer";
  if (mode !== "producer" && mode !== "consumer") throw new TypeError(`envelopeArb: unknown mode ${JSON.stringify(mode)}: use "producer" or "consumer"`);
  const version = knownVersion(options.version, "envelopeArb");
  if (mode === "consumer" && version !== CONTRACTS_VERSION) {
    throw new RangeError(
      `envelopeArb: consumer mode validates against this package's contracts (${CONTRACTS_VERSION}) whatever the envelope's version; ` +
        `generate {version: ${JSON.stringify(version)}} envelopes in producer mode instead`,
    );
  }
  const walker = walkerFor(version);
  const producer = walker.envelopes(eventTypes(walker, options.type, "envelopeArb"));
  const arb = mode === "producer" ? producer : consumerEnvelopes(walker, producer);
  return arb as fc.Arbitrary<unknown> as fc.Arbitrary<ExampleEnvelope<T, V>>;
}

/**
 * Valid objects of the class `name` (of this version, or of a released one
 * with `{version}`), with the reach of `envelopeArb`.
 *
 * ```ts
 * fc.assert(fc.property(dtoArb("ActionItemDraft"), (draft) => {
 *   expect(formatDraft(draft)).toContain(draft.title);
 * }));
 * ```
 */
export function dtoArb<N extends DtoName, V extends string = CurrentVersion>(name: N, options: { version?: V } = {}): fc.Arbitrary<ExampleDto<N, V>> {
  const version = knownVersion(options.version, "dtoArb");
  const walker = walkerFor(version);
  if (typeof name !== "string" || !walker.classes.includes(name)) {
    throw new RangeError(`dtoArb: ${JSON.stringify(name)} is not a class of contracts ${version}; use one of ${walker.classes.join(", ")}`);
  }
  return walker.arbitrary({ $ref: `#/$defs/${name}` }) as fc.Arbitrary<ExampleDto<N, V>>;
}

/**
 * Envelopes with exactly one issue of `code`, each with that issue's JSON
 * Pointer: `validateEnvelope(envelope, {mode})` (with `targetVersion` for a
 * released `version`) reports exactly `[{code, path}]`, in contracts-core and
 * in the JavaScript validator alike, except `duplicate_key`, which the
 * portable build cannot see (`JSON.parse` keeps the last value: it reports
 * nothing). The issue is planted in a generated valid envelope: a required
 * field removed (`missing_field`), an undeclared field added
 * (`unknown_field`), a value of another JSON type (`wrong_type`,
 * `not_an_object`), a near miss of a UUID, an RFC 3339 timestamp or a
 * calendar date, a value outside an enum or next to a literal, an unknown
 * `type`, another `contracts_version`; as text: broken JSON (`invalid_json`),
 * a key written twice (`duplicate_key`), arrays nested past the parser's
 * limit (`too_deep`). Inside a union, only the union's value and its
 * discriminator change (where every member reports the same issue). Throws
 * when no envelope of the chosen types can carry `code`.
 *
 * ```ts
 * fc.assert(fc.property(invalidEnvelopeArb("invalid_timestamp"), ({ envelope, issue }) => {
 *   const result = validateEnvelope(envelope);
 *   expect(result.ok ? [] : result.issues.map((i) => [i.code, i.path])).toEqual([[issue.code, issue.path]]);
 * }));
 * ```
 */
export function invalidEnvelopeArb<T extends EventTypeName = EventTypeName>(
  code: InvalidIssueCode,
  options: InvalidEnvelopeArbOptions<T> = {},
): fc.Arbitrary<InvalidEnvelope> {
  if (code === ("too_large" as string)) {
    throw new RangeError("invalidEnvelopeArb: too_large needs an input above maxBytes (16 MiB by default): not generated; test it with one large envelope of your own");
  }
  if (!(INVALID_ISSUE_CODES as readonly string[]).includes(code)) {
    throw new RangeError(`invalidEnvelopeArb: ${JSON.stringify(code)} is not a code it can plant; use one of ${INVALID_ISSUE_CODES.join(", ")}`);
  }
  const mode = options.mode ?? "producer";
  if (mode !== "producer" && mode !== "consumer") throw new TypeError(`invalidEnvelopeArb: unknown mode ${JSON.stringify(mode)}: use "producer" or "consumer"`);
  if (mode === "consumer" && code === "unknown_field") {
    throw new RangeError("invalidEnvelopeArb: consumer mode ignores unknown fields: unknown_field exists in producer mode only");
  }
  const version = knownVersion(options.version, "invalidEnvelopeArb");
  if (mode === "consumer" && version !== CONTRACTS_VERSION) {
    throw new RangeError(`invalidEnvelopeArb: consumer mode validates against this package's contracts (${CONTRACTS_VERSION}) whatever the version; use producer mode for ${version}`);
  }
  const walker = walkerFor(version);
  const types = eventTypes(walker, options.type, "invalidEnvelopeArb");
  const able = types.filter((type) => walker.canPlant(type, code));
  if (able.length === 0) {
    const some = [...walker.events.keys()].filter((type) => walker.canPlant(type, code));
    throw new RangeError(
      `invalidEnvelopeArb: no envelope of ${types.join(", ")} (contracts ${version}) can carry ${code}: it has no such place; event types that have one: ${some.join(", ") || "none"}`,
    );
  }
  const base = walker.envelopes(able);
  const envelopes = mode === "producer" ? base : consumerEnvelopes(walker, base);
  return fc
    .tuple(envelopes, fc.nat(), plantArbs(walker))
    .map(([envelope, pick, values]) => walker.plant(envelope, code, mode, pick, values))
    .filter((x): x is InvalidEnvelope => x !== undefined);
}

// ---------------------------------------------------------------------------
// Leaf arbitraries

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y: number, m: number) => [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 31;

/** Strings without lone surrogates (those are not valid JSON text for the core). */
const stringArb: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary-ascii" }),
  fc.constantFrom("", " ", "~", "/", "~1", "a/b~c", "é", "\u0000", "\u2028", "😀"),
);

/** Any JSON value (finite numbers, no lone surrogates), a few levels deep. */
const jsonArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    stringArb,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(stringArb, tie("value"), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

/** `YYYY-MM-DD`, always a real calendar date (leap days included): valid `IsoDate` values. */
export const isoDateArb: fc.Arbitrary<string> = fc
  .record({
    y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1900, 2000, 2024, 2100)),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(Math.min(d, daysIn(y, m)), 2)}`);

const offsetArb = fc.oneof(
  fc.constantFrom("Z", "z", "+00:00", "-00:00"),
  fc
    .record({ sign: fc.constantFrom("+", "-"), h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }) })
    .map(({ sign, h, m }) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
);

/** RFC 3339 date-times with an offset, leap seconds where RFC 3339 puts them: valid `Timestamp` values. */
export const timestampArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({
      date: isoDateArb,
      sep: fc.constantFrom("T", "t"),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      frac: fc.option(fc.stringMatching(/^\.[0-9]{1,12}$/), { nil: "" }),
      offset: offsetArb,
    })
    .map(({ date, sep, h, mi, s, frac, offset }) => `${date}${sep}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac}${offset}`),
  // A leap second at 23:59:60 UTC.
  fc.constantFrom("2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2017-01-01T00:59:60+01:00"),
);

/** Lowercase canonical UUIDs: valid `Uuid` values. */
export const uuidArb: fc.Arbitrary<string> = fc.uuid();

/** Strings near `base`: one character replaced, inserted or removed. */
function nearMiss(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const chars = fc.constantFrom(..."0123456789:-+.TtZz x/A", "60", "24", "00", "13", "32");
  return fc.oneof(
    fc.tuple(base, fc.nat(), chars).map(([s, i, c]) => {
      const at = i % (s.length + 1);
      return s.slice(0, at) + c + s.slice(at + 1);
    }),
    fc.tuple(base, fc.nat(), chars).map(([s, i, c]) => {
      const at = i % (s.length + 1);
      return s.slice(0, at) + c + s.slice(at);
    }),
    fc.tuple(base, fc.nat()).map(([s, i]) => {
      const at = i % Math.max(s.length, 1);
      return s.slice(0, at) + s.slice(at + 1);
    }),
    base.map((s) => s.toUpperCase()),
    base.map((s) => ` ${s}`),
  );
}

/** Timestamps that are certainly invalid: each breaks one RFC 3339 rule the validator checks. */
const badTimestampArb = fc.oneof(
  fc.tuple(isoDateArb, fc.integer({ min: 0, max: 23 })).map(([d, h]) => `${d}T${pad(h, 2)}:30:00`), // no offset
  fc.tuple(isoDateArb, offsetArb).map(([d, o]) => `${d} 09:30:00${o}`), // a space for T
  isoDateArb, // a date alone
  fc.tuple(isoDateArb, fc.integer({ min: 24, max: 99 })).map(([d, h]) => `${d}T${h}:00:00Z`), // hour 24+
  fc.tuple(isoDateArb, fc.integer({ min: 60, max: 99 })).map(([d, m]) => `${d}T10:${m}:00Z`), // minute 60+
  fc.tuple(isoDateArb, fc.integer({ min: 61, max: 99 })).map(([d, s]) => `${d}T10:00:${s}Z`), // second 61+
  fc.tuple(isoDateArb, fc.integer({ min: 0, max: 22 })).map(([d, h]) => `${d}T${pad(h, 2)}:59:60Z`), // a leap second before 23:59 UTC
  fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 13, max: 99 })).map(([y, m]) => `${y}-${m}-01T10:00:00Z`), // month 13+
  fc.integer({ min: 2001, max: 2099 }).filter((y) => !isLeapYear(y)).map((y) => `${y}-02-29T10:00:00Z`), // no 29 February
  fc.tuple(isoDateArb, fc.integer({ min: 24, max: 99 })).map(([d, h]) => `${d}T10:00:00+${h}:00`), // offset hour 24+
  fc.constantFrom("", "now", "2026-01-05T09:30Z", "2026-01-05T09:30:00.Z", "2026-01-05T09:30:00+0100", "1767605400"),
);

/** Calendar dates that are certainly invalid. */
const badDateArb = fc.oneof(
  fc.integer({ min: 2001, max: 2099 }).filter((y) => !isLeapYear(y)).map((y) => `${y}-02-29`),
  fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 13, max: 99 })).map(([y, m]) => `${y}-${m}-01`),
  fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.constantFrom(4, 6, 9, 11)).map(([y, m]) => `${y}-${pad(m, 2)}-31`),
  fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${pad(m, 2)}-00`),
  isoDateArb.map((d) => `${d}T00:00:00Z`),
  isoDateArb.map((d) => d.replaceAll("-", "")),
  isoDateArb.map((d) => d.replaceAll("-", "/")),
  fc.constantFrom("", "2026-1-5", "26-01-05", "2026-01-05 ", "today"),
);

/** The values `plant` draws from (one record per envelope, so shrinking works on them too). */
interface PlantValues {
  alt: number;
  key: string;
  json: unknown;
  string: string;
  uuid: string;
  timestamp: string;
  date: string;
  version: [number, number, number];
  /** How deep `too_deep` nests arrays (the core's parser stops at 128). */
  depth: number;
  /** Where `invalid_json` cuts the text (modulo its length). */
  cut: number;
}

function plantArbs(walker: Walker): fc.Arbitrary<PlantValues> {
  return fc.record({
    alt: fc.nat(),
    key: stringArb,
    json: jsonArb,
    string: stringArb,
    uuid: fc.oneof(nearMiss(uuidArb), uuidArb.map((u) => `urn:uuid:${u}`), uuidArb.map((u) => `{${u}}`), stringArb).filter((s) => !walker.uuidPattern.test(s)),
    timestamp: fc.oneof(badTimestampArb, stringArb.filter((s) => !walker.timestampPattern.test(s))),
    date: fc.oneof(badDateArb, stringArb.filter((s) => !walker.datePattern.test(s))),
    version: fc.tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.nat({ max: 20 })),
    depth: fc.integer({ min: 128, max: 200 }),
    cut: fc.nat(),
  });
}

// ---------------------------------------------------------------------------
// The schema walker: one per version

const ANNOTATIONS = new Set(["$schema", "$defs", "title", "description", "discriminator", "default", "examples"]);
const SUPPORTED = new Set([...ANNOTATIONS, "$ref", "type", "properties", "required", "additionalProperties", "enum", "const", "items", "anyOf", "oneOf", "format", "pattern"]);

type Path = readonly (string | number)[];

/** A node of a generated value with the schema that describes it. */
interface Node {
  readonly path: Path;
  readonly value: unknown;
  /** Dereferenced; for a union, the union itself (`union: true`). */
  readonly schema: JsonSchema;
  /** The position also takes `null` (an optional field, `X | null`). */
  readonly nullable: boolean;
  /** Under a member of a union: one change there can move the validator to another member, so only discriminators are planted. */
  readonly inUnion: boolean;
  /** This node is a union position (the value matched one of its members). */
  readonly union: boolean;
  /** The name of the class when the node is a class object. */
  readonly className: string | undefined;
  /** The envelope root. */
  readonly root: boolean;
}

const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A JSON Pointer from a path. */
function pointer(path: Path): string {
  return path.map((key) => `/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/** Sets an own property (also `__proto__`). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `value` at `path` of a copy of `root` replaced by `f(old)` (`undefined` removes an object field). */
function update(root: unknown, path: Path, f: (old: unknown) => unknown): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return f(copy);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const next = f(parent[last]);
  if (next === undefined && !Array.isArray(parent)) delete parent[last];
  else if (Array.isArray(parent)) parent[last as number] = next;
  else put(parent, String(last), next);
  return copy;
}

const WALKERS = new Map<string, Walker>();

function walkerFor(version: string): Walker {
  let walker = WALKERS.get(version);
  if (walker === undefined) {
    walker = new Walker(version, envelopeSchema(version));
    WALKERS.set(version, walker);
  }
  return walker;
}

function eventTypes(walker: Walker, type: string | readonly string[] | undefined, what: string): string[] {
  const all = [...walker.events.keys()];
  if (type === undefined) return all;
  const list = typeof type === "string" ? [type] : [...type];
  const unknown = list.filter((t) => !walker.events.has(t));
  if (list.length === 0 || unknown.length > 0) {
    const named = unknown.length > 0 ? unknown.map((t) => JSON.stringify(t)).join(", ") : "an empty list";
    throw new RangeError(`${what}: ${named} ${unknown.length > 1 ? "are not event types" : "is not an event type"} of contracts ${walker.version}; use one of ${all.join(", ")}`);
  }
  return list;
}

function patternOf(root: JsonSchema, name: string): RegExp {
  const def = (root.$defs as Record<string, JsonSchema> | undefined)?.[name];
  if (typeof def?.pattern !== "string") throw new Error(`the schema has no $defs.${name}.pattern`);
  return new RegExp(def.pattern);
}

class Walker {
  /** Event type -> `$defs` name of its envelope class. */
  readonly events: Map<string, string>;
  /** Every class name of the version. */
  readonly classes: string[];
  readonly uuidPattern: RegExp;
  readonly timestampPattern: RegExp;
  readonly datePattern: RegExp;
  private readonly byRef = new Map<string, fc.Arbitrary<unknown>>();
  private readonly resolving = new Set<string>();
  private readonly sites = new Map<string, Set<InvalidIssueCode>>();

  constructor(
    readonly version: string,
    readonly root: JsonSchema,
  ) {
    this.events = envelopeClasses(root);
    const defs = (root.$defs ?? {}) as Record<string, JsonSchema>;
    this.classes = Object.keys(defs).filter((name) => className(root, { $ref: `#/$defs/${name}` }) !== undefined);
    this.uuidPattern = patternOf(root, "Uuid");
    this.timestampPattern = patternOf(root, "Timestamp");
    this.datePattern = patternOf(root, "IsoDate");
  }

  /** Valid producer envelopes of `types`, carrying exactly this version. */
  envelopes(types: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
    const arbs = types.map((type) => this.arbitrary({ $ref: `#/$defs/${this.events.get(type) ?? ""}` }));
    const union = arbs.length === 1 ? (arbs[0] as fc.Arbitrary<unknown>) : fc.oneof(...arbs);
    return union.map((envelope) => ({ ...(envelope as Record<string, unknown>), contracts_version: this.version }));
  }

  /** An arbitrary of the values valid against `schema` (a node of this version's schema). */
  arbitrary(schema: JsonSchema | boolean): fc.Arbitrary<unknown> {
    if (schema === true) return jsonArb;
    if (schema === false) throw new Error("a `false` schema has no valid value");
    for (const key of Object.keys(schema)) if (!SUPPORTED.has(key)) throw new Error(`unsupported JSON Schema keyword ${key}: extend src/testing/arbitraries.ts`);
    if (typeof schema.$ref === "string") return this.ref(schema.$ref);
    if ("const" in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const union = members(schema);
    if (union !== undefined) return fc.oneof(...union.map((m) => this.arbitrary(m)));
    if (schema.type === undefined) return jsonArb;
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    return fc.oneof(...types.map((t) => this.ofType(t, schema)));
  }

  private ref(pointerText: string): fc.Arbitrary<unknown> {
    const cached = this.byRef.get(pointerText);
    if (cached !== undefined) return cached;
    if (this.resolving.has(pointerText)) throw new Error(`recursive $ref ${pointerText}: extend the walker (fc.letrec)`);
    this.resolving.add(pointerText);
    const arb = this.arbitrary(deref(this.root, { $ref: pointerText }));
    this.resolving.delete(pointerText);
    this.byRef.set(pointerText, arb);
    return arb;
  }

  private string(schema: JsonSchema): fc.Arbitrary<unknown> {
    switch (schema.format) {
      case undefined:
        return typeof schema.pattern === "string" ? fc.stringMatching(new RegExp(schema.pattern)) : stringArb;
      case "uuid":
        return uuidArb;
      case "date-time":
        return timestampArb;
      case "date":
        return isoDateArb;
      default:
        throw new Error(`unsupported format ${String(schema.format)}`);
    }
  }

  private object(schema: JsonSchema): fc.Arbitrary<unknown> {
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = (schema.required ?? []) as string[];
    for (const key of required) if (!(key in props)) throw new Error(`required ${key} without a property schema`);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, sub] of Object.entries(props)) model[key] = this.arbitrary(sub);
    const record = fc.record(model, { requiredKeys: required, noNullPrototype: true });
    const extra = schema.additionalProperties;
    if (extra === undefined || extra === false || extra === true) return record;
    const entries = fc.dictionary(
      stringArb.filter((k) => !(k in props)),
      this.arbitrary(extra as JsonSchema),
      { maxKeys: 4, noNullPrototype: true },
    );
    return fc.tuple(entries, record).map(([e, r]) => Object.assign({}, e, r));
  }

  private ofType(type: string, schema: JsonSchema): fc.Arbitrary<unknown> {
    switch (type) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
        return fc.oneof(fc.integer(), fc.maxSafeInteger());
      case "number":
        return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
      case "string":
        return this.string(schema);
      case "array":
        return fc.array(schema.items === undefined ? jsonArb : this.arbitrary(schema.items as JsonSchema), { maxLength: 3 });
      case "object":
        return this.object(schema);
      default:
        throw new Error(`unsupported type ${type}`);
    }
  }

  // ---- the nodes of a value ------------------------------------------------

  /** A structural match, enough to tell which union member a valid value took. */
  private matches(schema: JsonSchema, value: unknown): boolean {
    const s = deref(this.root, schema);
    if ("const" in s) return JSON.stringify(s.const) === JSON.stringify(value);
    if (Array.isArray(s.enum)) return (s.enum as unknown[]).includes(value);
    const union = members(s);
    if (union !== undefined) return union.some((m) => this.matches(m, value));
    if (s.type === undefined) return true;
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    return types.some((t) => {
      if (t === "integer") return Number.isInteger(value);
      if (t !== jsonType(value)) return false;
      if (t !== "object") return true;
      const object = value as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      return (
        ((s.required ?? []) as string[]).every((k) => Object.hasOwn(object, k)) &&
        Object.entries(props).every(([k, p]) => !Object.hasOwn(object, k) || !("const" in deref(this.root, p)) || this.matches(p, object[k]))
      );
    });
  }

  /** Every node of a valid envelope with its schema. */
  nodes(envelope: Record<string, unknown>): Node[] {
    const out: Node[] = [];
    const walk = (value: unknown, schema: JsonSchema, path: Path, nullable: boolean, inUnion: boolean, isRoot: boolean): void => {
      const name = className(this.root, schema);
      const s = deref(this.root, schema);
      const inner = nullableInner(s);
      if (inner !== undefined) {
        if (value !== null) walk(value, inner, path, true, inUnion, isRoot);
        return;
      }
      const union = members(s);
      if (union !== undefined) {
        out.push({ path, value, schema: s, nullable, inUnion, union: true, className: undefined, root: isRoot });
        const member = union.find((m) => this.matches(m, value));
        if (member !== undefined && value !== null) walk(value, member, path, false, true, false);
        return;
      }
      out.push({ path, value, schema: s, nullable, inUnion, union: false, className: name, root: isRoot });
      if (Array.isArray(value) && isObject(s.items)) {
        value.forEach((item, i) => walk(item, s.items as JsonSchema, [...path, i], false, inUnion, false));
      } else if (isObject(value) && s.type === "object") {
        const props = (s.properties ?? {}) as Record<string, JsonSchema>;
        for (const [key, item] of Object.entries(value)) {
          const sub = Object.hasOwn(props, key) ? props[key] : isObject(s.additionalProperties) ? (s.additionalProperties as JsonSchema) : undefined;
          if (sub !== undefined) walk(item, sub, [...path, key], false, inUnion, false);
        }
      }
    };
    const type = envelope.type as string;
    walk(envelope, { $ref: `#/$defs/${this.events.get(type) ?? ""}` }, [], false, false, true);
    return out;
  }

  // ---- planting one issue --------------------------------------------------

  /** True when some envelope of `type` has a place for `code` (decided on the schema, whatever optional parts a value has). */
  canPlant(type: string, code: InvalidIssueCode): boolean {
    let sites = this.sites.get(type);
    if (sites === undefined) {
      // Every envelope has these: its own fields, `type`, `contracts_version`, and text.
      sites = new Set<InvalidIssueCode>(["not_an_object", "missing_field", "unknown_field", "wrong_type", "unknown_event_type", "unsupported_version", ...TEXT_ISSUE_CODES]);
      this.collectSites({ $ref: `#/$defs/${this.events.get(type) ?? ""}` }, false, true, sites);
      this.sites.set(type, sites);
    }
    return sites.has(code);
  }

  /** The codes `candidates` can find somewhere under `schema` (the same rules, on the schema instead of a value). */
  private collectSites(schema: JsonSchema, inUnion: boolean, isRoot: boolean, sites: Set<InvalidIssueCode>): void {
    const s = deref(this.root, schema);
    const inner = nullableInner(s);
    if (inner !== undefined) return this.collectSites(inner, inUnion, isRoot, sites);
    const union = members(s);
    if (union !== undefined) {
      if (!inUnion && this.discriminator(s) !== undefined) sites.add("invalid_literal");
      for (const m of union) this.collectSites(m, true, false, sites);
      return;
    }
    if (!inUnion) {
      if (Array.isArray(s.enum)) sites.add("invalid_enum_value");
      if (typeof s.const === "string" && !isRoot) sites.add("invalid_literal");
      if (s.format === "uuid") sites.add("invalid_uuid");
      if (s.format === "date-time") sites.add("invalid_timestamp");
      if (s.format === "date") sites.add("invalid_date");
    }
    const props = (isObject(s.properties) ? s.properties : {}) as Record<string, JsonSchema>;
    for (const [key, sub] of Object.entries(props)) {
      // The envelope's `type` names the event: planting another value there is `unknown_event_type`.
      if (!(isRoot && key === "type")) this.collectSites(sub, inUnion, false, sites);
    }
    if (isObject(s.items)) this.collectSites(s.items, inUnion, false, sites);
    if (isObject(s.additionalProperties)) this.collectSites(s.additionalProperties, inUnion, false, sites);
  }

  /** The field every member of a union discriminates on (a required string literal, distinct per member), or `undefined`. */
  private discriminator(union: JsonSchema): string | undefined {
    const list = (members(union) ?? []).map((m) => deref(this.root, m));
    const first = list[0];
    if (first === undefined || !isObject(first.properties)) return undefined;
    for (const field of Object.keys(first.properties)) {
      const consts = list.map((member) => {
        const props = member.properties as Record<string, JsonSchema> | undefined;
        const p = props?.[field] === undefined ? undefined : deref(this.root, props[field] as JsonSchema);
        return p !== undefined && ((member.required ?? []) as string[]).includes(field) ? p.const : undefined;
      });
      if (consts.every((c) => typeof c === "string") && new Set(consts).size === consts.length) return field;
    }
    return undefined;
  }

  /** The nodes of `envelope` where `code` can be planted (every one gives exactly that one issue). */
  private candidates(nodes: readonly Node[], code: InvalidIssueCode): Node[] {
    const plain = nodes.filter((n) => !n.inUnion);
    const isClass = (n: Node) => n.className !== undefined && !n.union && isObject(n.value);
    const discriminators = nodes.filter((n) => this.discriminatorSite(n, nodes));
    switch (code) {
      case "not_an_object":
        return plain.filter(isClass);
      case "missing_field":
        return [...plain.filter((n) => isClass(n) && ((n.schema.required ?? []) as string[]).length > 0), ...discriminators];
      case "unknown_field":
        return plain.filter((n) => isClass(n) && n.schema.additionalProperties === false);
      case "wrong_type":
        return [...plain.filter((n) => (n.union ? this.objectUnion(n.schema) : !isClass(n)) && !n.root), ...discriminators];
      case "invalid_enum_value":
        return plain.filter((n) => Array.isArray(n.schema.enum) && typeof n.value === "string");
      case "invalid_literal":
        return [...plain.filter((n) => typeof n.schema.const === "string" && !(n.path.length === 1 && n.path[0] === "type")), ...discriminators];
      case "unknown_event_type":
      case "unsupported_version":
      case "invalid_json":
        return nodes.filter((n) => n.root);
      case "invalid_uuid":
        return plain.filter((n) => n.schema.format === "uuid");
      case "invalid_timestamp":
        return plain.filter((n) => n.schema.format === "date-time");
      case "invalid_date":
        return plain.filter((n) => n.schema.format === "date");
      case "duplicate_key":
        // The parser reports it wherever it is, before any rule: unions do not matter.
        return nodes.filter((n) => !n.union && isObject(n.value) && Object.keys(n.value).length > 0);
      case "too_deep":
        return nodes.filter((n) => !n.root && !n.union);
    }
  }

  /** A union whose members are all classes: any non-object is one `wrong_type` at the union. */
  private objectUnion(schema: JsonSchema): boolean {
    const list = members(schema);
    return list !== undefined && list.every((m) => className(this.root, m) !== undefined);
  }

  /**
   * The discriminator of a discriminated union that is not itself in a union:
   * another literal, another JSON type or no value there is the same one issue
   * for every member, so whichever member the validator reports, the code and
   * the path are the same.
   */
  private discriminatorSite(n: Node, all: readonly Node[]): boolean {
    if (!n.inUnion || typeof n.schema.const !== "string") return false;
    const parent = pointer(n.path.slice(0, -1));
    const union = all.find((u) => u.union && !u.inUnion && pointer(u.path) === parent);
    return union !== undefined && this.discriminator(union.schema) === n.path[n.path.length - 1];
  }

  /** The literals every member of the union around a discriminator declares (a planted literal must be none of them). */
  private memberLiterals(n: Node, all: readonly Node[]): unknown[] {
    const parent = pointer(n.path.slice(0, -1));
    const field = String(n.path[n.path.length - 1]);
    const union = all.find((u) => u.union && pointer(u.path) === parent);
    if (union === undefined) return [n.schema.const];
    return (members(union.schema) ?? []).map((m) => {
      const p = (deref(this.root, m).properties as Record<string, JsonSchema> | undefined)?.[field];
      return p === undefined ? undefined : deref(this.root, p).const;
    });
  }

  /** `envelope` with one issue of `code` planted at a node chosen by `pick`, or `undefined` when it has no place for it. */
  plant(envelope: Record<string, unknown>, code: InvalidIssueCode, mode: Mode, pick: number, v: PlantValues): InvalidEnvelope | undefined {
    const all = this.nodes(envelope);
    const candidates = this.candidates(all, code);
    const node = candidates[pick % Math.max(candidates.length, 1)];
    if (node === undefined) return undefined;
    const planted = (value: unknown, path: Path | string) => ({ envelope: value, issue: { code, path: typeof path === "string" ? path : pointer(path) }, mode });
    const at = (path: Path, value: unknown) => planted(update(envelope, path, () => value), path);
    const choose = <X>(options: readonly X[]): X => options[v.alt % options.length] as X;
    const accepted = (n: Node): Set<string> => {
      const s = n.schema;
      const kinds = new Set<string>(n.nullable ? ["null"] : []);
      if (n.union) kinds.add("object");
      else if ("const" in s) kinds.add(jsonType(s.const));
      else if (Array.isArray(s.enum)) for (const e of s.enum as unknown[]) kinds.add(jsonType(e));
      else for (const t of Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]) kinds.add(t);
      return kinds;
    };
    switch (code) {
      case "not_an_object":
        // Never a string for the whole envelope: the validators read a string as JSON text.
        return at(node.path, choose([true, 0, 1.5, ...(node.root ? [] : ["x"]), [], ...(node.nullable ? [] : [null])]));
      case "missing_field": {
        if (this.discriminatorSite(node, all)) return at(node.path, undefined);
        const present = ((node.schema.required ?? []) as string[]).filter((k) => Object.hasOwn(node.value as object, k));
        return at([...node.path, choose(present)], undefined);
      }
      case "unknown_field": {
        const declared = Object.keys((node.schema.properties ?? {}) as object);
        const key = declared.includes(v.key) ? `${v.key}_unknown` : v.key;
        return at([...node.path, key], v.json);
      }
      case "wrong_type": {
        const kinds = accepted(node);
        const others = ([null, true, 0, 1.5, "x", [], {}] as unknown[]).filter((x) => {
          const t = jsonType(x);
          if (t === "number") return !kinds.has("number") && !(kinds.has("integer") && Number.isInteger(x));
          return !kinds.has(t);
        });
        return at(node.path, structuredClone(choose(others)));
      }
      case "invalid_enum_value": {
        const values = node.schema.enum as unknown[];
        const value = node.value as string;
        return at(node.path, choose([value.toLowerCase(), `${value}_X`, ` ${value}`, v.string].filter((x) => !values.includes(x))));
      }
      case "invalid_literal": {
        const taken = this.discriminatorSite(node, all) ? this.memberLiterals(node, all) : [node.schema.const];
        const c = node.schema.const as string;
        return at(node.path, choose([c.toUpperCase(), c.toLowerCase(), `${c}X`, ` ${c}`, v.string].filter((x) => !taken.includes(x))));
      }
      case "unknown_event_type": {
        const type = envelope.type as string;
        return at(["type"], choose([type.toLowerCase(), `${type}_V2`, type.replaceAll("_", "-"), v.string].filter((x) => !this.events.has(x))));
      }
      case "unsupported_version": {
        const [a, b, c] = v.version;
        if (mode === "producer") {
          return at(["contracts_version"], choose([`${a}.${b}.${c}`, "99.0.0", `${this.version}-rc.1`, ` ${this.version}`, "", v.string].filter((x) => x !== this.version)));
        }
        // Consumer mode takes any version of its MAJOR: another MAJOR, or not a version.
        const major = Number(this.version.split(".")[0] ?? 0);
        return at(["contracts_version"], choose([`${major + 1 + (a % 5)}.${b}.${c}`, "", "0.2", `v${this.version}`, `${this.version}.1`, "x.y.z", ` ${this.version}`, `${"9".repeat(21)}.0.0`]));
      }
      case "invalid_uuid":
        return at(node.path, v.alt % 2 === 0 ? (node.value as string).toUpperCase().replace(/^[0-9-]*$/, "x") : v.uuid);
      case "invalid_timestamp":
        return at(node.path, v.timestamp);
      case "invalid_date":
        return at(node.path, v.date);
      case "invalid_json": {
        const text = JSON.stringify(envelope);
        return planted(
          choose([
            text.slice(0, v.cut % text.length), // truncated
            `${text.slice(0, -1)},}`, // a trailing comma
            `${text} {}`,
            `${text}x`,
            `${text}]`,
            `x${text}`,
            `[${text}`,
            text.replace('"type"', "'type'"), // single quotes
          ]),
          "",
        );
      }
      case "duplicate_key": {
        const keys = Object.keys(node.value as object);
        const path = [...node.path, choose(keys)];
        return planted(dumps(envelope, path), path);
      }
      case "too_deep": {
        const mark = "\u0000coach-contracts-deep\u0000";
        const text = JSON.stringify(update(envelope, node.path, () => mark));
        return planted(text.replace(JSON.stringify(mark), "[".repeat(v.depth) + "]".repeat(v.depth)), "");
      }
    }
  }
}

/** JSON text of `value` (as `JSON.stringify` writes it) with the key at `duplicate` written twice. */
function dumps(value: unknown, duplicate: Path, at: Path = []): string {
  if (Array.isArray(value)) return `[${value.map((item, i) => dumps(item, duplicate, [...at, i])).join(",")}]`;
  if (!isObject(value)) return JSON.stringify(value);
  const here = at.length === duplicate.length - 1 && at.every((k, i) => k === duplicate[i]);
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const entry = `${JSON.stringify(key)}:${dumps(item, duplicate, [...at, key])}`;
    parts.push(entry);
    if (here && key === duplicate[duplicate.length - 1]) parts.push(entry);
  }
  return `{${parts.join(",")}}`;
}

/** Producer envelopes made into what consumer mode accepts: unknown fields added, any version of the same MAJOR. */
function consumerEnvelopes(walker: Walker, producer: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const major = walker.version.split(".")[0] ?? "0";
  const extra = fc.record({ pick: fc.nat(), key: stringArb, value: jsonArb });
  return fc
    .tuple(producer, fc.array(extra, { maxLength: 3 }), fc.option(fc.tuple(fc.nat({ max: 50 }), fc.nat({ max: 50 })), { nil: undefined }))
    .map(([envelope, additions, minorPatch]) => {
      let out: unknown = envelope;
      for (const { pick, key, value } of additions) {
        const objects = walker.nodes(out as Record<string, unknown>).filter((n) => n.className !== undefined && !n.union && isObject(n.value) && n.schema.additionalProperties === false);
        const node = objects[pick % objects.length];
        if (node === undefined) continue;
        const declared = node.root ? ["type", "contracts_version", "payload", "meta"] : Object.keys((node.schema.properties ?? {}) as object);
        if (declared.includes(key)) continue;
        out = update(out, [...node.path, key], () => value);
      }
      const result = out as Record<string, unknown>;
      return minorPatch === undefined ? result : { ...result, contracts_version: `${major}.${minorPatch[0]}.${minorPatch[1]}` };
    });
}
