// Deterministic valid examples of every event envelope, class and enum, for
// application tests: the data is the compiler's (generated/examples.ts, built
// from the IR by `contracts gen`, the same examples the Python package
// ships); this module merges a test's overrides into a copy and checks the
// result with the portable validator, so an example can never drift from the
// contracts it claims to follow.
import { EnvelopeValidationError } from "../contracts.js";
import type { EnvelopeOf, PayloadOf, ValidationIssue } from "../contracts.js";
import type { EventMeta, EventType } from "../baml_client/types.js";
import { CONTRACTS_VERSION } from "../generated/constants.js";
import { EXAMPLES, type VersionExamples } from "../generated/examples.js";
import type { DtoTypes, EnumTypes } from "../generated/json-schemas.js";
import { check } from "../portable/check.js";
import { resolveOptions } from "../portable/options.js";
import { className, envelopeClasses, envelopeSchema, isObject, knownVersion, members, type JsonSchema } from "./schema.js";

export type { DtoTypes, EnumTypes };

/** The contracts version of this package, as a literal type (`"0.2.0"`). */
export type CurrentVersion = typeof CONTRACTS_VERSION;

/** An event type, as the enum or its string value. */
export type EventTypeName = EventType | `${EventType}`;

/** A class name of the current contracts (`"SessionSummary"`, …). */
export type DtoName = keyof DtoTypes;

/** An enum name of the current contracts (`"UserRole"`, …). */
export type EnumName = keyof EnumTypes;

/**
 * `T` with every field optional, recursively, the way overrides are merged:
 * objects merge field by field; arrays (and everything else) replace the
 * example's value whole, so an array override holds complete elements. Enum
 * fields take the enum or its string value (`UserRole.COACH` or `"COACH"`).
 * A field set to `undefined` is removed from the example.
 */
export type DeepPartial<T> = T extends string
  ? T | `${T}`
  : T extends readonly (infer U)[]
    ? Loose<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
      : T;

/** `T` (complete) with enum fields that also take their string values. */
export type Loose<T> = T extends string
  ? T | `${T}`
  : T extends readonly (infer U)[]
    ? Loose<U>[]
    : T extends object
      ? { [K in keyof T]: Loose<T[K]> }
      : T;

/** An envelope of a released (older) contracts version: what a client of that version receives. */
export interface ReleasedEnvelope {
  type: string;
  contracts_version: string;
  payload: Record<string, unknown>;
  meta: Record<string, unknown>;
}

/** What `exampleEnvelope` merges into the example of one event type. */
export interface EnvelopeOverrides<T extends EventTypeName> {
  /** Merged into the example payload (deeply; arrays replace). */
  payload?: DeepPartial<PayloadOf<T>> | undefined;
  /** Merged into the example `meta` (`{event_id, timestamp}`); `undefined` removes a field. */
  meta?: { [K in keyof EventMeta]?: EventMeta[K] | undefined } | undefined;
}

/** The overrides of a released version's envelope: untyped, checked at run time against that version. */
export interface ReleasedEnvelopeOverrides {
  payload?: Record<string, unknown> | undefined;
  meta?: Record<string, unknown> | undefined;
}

/** Options of `exampleEnvelope` / `exampleDto` / `exampleEnum`. */
export interface ExampleOptions<V extends string = CurrentVersion> {
  /**
   * The contracts version: this package's (the default) or an earlier release
   * it ships (see `exampleVersions()`), for what a client of that version
   * receives; the result then carries that `contracts_version` and is checked
   * against that release's contracts.
   */
  version?: V;
}

type IsCurrent<V extends string> = [V] extends [CurrentVersion] ? true : false;

/** What `exampleEnvelope` returns: `EnvelopeOf<T>` for this version, `ReleasedEnvelope` for an earlier one. */
export type ExampleEnvelope<T extends EventTypeName, V extends string> = IsCurrent<V> extends true ? EnvelopeOf<T> : ReleasedEnvelope;

/** The overrides `exampleEnvelope` takes for `V`. */
export type ExampleEnvelopeOverrides<T extends EventTypeName, V extends string> = IsCurrent<V> extends true
  ? EnvelopeOverrides<T>
  : ReleasedEnvelopeOverrides;

/** What `exampleDto` returns: the class's type for this version, a plain record for an earlier one. */
export type ExampleDto<N extends DtoName, V extends string> = IsCurrent<V> extends true ? DtoTypes[N] : Record<string, unknown>;

/** The overrides `exampleDto` takes for `V`. */
export type ExampleDtoOverrides<N extends DtoName, V extends string> = IsCurrent<V> extends true
  ? DeepPartial<DtoTypes[N]>
  : Record<string, unknown>;

/** The contracts versions the examples cover: this package's first, then the released ones it ships, newest first. */
export function exampleVersions(): string[] {
  return Object.keys(EXAMPLES.versions);
}

