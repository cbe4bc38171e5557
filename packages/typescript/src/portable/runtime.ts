// The hand-written half of the portable (JavaScript) validator: the leaf
// checks (UUID, timestamp, date, integer, version), the issue collector and
// the object-key helpers. Everything type-specific is generated from the IR
// into ../generated/validator.ts by `contracts gen`.
//
// Every rule here mirrors one in crates/contracts-core (rules.rs for the leaf
// checks, validate.rs for the messages and the walk); the shared vectors and
// the differential test against the native core prove they agree. Nothing in
// this file may import from `node:` or use Node-only globals: it runs in
// browsers, Web Workers, Deno, Bun and edge runtimes.

// The issue codes: generated from contracts-core's `IssueCode` enum.
import type { IssueCode } from "../generated/issue-codes.js";

export type { IssueCode };

/** A JSON object as the walk reads it: own enumerable string keys. */
export type Obj = { [key: string]: unknown };

/** One problem: `{path (JSON Pointer), code, message}`. */
export interface Issue {
  path: string;
  code: IssueCode;
  message: string;
}

/** The validator of one contracts version, generated from its IR. */
export interface Registry {
  /** The contracts version (`MAJOR.MINOR.PATCH`). */
  readonly version: string;
  /** Every event type, in `EventType` declaration order. */
  readonly eventTypes: readonly string[];
  /** The payload class of an event type, `undefined` when unknown. */
  readonly payloadClass: (eventType: string) => string | undefined;
  /** The fast path: is `value` a valid envelope? */
  readonly isEnvelope: (value: unknown, x: Ctx) => boolean;
  /** The explaining path: push every issue of `value` into `x`. */
  readonly explainEnvelope: (value: unknown, x: Ctx) => void;
  /** True when a valid envelope can nest deeper than the JSON parser's limit (recursive types). */
  readonly needsNestingScan: boolean;
}

/**
 * The JSON parser of the core (serde_json) refuses input nesting 128 or more
 * arrays/objects; the whole input is then one `too_deep` issue at `""`.
 */
export const MAX_NESTING = 127;

/** The state of one validation: options, and the issues found so far. */
export class Ctx {
  readonly issues: Issue[] = [];
  /** Consumer mode: an object had keys the contract does not declare, whose values were not walked. */
  unvisited = false;
  /**
   * An array or object was reported (or left aside) without being walked into.
   * Only then can nesting the walk did not see make the input too deep.
   */
  skipped = false;

  constructor(
    readonly producer: boolean,
    readonly maxDepth: number,
    readonly maxIssues: number,
    /**
     * The explaining walk's way down: at index `d`, the step into the array or
     * object it entered at depth `d`: a field or map key as it reads in a
     * pointer (`"/name"`, escaped), or a list index. Recording a step is one
     * store; pointers are joined from the steps only for an issue (`at`), so
     * valid values cost no strings.
     */
    readonly keys: (string | number)[] = [""],
  ) {}

  /** The pointers `at` built last, by depth (valid up to `builtDepth`), and the steps they were built from. */
  private readonly built: string[] = [""];
  private readonly builtKeys: (string | number)[] = [""];
  private builtDepth = 0;

  /**
   * The JSON Pointer of the value the walk entered at depth `d`, followed by
   * `last`. Issues come in runs under the same parent, so the longest prefix
   * built last whose steps are unchanged is reused.
   */
  at(d: number, last = ""): string {
    const { keys, built, builtKeys } = this;
    const reusable = d < this.builtDepth ? d : this.builtDepth;
    let i = 1;
    while (i <= reusable && builtKeys[i] === keys[i]) i++;
    if (i <= d) {
      let path = built[i - 1] as string;
      for (; i <= d; i++) {
        const key = keys[i] as string | number;
        path += typeof key === "string" ? key : itemStep(key);
        built[i] = path;
        builtKeys[i] = key;
      }
      this.builtDepth = d; // deeper pointers were built under steps that just changed
    }
    return (built[d] as string) + last;
  }

  full(): boolean {
    return this.issues.length >= this.maxIssues;
  }

  push(path: string, code: IssueCode, message: string): void {
    if (this.issues.length < this.maxIssues) this.issues.push({ path, code, message });
  }

