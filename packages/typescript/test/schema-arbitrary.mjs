// fast-check arbitraries derived from the shipped JSON Schema (schemas/envelope.schema.json)
// and schema-aware mutations of the values they produce. Used by schema-property.test.mjs.
//
// The walker supports exactly the keywords the contracts compiler emits and throws on
// any other one, so a schema change it does not understand fails loudly instead of
// generating data that silently misses the new rule.
import fc from "fast-check";

const ANNOTATIONS = new Set(["$schema", "$defs", "title", "description", "discriminator", "default", "examples"]);
const SUPPORTED = new Set([
  ...ANNOTATIONS,
  "$ref",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "enum",
  "const",
  "items",
  "anyOf",
  "oneOf",
  "format",
  "pattern",
]);

const pad = (n, width) => String(n).padStart(width, "0");
const isLeapYear = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y, m) => [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

/** Strings without lone surrogates (those are a documented exception: invalid JSON text for the validator). */
export const stringArb = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary-ascii" }),
  fc.constantFrom("", " ", "~", "/", "~1", "a/b~c", "é", "\u0000", "\u2028", "😀"),
);

/** Any JSON value (finite numbers, no lone surrogates), a few levels deep. */
export const jsonArb = fc.letrec((tie) => ({
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

/** `YYYY-MM-DD`, always a real calendar date (leap days included). */
export const isoDateArb = fc
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

/** RFC 3339 date-times that both the schema (pattern + format) and the validator accept. */
export const timestampArb = fc.oneof(
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
  // A leap second where RFC 3339 puts it (23:59:60 UTC).
  fc.constantFrom("2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2017-01-01T00:59:60+01:00"),
);

/** Strings near a valid `base`: one character replaced, inserted or removed. */
function nearMiss(base) {
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

/**
 * Strings that may or may not be valid values of each string format: near misses of valid
 * values, strings with the right shape but arbitrary digits (`stringMatching` of the
 * schema's pattern: month 47, 25:61:60, …), and arbitrary strings.
 */
export function formatProbeArbs(root) {
  const pattern = (name) => new RegExp(root.$defs[name].pattern);
  return {
    uuid: fc.oneof(nearMiss(fc.uuid()), fc.stringMatching(pattern("Uuid")), fc.uuid().map((u) => `urn:uuid:${u}`), stringArb),
    "date-time": fc.oneof(
      nearMiss(timestampArb),
      fc.stringMatching(pattern("Timestamp")),
      fc.tuple(isoDateArb, offsetArb).map(([d, o]) => `${d}T23:59:60${o}`),
      stringArb,
    ),
    date: fc.oneof(nearMiss(isoDateArb), fc.stringMatching(pattern("IsoDate")), stringArb),
  };
}

/** The schema at a local JSON Pointer reference (`#/$defs/Name`). */
export function resolveRef(root, ref) {
  if (!ref.startsWith("#")) throw new Error(`only local $ref are supported, got ${ref}`);
  return ref
    .slice(1)
    .split("/")
    .filter(Boolean)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((node, key) => {
      if (node == null || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
      return node[key];
    }, root);
}

/**
 * Returns `arbitrary(schema)`: a fast-check arbitrary of values valid against `schema`
 * (a node of `root`), built by walking `$ref`, `type`, `properties`/`required`,
 * `additionalProperties`, `enum`, `const`, `items`, `anyOf`/`oneOf` and the
 * `uuid` / `date-time` / `date` formats (or `pattern` for other strings).
 */
export function schemaArbitrary(root) {
  const byRef = new Map();
  const resolving = new Set();

  function ref(pointer) {
    if (byRef.has(pointer)) return byRef.get(pointer);
    if (resolving.has(pointer)) throw new Error(`recursive $ref ${pointer}: extend the walker (fc.letrec)`);
    resolving.add(pointer);
    const arb = arbitrary(resolveRef(root, pointer));
    resolving.delete(pointer);
    byRef.set(pointer, arb);
    return arb;
  }

  function string(s) {
    switch (s.format) {
      case undefined:
        return s.pattern === undefined ? stringArb : fc.stringMatching(new RegExp(s.pattern));
      case "uuid":
        return fc.uuid();
      case "date-time":
        return timestampArb;
      case "date":
        return isoDateArb;
      default:
        throw new Error(`unsupported format ${s.format}`);
    }
  }

  function object(s) {
    const props = s.properties ?? {};
    const required = s.required ?? [];
    for (const key of required) if (!(key in props)) throw new Error(`required ${key} without a property schema`);
    const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbitrary(v)]));
    const record = fc.record(model, { requiredKeys: required, noNullPrototype: true });
    const extra = s.additionalProperties;
    if (extra === undefined || extra === false || extra === true) return record;
    const entries = fc.dictionary(
      stringArb.filter((k) => !(k in props)),
      arbitrary(extra),
      { maxKeys: 4, noNullPrototype: true },
    );
    return fc.tuple(entries, record).map(([e, r]) => Object.assign({}, e, r));
  }

  function ofType(type, s) {
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
        return string(s);
      case "array":
        return fc.array(s.items === undefined ? jsonArb : arbitrary(s.items), { maxLength: 3 });
      case "object":
        return object(s);
      default:
        throw new Error(`unsupported type ${type}`);
    }
  }

  function arbitrary(s) {
    if (s === true) return jsonArb;
    for (const key of Object.keys(s)) if (!SUPPORTED.has(key)) throw new Error(`unsupported keyword ${key}`);
    if (s.$ref !== undefined) return ref(s.$ref);
    if ("const" in s) return fc.constant(s.const);
    if (s.enum !== undefined) return fc.constantFrom(...s.enum);
    // oneOf branches are assumed disjoint (the envelope's are, by their `type` const).
    const union = s.anyOf ?? s.oneOf;
    if (union !== undefined) return fc.oneof(...union.map(arbitrary));
    if (s.type === undefined) return jsonArb;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    return fc.oneof(...types.map((t) => ofType(t, s)));
  }

  return arbitrary;
}

// ---------------------------------------------------------------------------
// Mutations

const jsonType = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A cheap structural match, enough to tell which `anyOf`/`oneOf` branch a (valid) value took. */
function matches(root, s, v) {
  if (s === true) return true;
  if (s.$ref !== undefined) return matches(root, resolveRef(root, s.$ref), v);
  if ("const" in s) return JSON.stringify(s.const) === JSON.stringify(v);
  if (s.enum !== undefined) return s.enum.includes(v);
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined) return union.some((b) => matches(root, b, v));
  if (s.type === undefined) return true;
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return types.some((t) => {
    if (t === "integer") return Number.isInteger(v);
    if (t !== jsonType(v)) return false;
    if (t !== "object") return true;
    const props = s.properties ?? {};
    return (
      (s.required ?? []).every((k) => k in v) &&
      Object.entries(props).every(([k, p]) => !(k in v) || !("const" in p) || matches(root, p, v[k]))
    );
  });
}

