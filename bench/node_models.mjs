// zod 4, valibot and TypeBox schemas equivalent to the producer-mode contract, generated
// from schemas/ir.json at bench time (never written by hand, so they follow the
// contract):
// - every class -> a strict object (unknown fields rejected, producer mode);
// - the envelope union -> a discriminated union on `type`, ChatMessage.content
//   -> on `kind`; `optional` -> nullish (absent or null); enums -> string enums;
// - Uuid -> the canonical lowercase pattern, Timestamp -> ISO date-time with an
//   offset, IsoDate -> ISO date; int -> a safe integer; contracts_version -> the
//   literal CONTRACTS_VERSION.
// `checkVectors` lists every producer-mode vector where a schema's verdict
// differs from the contract's (BENCHMARKS.md explains each).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function generate(ir, version, lib) {
  const enums = new Map(ir.enums.map((e) => [e.name, e.values.map((v) => v.name)]));
  const aliases = new Map(ir.type_aliases.map((a) => [a.name, a.type]));
  const classes = new Map(ir.classes.map((c) => [c.name, c]));
  const built = new Map();
  const discriminator = (members) => {
    const first = classes.get(members[0].name);
    return first.fields.find((f) => f.type.kind === "literal").name;
  };
  const type = (t) => {
    switch (t.kind) {
      case "primitive":
        return lib[t.name]();
      case "literal":
        return lib.literal(t.value);
      case "optional":
        return lib.nullish(type(t.inner));
      case "list":
        return lib.array(type(t.items));
      case "map":
        return lib.record(type(t.key), type(t.value));
      case "union":
        return lib.tagged(
          discriminator(t.members),
          t.members.map((m) => type(m)),
        );
      case "named":
        if (t.name === "Uuid") return lib.uuid();
        if (t.name === "Timestamp") return lib.timestamp();
        if (t.name === "IsoDate") return lib.date();
        if (enums.has(t.name)) return lib.enum(enums.get(t.name));
        if (aliases.has(t.name)) return type(aliases.get(t.name));
        return cls(t.name);
      default:
        throw new Error(`unknown IR kind ${t.kind}`);
    }
  };
  const cls = (name) => {
    if (!built.has(name)) {
      const shape = {};
      for (const f of classes.get(name).fields) {
        shape[f.name] = f.name === "contracts_version" ? lib.literal(version) : type(f.type);
      }
      built.set(name, lib.object(shape));
    }
    return built.get(name);
  };
  return type(aliases.get("EventEnvelope"));
}

/** The zod 4 schema of EventEnvelope. */
export function zodSchema(z, ir, version) {
  return generate(ir, version, {
    string: () => z.string(),
    int: () => z.int(),
    float: () => z.number(),
    bool: () => z.boolean(),
    literal: (v) => z.literal(v),
    nullish: (s) => s.nullish(),
    array: (s) => z.array(s),
    record: (k, s) => z.record(k, s),
    tagged: (key, members) => z.discriminatedUnion(key, members),
    uuid: () => z.string().regex(UUID),
    timestamp: () => z.iso.datetime({ offset: true }),
    date: () => z.iso.date(),
    enum: (values) => z.enum(values),
    object: (shape) => z.strictObject(shape),
  });
}

/** The valibot schema of EventEnvelope. */
export function valibotSchema(v, ir, version) {
  return generate(ir, version, {
    string: () => v.string(),
    int: () => v.pipe(v.number(), v.safeInteger()),
    float: () => v.number(),
    bool: () => v.boolean(),
    literal: (x) => v.literal(x),
    nullish: (s) => v.nullish(s),
    array: (s) => v.array(s),
    record: (k, s) => v.record(k, s),
    tagged: (key, members) => v.variant(key, members),
    uuid: () => v.pipe(v.string(), v.regex(UUID)),
    timestamp: () => v.pipe(v.string(), v.isoTimestamp()),
    date: () => v.pipe(v.string(), v.isoDate()),
    enum: (values) => v.picklist(values),
    object: (shape) => v.strictObject(shape),
  });
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The TypeBox schema of EventEnvelope, for `TypeCompiler.Compile` (straight-line
 * code, like the portable validator; TypeBox has no discriminated union, so
 * unions are tried member by member). TypeBox has no calendar check for dates:
 * the patterns check the shape only.
 */
export function typeboxSchema(Type, ir, version) {
  return generate(ir, version, {
    string: () => Type.String(),
    int: () => Type.Integer(),
    float: () => Type.Number(),
    bool: () => Type.Boolean(),
    literal: (x) => Type.Literal(x),
    nullish: (s) => Type.Optional(Type.Union([s, Type.Null()])),
    array: (s) => Type.Array(s),
    record: (k, s) => Type.Record(k, s),
    tagged: (_key, members) => Type.Union(members),
    uuid: () => Type.String({ pattern: UUID.source }),
    timestamp: () => Type.String({ pattern: TIMESTAMP.source }),
    date: () => Type.String({ pattern: DATE.source }),
    enum: (values) => Type.Union(values.map((value) => Type.Literal(value))),
    object: (shape) => Type.Object(shape, { additionalProperties: false }),
  });
}

/** Why a JSON.parse-based validator's verdict differs from the contract's on one vector. */
export function explain(vector, text, accepted) {
  const codes = new Set(vector.expect.issues.map((i) => i.code));
  if (codes.has("unsupported_version") && accepted)
    return "contracts_version: the JSON Schema has a SemVer pattern only; the producer-mode equality is the validator's (documented)";
  if (vector.expect.valid && /\d{16,}/.test(text))
    return "int near the i64 limit: JSON.parse rounds it above 2^53 and the safe-integer check rejects it";
  if (vector.expect.valid && /\d[tT]\d.*[zZ]|-00:00/.test(text) && /\dt\d|\dz"/.test(text))
    return "date-time: lower-case `t`/`z` (RFC 3339 5.6 allows them) rejected by this library";
  if (codes.has("duplicate_key")) return "duplicate keys: JSON.parse keeps the last value, the contract rejects them";
  if (text.startsWith("\uFEFF")) return "BOM: the contract skips a leading UTF-8 BOM, JSON.parse rejects it";
  if (codes.has("invalid_timestamp")) return "date-time: this library's ISO date-time check accepts this form";
  if (codes.has("invalid_date")) return "date: this library's ISO date check accepts this form (no calendar check)";
  if (vector.expect.valid && /:60/.test(text)) return "leap second: the contract accepts 23:59:60 UTC, this library does not";
  if (codes.has("wrong_type") && accepted) return "int above i64: JSON.parse rounds it to a double that passes the int check";
  if (vector.expect.valid && /\d\.0\b|\de\d/.test(text))
    return "integral float for an int (`1.0`, `1e3`): JSON.parse gives an integer too; differs only in text";
  if (codes.has("too_deep")) return "depth: no nesting limit";
  return `unexplained (${accepted ? "accepted" : "rejected"}; contract: ${[...codes].join(",") || "valid"})`;
}

/** Producer-mode vectors (without target_version) where `accepts(text)` differs from the contract. */
export function checkVectors(vectors, accepts) {
  const diffs = [];
  for (const vector of vectors) {
    if (vector.mode !== "producer" || vector.target_version) continue;
    const text = typeof vector.input_text === "string" ? vector.input_text : JSON.stringify(vector.input);
    let accepted;
    try {
      accepted = accepts(text);
    } catch {
      accepted = false;
    }
    if (accepted !== vector.expect.valid) diffs.push(`${vector.file}: ${explain(vector, text, accepted)}`);
  }
  return diffs;
}