  /** A fresh collector with the same options, for trying one member of a union. */
  trial(): Ctx {
    return new Ctx(this.producer, this.maxDepth, this.maxIssues, this.keys);
  }

  /** The union member tried with `trial` matched: keep what it noted. */
  matched(trial: Ctx): void {
    if (trial.unvisited) this.unvisited = true;
    if (trial.skipped) this.skipped = true;
  }

  /** `value` is not walked into. */
  skip(value: unknown): void {
    if (typeof value === "object" && value !== null) this.skipped = true;
  }

  deep(path: string, value: unknown): void {
    this.skip(value);
    this.push(path, "too_deep", `nesting deeper than ${this.maxDepth} levels`);
  }

  wrong(path: string, value: unknown, expected: string): void {
    this.skip(value);
    this.push(path, "wrong_type", `expected ${expected}, got ${typeName(value)}`);
  }

  notObject(path: string, value: unknown, className: string): void {
    this.skip(value);
    this.push(path, "not_an_object", `expected a ${className} object, got ${typeName(value)}`);
  }

  notEnvelope(value: unknown): void {
    this.skip(value);
    this.push(
      "",
      "not_an_object",
      `an envelope must be a JSON object with type, contracts_version, payload and meta; got ${typeName(value)}`,
    );
  }

  /**
   * No member of a union matched: report the member that came closest (the
   * fewest issues, the first on a tie), or one `wrong_type` at the union
   * when that member's only issue is about the value itself.
   */
  union(best: Ctx | undefined, path: string, value: unknown, expected: string): void {
    const first = best?.issues[0];
    if (best === undefined || (best.issues.length === 1 && first !== undefined && first.path === path)) {
      this.skip(value);
      this.push(path, "wrong_type", `expected one of ${expected}, got ${typeName(value)}`);
      return;
    }
    this.matched(best); // what the closest member did not walk, the walk did not see
    for (const issue of best.issues) this.push(issue.path, issue.code, issue.message);
  }
}

// ---- values and keys --------------------------------------------------------