/**
 * A valid producer envelope of `type`, with `overrides` merged in: the
 * compiler's example (required fields only, one element per list,
 * `meta: {event_id, timestamp}` fixed per event type, so equal across runs)
 * as a fresh copy, checked with the portable validator. An override of the
 * wrong type does not compile; one that breaks a rule the types cannot see
 * (a malformed UUID, a timestamp without offset, a removed required field)
 * throws `EnvelopeValidationError` with the issues.
 *
 * ```ts
 * const ready = exampleEnvelope("SESSION_SUMMARY_READY", {
 *   payload: { content: { headline: "A good session" } },
 *   meta: { correlation_id: "0192f0c1-7a52-7cc3-8d1e-00000000c0de" },
 * });
 * ready.payload.content.headline; // "A good session"
 * // What a tab still on an earlier release receives:
 * const old = exampleEnvelope("SESSION_SUMMARY_READY", {}, { version: "0.1.0" });
 * ```
 */
export function exampleEnvelope<T extends EventTypeName, V extends string = CurrentVersion>(
  type: T,
  overrides?: ExampleEnvelopeOverrides<T, V>,
  options?: ExampleOptions<V>,
): ExampleEnvelope<T, V> {
  const version = knownVersion(options?.version, "exampleEnvelope");
  const examples = versionExamples(version);
  const base = Object.hasOwn(examples.events, type) ? examples.events[type] : undefined;
  if (typeof type !== "string" || base === undefined) {
    throw new RangeError(
      `exampleEnvelope: ${JSON.stringify(type)} is not an event type of contracts ${version}; ` +
        `use one of ${Object.keys(examples.events).join(", ")}`,
    );
  }
  const envelope = merge(base, pick(overrides, ["payload", "meta"], "exampleEnvelope"));
  const issues = validate(envelope, version);
  if (issues.length > 0) throw new EnvelopeValidationError(issues);
  return envelope as ExampleEnvelope<T, V>;
}

/**
 * A valid object of the class `name` (required fields only), with
 * `overrides` merged in (deeply; arrays replace), as a fresh copy. Typed by
 * the class name: a wrong override does not compile.
 *
 * It is checked with the portable validator, which validates envelopes: the
 * object is placed where an event carries its class (the example envelope of
 * the nearest event that nests it) and the issues come back with paths
 * relative to the object. A class that no event carries (the output of a
 * BAML function that is never broadcast, e.g. `ActionItemExtraction`) is
 * type-checked only.
 *
 * ```ts
 * const summary = exampleDto("SessionSummary", { content: { sentiment: "POSITIVE" } });
 * const item = exampleDto("ActionItemDraft", { priority: Priority.HIGH });
 * ```
 */
export function exampleDto<N extends DtoName, V extends string = CurrentVersion>(
  name: N,
  overrides?: ExampleDtoOverrides<N, V>,
  options?: ExampleOptions<V>,
): ExampleDto<N, V> {
  const version = knownVersion(options?.version, "exampleDto");
  const examples = versionExamples(version);
  const base = Object.hasOwn(examples.classes, name) ? examples.classes[name] : undefined;
  if (typeof name !== "string" || base === undefined) {
    throw new RangeError(
      `exampleDto: ${JSON.stringify(name)} is not a class of contracts ${version}; ` +
        `use one of ${Object.keys(examples.classes).join(", ")}`,
    );
  }
  if (overrides !== undefined && !isObject(overrides)) {
    throw new TypeError(`exampleDto: overrides must be an object of fields, got ${describe(overrides)}`);
  }
  const dto = merge(base, overrides);
  const host = hostsOf(version).get(name);
  if (host !== undefined) {
    const issues = validate(host.place(dto), version);
    if (issues.length > 0) {
      const error = new EnvelopeValidationError(issues.map((i) => rebase(i, host.pointer)));
      error.message = error.message.replace(/^invalid envelope/, `invalid ${name}`);
      throw error;
    }
  }
  return dto as ExampleDto<N, V>;
}

/**
 * The example value of the enum `name`: its first value.
 *
 * ```ts
 * exampleEnum("UserRole"); // UserRole.CLIENT ("CLIENT")
 * ```
 */
export function exampleEnum<N extends EnumName>(name: N, options?: ExampleOptions<string>): EnumTypes[N] {
  const version = knownVersion(options?.version, "exampleEnum");
  const examples = versionExamples(version);
  const value = Object.hasOwn(examples.enums, name) ? examples.enums[name] : undefined;
  if (typeof name !== "string" || value === undefined) {
    throw new RangeError(
      `exampleEnum: ${JSON.stringify(name)} is not an enum of contracts ${version}; use one of ${Object.keys(examples.enums).join(", ")}`,
    );
  }
  return value as EnumTypes[N];
}

// ---------------------------------------------------------------------------