/** Every node of `value` with the (dereferenced, branch-selected) schema that describes it. */
export function schemaNodes(root, value, schema = root) {
  const nodes = [];
  const walk = (v, s, path) => {
    while (s !== true && s.$ref !== undefined) s = resolveRef(root, s.$ref);
    for (;;) {
      const union = s === true ? undefined : (s.anyOf ?? s.oneOf);
      if (union === undefined) break;
      const branch = union.find((b) => matches(root, b, v));
      if (branch === undefined) {
        nodes.push({ path, value: v, schema: null }); // no branch fits: mutate it blindly only
        return;
      }
      s = branch;
      while (s !== true && s.$ref !== undefined) s = resolveRef(root, s.$ref);
    }
    nodes.push({ path, value: v, schema: s });
    if (s === true) return;
    if (Array.isArray(v) && s.items !== undefined) v.forEach((item, i) => walk(item, s.items, [...path, i]));
    else if (jsonType(v) === "object") {
      for (const [k, item] of Object.entries(v)) {
        const sub = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
        if (sub !== undefined) walk(item, sub, [...path, k]);
      }
    }
  };
  walk(value, schema, []);
  return nodes;
}

export const MUTATION_KINDS = [
  "drop-required",
  "drop-optional",
  "add-unknown",
  "change-type",
  "set-null",
  "break-format",
  "wrong-enum",
  "wrong-literal",
  "fractional-int",
];