/** A JSON object: not `null`, not an array. */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An own property, for names that `Object.prototype` also has (`constructor`, …). */
export function own(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * The fast path's check that `o` has no keys besides the `n` declared ones
 * it found: counting keys is cheap, and only a mismatch looks closer. A key
 * whose value is `undefined` counts as absent (as in `JSON.stringify`). In
 * consumer mode an undeclared key is allowed, but noted (its value was not
 * walked).
 */
export function keysMatch(o: Obj, n: number, x: Ctx, declared: (key: string) => boolean): boolean {
  let count = 0;
  for (const _ in o) count++;
  if (count === n) return true;
  for (const key of Object.keys(o)) {
    if (o[key] === undefined || declared(key)) continue;
    if (x.producer) return false;
    x.unvisited = true;
  }
  return true;
}

/** The fast path for a class with only optional fields at the depth limit: valid when no field is present. */
export function bareAtLimit(o: Obj, x: Ctx, declared: (key: string) => boolean): boolean {
  for (const key of Object.keys(o)) {
    if (o[key] === undefined) continue;
    if (declared(key) || x.producer) return false;
    x.unvisited = true;
  }
  return true;
}

/**
 * The fields of a class, in declaration order: the name, its pointer step
 * (`"/name"`, escaped), the `missing_field` message of a required field (`null`
 * when optional), and `true` when the name is also an `Object.prototype`
 * property (read as an own property).
 */
export type Fields = readonly (readonly [name: string, step: string, missing: string | null, own?: boolean])[];

/**
 * The explaining walk of a class value at the depth limit: a required field
 * that is missing is reported as missing, every present field as too deep,
 * then the undeclared keys.
 */
export function deepFields(
  o: Obj,
  d: number,
  x: Ctx,
  fields: Fields,
  declared: (key: string) => boolean,
  className: string,
  fieldList: string,
): void {
  let n = 0;
  for (const [name, step, missing, isOwn] of fields) {
    const t = isOwn === true ? own(o, name) : o[name];
    if (t !== undefined) {
      n++;
      x.deep(x.at(d, step), t);
    } else if (missing !== null) x.push(x.at(d, step), "missing_field", missing);
  }
  unknownFields(o, n, d, x, declared, className, fieldList);
}

/** The four fields of an envelope. */
export function isEnvelopeKey(key: string): boolean {
  return key === "type" || key === "contracts_version" || key === "payload" || key === "meta";
}

/**
 * The undeclared keys of a class value at depth `d` that has `n` declared
 * fields present (only a key count that differs looks at the keys): an
 * `unknown_field` issue each in producer mode; in consumer mode they are
 * allowed, and noted (their values were not walked).
 */
export function unknownFields(
  o: Obj,
  n: number,
  d: number,
  x: Ctx,
  declared: (key: string) => boolean,
  className: string,
  fieldList: string,
): void {
  let count = 0;
  for (const _ in o) count++;
  if (count === n) return;
  for (const key of Object.keys(o)) {
    const value = o[key];
    if (value === undefined || declared(key)) continue;
    if (!x.producer) {
      x.unvisited = true;
      return;
    }
    x.skip(value);
    x.push(pointer(x.at(d), key), "unknown_field", `unknown field \`${key}\` in ${className}; it declares ${fieldList}`);
  }
}

/**
 * The keys of the envelope besides its four, of which `defined` are present:
 * an `unknown_field` issue each in producer mode; in consumer mode they are
 * allowed, and noted (their values were not walked).
 */
export function envelopeKeys(o: Obj, defined: number, x: Ctx): void {
  let count = 0;
  for (const _ in o) count++;
  if (count === defined) return;
  for (const key of Object.keys(o)) {
    if (o[key] === undefined || isEnvelopeKey(key)) continue;
    if (!x.producer) {
      x.unvisited = true;
      return;
    }
    x.skip(o[key]);
    x.push(
      pointer("", key),
      "unknown_field",
      `unknown envelope field \`${key}\`; an envelope has only type, contracts_version, payload and meta`,
    );
  }
}

const ITEM_STEPS: string[] = [];

/** `"/" + i`, made once per index (paths of list items repeat across issues and inputs). */
function itemStep(i: number): string {
  if (i >= 1024) return "/" + String(i);
  while (ITEM_STEPS.length <= i) ITEM_STEPS.push("/" + String(ITEM_STEPS.length));
  return ITEM_STEPS[i] as string;
}

/** Appends `key` to a JSON Pointer, escaping `~` and `/` (RFC 6901). */
export function pointer(path: string, key: string): string {
  return path + "/" + token(key);
}

/** `key` as a JSON Pointer reference token (a loop: `indexOf` costs more on short keys). */
function token(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x7e || c === 0x2f) return key.replaceAll("~", "~0").replaceAll("/", "~1");
  }
  return key;
}

/** True when `root` nests more arrays/objects than the core's JSON parser accepts. */
export function nestsTooDeep(root: unknown): boolean {
  return typeof root === "object" && root !== null && deeper(root, 1);
}

/** `container` sits at nesting `depth`; recursion stops at the limit, so cycles end too. */
function deeper(container: object, depth: number): boolean {
  if (depth > MAX_NESTING) return true;
  if (Array.isArray(container)) {
    for (const item of container as unknown[]) {
      if (typeof item === "object" && item !== null && deeper(item, depth + 1)) return true;
    }
    return false;
  }
  const o = container as Obj;
  for (const key in o) {
    const value = o[key];
    if (typeof value === "object" && value !== null && deeper(value, depth + 1)) return true;
  }
  return false;
}

/** How the messages name a value's JSON type (as the core does), and what JSON cannot carry. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case "string":
      return "a string";
    case "boolean":
      return "a boolean";
    case "number":
      return Number.isFinite(v) ? "a number" : `${String(v)}, which is not a JSON number`;
    case "object":
      return v === null ? "null" : Array.isArray(v) ? "an array" : "an object";
    case "undefined":
      return "undefined, which is not a JSON value";
    default:
      return `a ${typeof v}, which is not a JSON value`;
  }
}

/** True when Rust's `{:?}` shows `s` as it is between the quotes (a loop: cheaper than a regular expression on short strings). */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0x7f && c < 0xa0) || (c >= 0xd800 && c < 0xe000)) return false;
  }
  return true;
}

