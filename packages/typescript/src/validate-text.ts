// The native build's `validateEnvelope` on JSON text, at the cost of the
// portable build's: it must parse the text anyway, and the generated
// validator checks the parsed value with the core's rules for less than the
// core's walk over the bytes costs after the copy across N-API. What the
// parsed value cannot show, what JSON.parse hid (a key given twice, an
// integer a double cannot hold, a lone surrogate escape:
// testdata/portable-differences.json), the core finds by one cheap scan of
// the text (contracts_core::hidden_by_json_parse). When the generated
// validator and the scan both pass, the core's verdict is "valid"; in every
// other case (invalid, something hidden, options the addon alone must judge)
// the caller asks the core, so issues, paths and messages stay the core's.
// test/native-fast-path.test.mjs checks the two routes agree on the vectors
// and on the portable differential's generated envelopes.
import * as native from "#native";
import type { EventEnvelope } from "./baml_client/types.js";
import type { ValidateOptions } from "./contracts.js";
import { isValid, textOf } from "./portable/check.js";
import { resolveOptions, type ResolvedOptions } from "./portable/options.js";

/** The options as the generated validator takes them, or `undefined` where the addon must judge them (and throw its own error). */
function resolved(options: ValidateOptions | undefined): ResolvedOptions | undefined {
  try {
    return resolveOptions(options);
  } catch {
    return undefined;
  }
}

/** JSON.parse of `text` without its BOM, or `undefined` when it does not parse (the core words the issue). */
function parse(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The envelope in `input` (JSON text or UTF-8 bytes) when the core would find
 * it valid under `options`, parsed by JSON.parse; `undefined` when the core
 * must be asked (whatever it would answer).
 */
export function parsedIfValid(input: string | Uint8Array, options: ValidateOptions | undefined): EventEnvelope | undefined {
  const opts = resolved(options);
  if (opts === undefined) return undefined;
  // Near the size limit the core measures (a UTF-16 unit is at most 3 UTF-8 bytes).
  const units = typeof input === "string" ? input.length * 3 : input.byteLength;
  if (units > opts.maxBytes) return undefined;
  const text = textOf(input);
  if (text === undefined) return undefined;
  const value = parse(text);
  if (value === undefined || !isValid(value, opts)) return undefined;
  if (hidden(input)) return undefined;
  return value as EventEnvelope;
}

const encoder = new TextEncoder();
/** Where text is encoded for the scan, reused (grown up to SCRATCH_MAX bytes). */
let scratch = new Uint8Array(4096);
const SCRATCH_MAX = 1 << 20;

/**
 * Whether the core reads `input` differently than JSON.parse did. A string is
 * encoded as N-API would hand it to the core (UTF-8, a lone surrogate as
 * U+FFFD), once, into a reused buffer that the addon reads in place: cheaper
 * than passing the string, which N-API measures and then copies.
 */
function hidden(input: string | Uint8Array): boolean {
  if (typeof input !== "string") return native.hiddenByJsonParse(input, input.byteLength);
  const most = input.length * 3;
  if (most > scratch.length) {
    if (most > SCRATCH_MAX) return native.hiddenByJsonParse(encoder.encode(input), most);
    scratch = new Uint8Array(Math.max(most, scratch.length * 2));
  }
  return native.hiddenByJsonParse(scratch, encoder.encodeInto(input, scratch).written);
}
