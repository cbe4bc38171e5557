// Takes an input the way contracts-core's `EnvelopeInput` does: text and
// UTF-8 bytes are size-checked, stripped of a BOM and parsed; parsed values
// are walked as they are. Then the fast path decides, and only an invalid
// envelope is walked again to explain every issue.
import { knownVersions, registryFor, type ResolvedOptions } from "./options.js";
import { Ctx, debug, nestsTooDeep, type Issue, type Registry } from "./runtime.js";

/** What one validation found: the parsed value, and its issues (empty when valid). */
export interface Outcome {
  readonly valid: boolean;
  /** The envelope as parsed from text/bytes, or the object passed in. */
  readonly value: unknown;
  /** Every issue, up to `maxIssues`; empty when `valid` or when not asked to explain. */
  readonly issues: Issue[];
}

const BOM = "\uFEFF";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function failed(issue: Issue): Outcome {
  return { valid: false, value: undefined, issues: [issue] };
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

/** Parses text or bytes into a value, or the one issue that stops it. */
function parse(input: string | Uint8Array, options: ResolvedOptions): { value: unknown } | Issue {
  const size = typeof input === "string" ? utf8SizeOver(input, options.maxBytes) : input.byteLength > options.maxBytes ? input.byteLength : -1;
  if (size !== -1) {
    return {
      path: "",
      code: "too_large",
      message: `the input is ${size} bytes; the limit is ${options.maxBytes} bytes (raise max_bytes if this is expected)`,
    };
  }
  if (registryFor(options) === undefined) return unknownTarget(options.targetVersion ?? "");
  let text: string;
  if (typeof input === "string") text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch {
      return { path: "", code: "invalid_json", message: "the input is not valid UTF-8 (send one JSON object encoded as UTF-8)" };
    }
  }
  if (text.startsWith(BOM)) text = text.slice(1);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { path: "", code: "invalid_json", message: `the input is not valid JSON: ${reason} (send one JSON object encoded as UTF-8)` };
  }
}

const tooDeep: Issue = {
  path: "",
  code: "too_deep",
  message: "the input is not valid JSON: recursion limit exceeded (it nests more than 127 arrays and objects) (send one JSON object encoded as UTF-8)",
};

function walk(registry: Registry, value: unknown, options: ResolvedOptions, explain: boolean): Outcome {
  const x = new Ctx(options.producer, options.maxDepth, options.maxIssues);
  let valid = registry.isEnvelope(value, x);
  if (valid && (registry.needsNestingScan || x.unvisited)) valid = !nestsTooDeep(value);
  if (valid || !explain) return { valid, value, issues: [] };
  if (nestsTooDeep(value)) return { valid, value, issues: [{ ...tooDeep }] };
  const y = new Ctx(options.producer, options.maxDepth, options.maxIssues);
  try {
    registry.explainEnvelope(value, y);
  } catch (e) {
    // Only a maxDepth far beyond the default lets a recursive contract exhaust the stack.
    if (!(e instanceof RangeError)) throw e;
    return { valid, value, issues: [{ path: "", code: "too_deep", message: `the input nests too deeply to walk (${e.message}); lower maxDepth` }] };
  }
  return { valid, value, issues: y.issues };
}

/** Validates one input: JSON text, UTF-8 bytes, or an already parsed value. */
export function checkEnvelope(input: unknown, options: ResolvedOptions, explain: boolean): Outcome {
  let value: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    const parsed = parse(input, options);
    if (!("value" in parsed)) return failed(parsed);
    value = parsed.value;
  } else if (input === undefined || typeof input === "function" || typeof input === "symbol" || typeof input === "bigint") {
    throw new TypeError("the envelope is not JSON-serialisable: pass JSON text, UTF-8 bytes or a parsed object");
  }
  const registry = registryFor(options);
  if (registry === undefined) return failed(unknownTarget(options.targetVersion ?? ""));
  return walk(registry, value, options, explain);
}
