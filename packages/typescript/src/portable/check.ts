// Takes an input the way contracts-core's `EnvelopeInput` does: text and
// UTF-8 bytes are size-checked, stripped of a BOM and parsed; parsed values
// are walked as they are. Then the fast path decides, and only an invalid
// envelope is walked again to explain every issue.
import { knownVersions, registryFor, type ResolvedOptions } from "./options.js";
import { Ctx, debug, nestsTooDeep, type Issue, type Registry } from "./runtime.js";

/** What `check` returns: the envelope (parsed from text or bytes, or as passed in) and its issues. */
export interface Checked {
  readonly value: unknown;
  /** Every issue up to `maxIssues`; the shared empty `NO_ISSUES` when valid. */
  readonly issues: Issue[];
}

/** The issues of a valid envelope (shared: never mutate it). */
export const NO_ISSUES: Issue[] = [];

const BOM = "\uFEFF";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The JSON text of `input`: itself, or its bytes decoded as strict UTF-8 (BOM kept); `undefined` when they are not UTF-8. */
export function textOf(input: string | Uint8Array): string | undefined {
  if (typeof input === "string") return input;
  try {
    return utf8.decode(input);
  } catch {
    return undefined;
  }
}

/** The UTF-8 size of `text` when it exceeds `limit`, else -1 (without encoding it when the length decides). */
function utf8SizeOver(text: string, limit: number): number {
  if (text.length > limit) return utf8Size(text);
  if (text.length * 3 <= limit) return -1;
  const size = utf8Size(text);
  return size > limit ? size : -1;
}

function utf8Size(text: string): number {
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 4;
      i++;
    } else size += 3; // the BMP, and a lone surrogate (sent as U+FFFD)
  }
  return size;
}

function unknownTarget(version: string): Issue {
  return {
    path: "/contracts_version",
    code: "unsupported_version",
    message: `target_version ${debug(version)} is not a contracts version this build knows; known versions: ${knownVersions().join(", ")} (the history holds the released versions of this MAJOR and the previous one)`,
  };
}

function tooDeep(): Issue {
  return {
    path: "",
    code: "too_deep",
    message: "the input is not valid JSON: recursion limit exceeded (it nests more than 127 arrays and objects) (send one JSON object encoded as UTF-8)",
  };
}

/** A parse failure: the one issue that stops validation before any walk. */
class Stop {
  constructor(readonly issue: Issue) {}
}

/** The value to walk: text and bytes parsed, anything else as it is; or why not. */
function read(input: unknown, options: ResolvedOptions): unknown {
  if (typeof input === "string" || input instanceof Uint8Array) {
    const size = typeof input === "string" ? utf8SizeOver(input, options.maxBytes) : input.byteLength > options.maxBytes ? input.byteLength : -1;
    if (size !== -1) {
      return new Stop({
        path: "",
        code: "too_large",
        message: `the input is ${size} bytes; the limit is ${options.maxBytes} bytes (raise max_bytes if this is expected)`,
      });
    }
    if (registryFor(options) === undefined) return new Stop(unknownTarget(options.targetVersion ?? ""));
    let text = textOf(input);
    if (text === undefined) {
      return new Stop({ path: "", code: "invalid_json", message: "the input is not valid UTF-8 (send one JSON object encoded as UTF-8)" });
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(BOM.length);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      return new Stop({ path: "", code: "invalid_json", message: `the input is not valid JSON: ${reason} (send one JSON object encoded as UTF-8)` });
    }
  }
  if (input === undefined || typeof input === "function" || typeof input === "symbol" || typeof input === "bigint") {
    throw new TypeError("the envelope is not JSON-serialisable: pass JSON text, UTF-8 bytes or a parsed object");
  }
  return input;
}

/** The fast path: no issue collected, no allocation. */
function fastValid(registry: Registry, value: unknown, options: ResolvedOptions): boolean {
  const x = options.fast;
  x.unvisited = false;
  if (!registry.isEnvelope(value, x)) return false;
  return !((registry.needsNestingScan || x.unvisited) && nestsTooDeep(value));
}

/** The explaining walk: each object once, with the fast checks inline and a message only for a value that fails one. */
function explain(registry: Registry, value: unknown, options: ResolvedOptions): Issue[] {
  const x = new Ctx(options.producer, options.maxDepth, options.maxIssues);
  try {
    registry.explainEnvelope(value, x);
  } catch (e) {
    // Only a maxDepth far beyond the default lets a recursive contract exhaust the stack.
    if (!(e instanceof RangeError)) throw e;
    return [{ path: "", code: "too_deep", message: `the input nests too deeply to walk (${e.message}); lower maxDepth` }];
  }
  // What the walk did not see can only be where it noted so; the contract's own
  // types nest far less than the parser's limit unless they are recursive.
  const scan = registry.needsNestingScan || x.unvisited || x.skipped || x.full();
  if (scan && nestsTooDeep(value)) return [tooDeep()];
  return x.issues.length === 0 ? NO_ISSUES : x.issues;
}

/** Is `input` (JSON text, UTF-8 bytes or a parsed value) a valid envelope? */
export function isValid(input: unknown, options: ResolvedOptions): boolean {
  const value = read(input, options);
  if (value instanceof Stop) return false;
  const registry = registryFor(options);
  return registry !== undefined && fastValid(registry, value, options);
}

/** The envelope in `input` and every issue it has. */
export function check(input: unknown, options: ResolvedOptions): Checked {
  const value = read(input, options);
  if (value instanceof Stop) return { value: undefined, issues: [value.issue] };
  const registry = registryFor(options);
  if (registry === undefined) return { value, issues: [unknownTarget(options.targetVersion ?? "")] };
  if (fastValid(registry, value, options)) return { value, issues: NO_ISSUES };
  return { value, issues: explain(registry, value, options) };
}
