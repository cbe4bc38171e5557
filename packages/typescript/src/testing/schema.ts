// Reading the shipped envelope JSON Schemas (generated/json-schemas.ts, a
// module wrapping schemas/envelope.schema.json of every shipped version):
// the version lookup and the few structural questions the testing kit asks
// (which class a node is, whether an `anyOf` is a nullable field or a
// union). Internal to ./testing; no validation rule lives here.
import { CONTRACTS_VERSION } from "../generated/constants.js";
import { ENVELOPE_SCHEMAS, type JsonSchema } from "../generated/json-schemas.js";

export type { JsonSchema };

/** The versions whose schemas this package ships: the current one first, then the released ones, newest first. */
export const SCHEMA_VERSIONS: readonly string[] = Object.freeze(Object.keys(ENVELOPE_SCHEMAS));

/** `version` checked against the shipped versions (the current one when `undefined`); throws naming them. */
export function knownVersion(version: string | undefined, what: string): string {
  if (version === undefined) return CONTRACTS_VERSION;
  if (typeof version !== "string" || !Object.hasOwn(ENVELOPE_SCHEMAS, version)) {
    throw new RangeError(
      `${what}: version ${JSON.stringify(version)} is not a contracts version this package ships; ` +
        `use one of ${SCHEMA_VERSIONS.join(", ")} (the current one and the released ones under schemas/history/)`,
    );
  }
  return version;
}

/** schemas/envelope.schema.json of `version` (already checked with `knownVersion`). */
export function envelopeSchema(version: string): JsonSchema {
  const schema = ENVELOPE_SCHEMAS[version];
  if (schema === undefined) throw new RangeError(`no envelope schema for contracts ${version}`);
  return schema;
}

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The schema at a local JSON Pointer reference (`#/$defs/Name`). */
export function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith("#")) throw new Error(`only local $ref are supported, got ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(node) || !Object.hasOwn(node, key)) throw new Error(`unresolvable $ref ${ref}`);
    node = node[key];
  }
  if (!isObject(node)) throw new Error(`$ref ${ref} is not a schema object`);
  return node;
}

/** `node` with every `$ref` followed. */
export function deref(root: JsonSchema, node: JsonSchema): JsonSchema {
  let current = node;
  for (let hops = 0; typeof current.$ref === "string"; hops++) {
    if (hops > 64) throw new Error(`$ref cycle at ${current.$ref}`);
    current = resolveRef(root, current.$ref);
  }
  return current;
}

/** The name of the class `node` refers to (`{"$ref": "#/$defs/Goal"}` whose target is an object with properties), else `undefined`. */
export function className(root: JsonSchema, node: JsonSchema): string | undefined {
  if (typeof node.$ref !== "string") return undefined;
  const match = /^#\/\$defs\/([^/]+)$/.exec(node.$ref);
  if (!match) return undefined;
  const target = deref(root, node);
  return target.type === "object" && isObject(target.properties) ? match[1] : undefined;
}

/** The members of an `anyOf` / `oneOf`, or `undefined`. */
export function members(node: JsonSchema): JsonSchema[] | undefined {
  const list = node.anyOf ?? node.oneOf;
  return Array.isArray(list) ? (list as JsonSchema[]) : undefined;
}

/** For `anyOf: [X, {type: "null"}]` (an optional field, or `X | null`): X; else `undefined`. */
export function nullableInner(node: JsonSchema): JsonSchema | undefined {
  const list = members(node);
  if (list === undefined || list.length !== 2) return undefined;
  const isNull = (m: JsonSchema) => m.type === "null" && Object.keys(m).every((k) => k === "type" || k === "description" || k === "title");
  if (isNull(list[1] as JsonSchema)) return list[0];
  if (isNull(list[0] as JsonSchema)) return list[1];
  return undefined;
}

/** The `$defs` name of every event type's envelope class, from the schema's `discriminator.mapping`. */
export function envelopeClasses(root: JsonSchema): Map<string, string> {
  const mapping = isObject(root.discriminator) ? root.discriminator.mapping : undefined;
  if (!isObject(mapping)) throw new Error("the envelope schema has no discriminator.mapping");
  const out = new Map<string, string>();
  for (const [type, ref] of Object.entries(mapping)) {
    const name = typeof ref === "string" ? /^#\/\$defs\/([^/]+)$/.exec(ref)?.[1] : undefined;
    if (name === undefined) throw new Error(`discriminator.mapping.${type} is not a local $defs reference`);
    out.set(type, name);
  }
  return out;
}