function versionExamples(version: string): VersionExamples {
  const examples = EXAMPLES.versions[version];
  if (examples === undefined) {
    throw new RangeError(`no examples of contracts ${version}; this package has examples of ${exampleVersions().join(", ")}`);
  }
  return examples;
}

/** The issues of `envelope` in producer mode against `version` (the current one or a released one). */
function validate(envelope: unknown, version: string): ValidationIssue[] {
  const options = version === CONTRACTS_VERSION ? undefined : { targetVersion: version };
  return check(envelope, resolveOptions(options)).issues;
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** `overrides` checked to be an object with only `keys`. */
function pick(overrides: unknown, keys: readonly string[], what: string): Record<string, unknown> | undefined {
  if (overrides === undefined) return undefined;
  if (!isObject(overrides)) throw new TypeError(`${what}: overrides must be an object like {payload: {...}, meta: {...}}, got ${describe(overrides)}`);
  for (const key of Object.keys(overrides)) {
    if (!keys.includes(key)) {
      throw new TypeError(`${what}: unknown override ${JSON.stringify(key)}; overrides take ${keys.join(" and ")} (pass {version} as the third argument)`);
    }
    const value = overrides[key];
    if (value !== undefined && !isObject(value)) throw new TypeError(`${what}: overrides.${key} must be an object of fields, got ${describe(value)}`);
  }
  return overrides;
}

/** Sets an own property (also `__proto__`, which plain assignment would not). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain object (`{}` or `Object.create(null)`), not a `Date`, a `Map`, a class instance. */
function isPlain(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain objects and arrays; anything else as it is (the validator reports what JSON cannot carry). */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) put(out, key, copy(item));
  return out;
}

/** `override` merged into a copy of `base`: objects field by field, anything else replaces; `undefined` removes the field. */
function merge(base: unknown, override: unknown): unknown {
  if (override === undefined) return copy(base);
  if (!isPlain(base) || !isPlain(override)) return copy(override);
  const out = copy(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) delete out[key];
    else put(out, key, merge(Object.hasOwn(out, key) ? out[key] : undefined, value));
  }
  return out;
}

/** An issue of the host envelope with its path made relative to the object placed at `pointer`. */
function rebase(issue: ValidationIssue, pointer: string): ValidationIssue {
  if (pointer === "") return issue;
  if (issue.path === pointer) return { ...issue, path: "" };
  if (issue.path.startsWith(`${pointer}/`)) return { ...issue, path: issue.path.slice(pointer.length) };
  return issue;
}

/** Where an event envelope carries a class: the JSON Pointer of the object, and the envelope around a given object. */
interface Host {
  readonly pointer: string;
  readonly place: (value: unknown) => unknown;
}

const HOSTS = new Map<string, Map<string, Host>>();

const escape = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * For every class an event carries, the nearest place (breadth first from the
 * envelopes) to put an object of it, inside the examples of that version:
 * a field, a list's only element, a map's only entry, a union member.
 */
function hostsOf(version: string): Map<string, Host> {
  const cached = HOSTS.get(version);
  if (cached !== undefined) return cached;
  const root = envelopeSchema(version);
  const examples = versionExamples(version);
  const defs = (isObject(root.$defs) ? root.$defs : {}) as Record<string, JsonSchema>;
  const hosts = new Map<string, Host>();
  const queue: { name: string; base: unknown; host: Host }[] = [];
  const reach = (name: string, base: unknown, host: Host) => {
    if (hosts.has(name)) return;
    hosts.set(name, host);
    queue.push({ name, base, host });
  };
  for (const [type, envelopeClass] of envelopeClasses(root)) {
    reach(envelopeClass, examples.events[type], { pointer: "", place: (value) => value });
  }
  const visit = (node: JsonSchema, host: Host): void => {
    const name = className(root, node);
    if (name !== undefined) {
      reach(name, examples.classes[name], host);
      return;
    }
    if (node.$ref !== undefined) return; // an enum or a string alias
    const union = members(node);
    if (union !== undefined) {
      for (const member of union) visit(member, host);
      return;
    }
    if (node.type === "array" && isObject(node.items)) {
      visit(node.items, { pointer: `${host.pointer}/0`, place: (value) => host.place([value]) });
    } else if (node.type === "object" && isObject(node.additionalProperties)) {
      visit(node.additionalProperties, { pointer: `${host.pointer}/key`, place: (value) => host.place({ key: value }) });
    }
  };
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { name, base, host } = next;
    const properties = defs[name]?.properties;
    if (!isObject(properties) || !isObject(base)) continue;
    for (const [field, node] of Object.entries(properties)) {
      if (!isObject(node)) continue;
      visit(node, {
        pointer: `${host.pointer}/${escape(field)}`,
        place: (value) => {
          const object = { ...base };
          put(object, field, value);
          return host.place(object);
        },
      });
    }
  }
  HOSTS.set(version, hosts);
  return hosts;
}