/** One mutation: what to do, where (`pick`, taken modulo the candidates) and with what. */
export function mutationArb(root) {
  const probes = formatProbeArbs(root);
  return fc.record({
    kind: fc.constantFrom(...MUTATION_KINDS),
    pick: fc.nat(),
    alt: fc.nat(),
    key: stringArb,
    value: jsonArb,
    formats: fc.record(probes),
  });
}

const OTHER_TYPES = [null, true, 0, 1.5, "x", [], {}];
const EVENT_TYPE_ENUM = (root) => root.$defs?.EventType?.enum ?? [];

function setAt(envelope, path, value) {
  if (path.length === 0) return value;
  let parent = envelope;
  for (const key of path.slice(0, -1)) parent = parent[key];
  parent[path[path.length - 1]] = value;
  return envelope;
}

/**
 * Applies `mutation` to a deep copy of `envelope` and returns it; a mutation without a
 * candidate node (e.g. `wrong-enum` on an envelope without enums) returns the copy unchanged.
 */
export function applyMutation(root, envelope, mutation) {
  const copy = structuredClone(envelope);
  const nodes = schemaNodes(root, copy);
  const objectNodes = nodes.filter((n) => jsonType(n.value) === "object" && n.schema && n.schema !== true);
  const choose = (list) => (list.length === 0 ? undefined : list[mutation.pick % list.length]);
  const { alt } = mutation;
  switch (mutation.kind) {
    case "drop-required": {
      const n = choose(objectNodes.filter((x) => (x.schema.required ?? []).some((k) => k in x.value)));
      if (!n) return copy;
      const present = n.schema.required.filter((k) => k in n.value);
      delete n.value[present[alt % present.length]];
      return copy;
    }
    case "drop-optional": {
      const optional = (x) => Object.keys(x.schema.properties ?? {}).filter((k) => k in x.value && !(x.schema.required ?? []).includes(k));
      const n = choose(objectNodes.filter((x) => optional(x).length > 0));
      if (!n) return copy;
      const keys = optional(n);
      delete n.value[keys[alt % keys.length]];
      return copy;
    }
    case "add-unknown": {
      const n = choose(objectNodes.filter((x) => x.schema.additionalProperties === false));
      if (!n) return copy;
      const key = mutation.key in (n.schema.properties ?? {}) ? `${mutation.key}_unknown` : mutation.key;
      Object.defineProperty(n.value, key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
      return copy;
    }
    case "change-type": {
      const n = choose(nodes);
      const others = OTHER_TYPES.filter((v) => jsonType(v) !== jsonType(n.value));
      return setAt(copy, n.path, structuredClone(others[alt % others.length]));
    }
    case "set-null":
      return setAt(copy, choose(nodes).path, null);
    case "break-format": {
      const n = choose(nodes.filter((x) => x.schema && typeof x.schema.format === "string" && x.schema.format in mutation.formats));
      return n ? setAt(copy, n.path, mutation.formats[n.schema.format]) : copy;
    }
    case "wrong-enum": {
      const n = choose(nodes.filter((x) => x.schema && Array.isArray(x.schema.enum) && typeof x.value === "string"));
      if (!n) return copy;
      const options = [n.value.toLowerCase(), `${n.value}_X`, ` ${n.value}`, mutation.key, ...n.schema.enum];
      return setAt(copy, n.path, options[alt % options.length]);
    }
    case "wrong-literal": {
      const n = choose(nodes.filter((x) => x.schema && "const" in x.schema));
      if (!n) return copy;
      const c = n.schema.const;
      const options =
        typeof c === "string"
          ? [c.toLowerCase(), `${c}X`, mutation.key, ...(n.path.length === 1 && n.path[0] === "type" ? EVENT_TYPE_ENUM(root) : [])]
          : [mutation.value, !c, 1];
      return setAt(copy, n.path, options[alt % options.length]);
    }
    case "fractional-int": {
      const n = choose(nodes.filter((x) => x.schema && x.schema.type === "integer" && Number.isInteger(x.value)));
      return n ? setAt(copy, n.path, n.value + (alt % 2 === 0 ? 0.5 : -0.25)) : copy;
    }
    default:
      throw new Error(`unknown mutation ${mutation.kind}`);
  }
}