/** A string quoted and escaped the way the core's messages show it (Rust's `{:?}`). */
export function debug(s: string): string {
  if (plain(s)) return '"' + s + '"';
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c === 0) out += "\\0";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0xd800 && c < 0xe000)) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out + '"';
}


// ---- leaf checks (contracts-core: rules.rs) ---------------------------------

/** The largest magnitude the core takes for an integral float: it must fit an `i64`. */
const INT_LIMIT = 9.2e18;

/** A JSON number with no fractional part within `i64` range (`1.0` is an int). */
export function isInt(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && Math.abs(v) < INT_LIMIT;
}

/** A finite number (JSON has no NaN or Infinity). */
export function isFloat(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex, the one form producers emit. */
export function isUuid(v: unknown): boolean {
  return typeof v === "string" && UUID.test(v);
}

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return day <= (leap ? 29 : 28);
  }
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/** `YYYY-MM-DD` from index 0 of `s` is a real (proleptic Gregorian) calendar date. */
function datePrefix(s: string): boolean {
  const century = twoDigits(s, 0);
  const years = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  return (
    century >= 0 &&
    years >= 0 &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    isCalendarDate(century * 100 + years, month, day)
  );
}

/** `YYYY-MM-DD` with exactly these digits, and a real calendar date. */
export function isIsoDate(v: unknown): boolean {
  return typeof v === "string" && v.length === 10 && datePrefix(v);
}

/**
 * RFC 3339 `full-date ("T"|"t") full-time`: `HH:MM:SS`, an optional fraction of
 * one or more digits, then `Z`/`z` or `±HH:MM` (at most ±23:59). `:60` is only
 * a leap second at 23:59 UTC. Parsed by hand: a regular expression with
 * captures costs more than the whole rest of an envelope.
 */
export function isTimestamp(v: unknown): boolean {
  if (typeof v !== "string" || v.length < 20 || !datePrefix(v)) return false;
  const t = v.charCodeAt(10);
  if (t !== 84 && t !== 116) return false;
  const hour = twoDigits(v, 11);
  const minute = twoDigits(v, 14);
  const second = twoDigits(v, 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  if (v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return false;
  let i = 19;
  if (v.charCodeAt(i) === 46) {
    i++;
    if (!isDigit(v, i)) return false;
    while (isDigit(v, i)) i++;
  }
  const sign = v.charCodeAt(i);
  let offset = 0;
  if (sign === 90 || sign === 122) {
    if (i + 1 !== v.length) return false;
  } else if (sign === 43 || sign === 45) {
    const offsetHours = twoDigits(v, i + 1);
    const offsetMinutes = twoDigits(v, i + 4);
    if (i + 6 !== v.length || v.charCodeAt(i + 3) !== 58 || offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) {
      return false;
    }
    offset = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  } else {
    return false;
  }
  if (second !== 60) return true;
  const utc = (((hour * 60 + minute - offset) % 1440) + 1440) % 1440;
  return utc === 23 * 60 + 59;
}

const U64_MAX = "18446744073709551615";

/** The MAJOR of `MAJOR.MINOR.PATCH` (pre-release/build suffixes ignored) without leading zeros, or `undefined`. */
export function versionMajor(v: string): string | undefined {
  const dash = v.search(/[-+]/);
  const parts = (dash === -1 ? v : v.slice(0, dash)).split(".");
  if (parts.length !== 3) return undefined;
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return undefined;
    const digits = part.replace(/^0+(?=\d)/, "");
    if (digits.length > U64_MAX.length || (digits.length === U64_MAX.length && digits > U64_MAX)) return undefined;
  }
  return (parts[0] ?? "").replace(/^0+(?=\d)/, "");
}

/** Why an envelope may not carry `version` when validated against the contracts `ours`, or `undefined`. */
export function versionProblem(version: string, producer: boolean, ours: string): string | undefined {
  if (producer) {
    if (version === ours) return undefined;
    return `producers must emit contracts_version ${debug(ours)}; got ${debug(version)} (set it from CONTRACTS_VERSION, or pass target_version for an older client)`;
  }
  if (version === ours) return undefined;
  const major = versionMajor(version);
  if (major === undefined) return `contracts_version ${debug(version)} is not a SemVer version MAJOR.MINOR.PATCH`;
  if (major === versionMajor(ours)) return undefined;
  return `contracts_version ${debug(version)} has another MAJOR than this client's ${debug(ours)}; upgrade the client package`;
}

/** The fast path's `contracts_version` check. */
export function isVersion(v: unknown, x: Ctx, ours: string): boolean {
  return typeof v === "string" && (v === ours || versionProblem(v, x.producer, ours) === undefined);
}

// ---- explaining leaf checks (contracts-core: validate.rs `Walker::check`) ---
// The generated walk calls each of these only for a value its fast check
// rejected, so they say why without checking the value's form again.

export function exString(v: unknown, p: string, x: Ctx): void {
  if (typeof v !== "string") x.wrong(p, v, "string");
}

export function exBool(v: unknown, p: string, x: Ctx): void {
  if (typeof v !== "boolean") x.wrong(p, v, "bool");
}

export function exNull(v: unknown, p: string, x: Ctx): void {
  if (v !== null) x.wrong(p, v, "null");
}

export function exFloat(v: unknown, p: string, x: Ctx): void {
  if (!isFloat(v)) x.wrong(p, v, "float");
}

export function exInt(v: unknown, p: string, x: Ctx): void {
  if (typeof v !== "number" || !Number.isFinite(v)) x.wrong(p, v, "int");
  else if (!isInt(v)) x.push(p, "wrong_type", `expected int, got the non-integer number ${String(v)}`);
}

export function exUuid(v: unknown, p: string, x: Ctx): void {
  if (typeof v !== "string") x.wrong(p, v, "Uuid (UUID string)");
  else
    x.push(
      p,
      "invalid_uuid",
      `${debug(v)} is not a UUID in canonical form (expected lowercase 8-4-4-4-12 hex, e.g. "0192f0c1-7a52-7cc3-8d1e-2b6f4f0e9a10")`,
    );
}

export function exTimestamp(v: unknown, p: string, x: Ctx): void {
  if (typeof v !== "string") x.wrong(p, v, "Timestamp (RFC 3339 string)");
  else x.push(p, "invalid_timestamp", `${debug(v)} is not an RFC 3339 date-time with offset (expected e.g. "2026-11-25T10:00:00Z")`);
}

export function exIsoDate(v: unknown, p: string, x: Ctx): void {
  if (typeof v !== "string") x.wrong(p, v, "IsoDate (YYYY-MM-DD string)");
  else x.push(p, "invalid_date", `${debug(v)} is not a calendar date (expected YYYY-MM-DD, e.g. "2026-11-25")`);
}

/** A string, int or bool literal type. */
export function exLiteral(v: unknown, p: string, x: Ctx, expected: string | number | boolean): void {
  const shown = (value: string | number | boolean) => (typeof value === "string" ? debug(value) : String(value));
  if (typeof v !== typeof expected || (typeof v === "number" && !Number.isFinite(v))) x.wrong(p, v, shown(expected));
  else if (v !== expected) x.push(p, "invalid_literal", `expected exactly ${shown(expected)}, got ${shown(v as string | number | boolean)}`);
}

/** Why `type`, which is not an event type of these contracts, is not: missing, not a string, or unknown. */
export function exEventType(t: unknown, x: Ctx, version: string): void {
  if (t === undefined) x.push("/type", "missing_field", "missing required field `type` (an EventType value)");
  else if (typeof t !== "string") {
    x.skip(t);
    x.push("/type", "wrong_type", `\`type\` must be a string (an EventType value); got ${typeName(t)}`);
  } else x.push("/type", "unknown_event_type", `unknown event type ${debug(t)}; expected one of the EventType values of contracts ${version}`);
}

/** `contracts_version`: missing, not a string, or not accepted in this mode. */
export function exVersion(v: unknown, x: Ctx, ours: string): void {
  if (v === undefined) x.push("/contracts_version", "missing_field", "missing required field `contracts_version`");
  else if (typeof v !== "string") {
    x.skip(v);
    x.push("/contracts_version", "wrong_type", `\`contracts_version\` must be a string like "${ours}"; got ${typeName(v)}`);
  }
  else {
    const problem = versionProblem(v, x.producer, ours);
    if (problem !== undefined) x.push("/contracts_version", "unsupported_version", problem);
  }
}
