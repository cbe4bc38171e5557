// The handshake rules of ContractsConsumer, mirrored for the fake server
// (fake-socket.ts): which contracts version a client's subprotocols get
// (contracts-core's `negotiate`, crates/contracts-core/src/negotiate.rs), the
// 4406 reason, the `resume` query parameters and their 4400 reasons
// (coach_app_baml_client.delivery.parse_resume). The differential
// (packages/python/tests/test_fake_socket_differential.py) holds them equal
// to the real consumer. Portable: no `node:` import.
import type { StreamPosition } from "../baml_client/types.js";
import { CONTRACTS_VERSION } from "../generated/constants.js";
import { CONTRACTS_SUBPROTOCOL_PREFIX } from "../protocols.js";

/** The most bytes of UTF-8 a close reason carries (RFC 6455). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` cut to 123 bytes of UTF-8 without splitting a character, as the consumer does. */
export function closeReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return reason;
  let end = MAX_CLOSE_REASON_BYTES;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1; // not inside a character
  return new TextDecoder().decode(bytes.slice(0, end));
}

/** Why an announced version cannot be served (contracts-core's `UnservableReason`). */
export type UnservableReason = "malformed" | "newer-major" | "not-in-history";

/** What `negotiateVersion` decided. */
export type Negotiation =
  /** Serve `version`, echoing `subprotocol` (`null`: the client announced no contracts version). */
  | { readonly ok: true; readonly subprotocol: string | null; readonly version: string }
  /** Close with 4406 and `reason`. */
  | { readonly ok: false; readonly announced: string; readonly reason: UnservableReason; readonly message: string };

interface SemVer {
  readonly core: readonly bigint[];
  readonly pre: readonly string[];
  readonly build: readonly string[];
}

const IDENT = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const SEMVER = new RegExp(
  `^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`,
);
const U64_MAX = 2n ** 64n - 1n;

/** `text` as SemVer (the `semver` crate's grammar: no leading zeros, numbers within u64), or `undefined`. */
function parseSemVer(text: string): SemVer | undefined {
  const match = SEMVER.exec(text);
  if (match === null) return undefined;
  const core = [match[1], match[2], match[3]].map((n) => BigInt(n ?? "0"));
  if (core.some((n) => n > U64_MAX)) return undefined;
  const pre = match[4] === undefined ? [] : match[4].split(".");
  if (pre.some((id) => /^\d+$/.test(id) && BigInt(id) > U64_MAX)) return undefined;
  return { core, pre, build: match[5] === undefined ? [] : match[5].split(".") };
}

function compareIdentifiers(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a[i] as string;
    const y = b[i] as string;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
      if (x.length !== y.length) return x.length < y.length ? -1 : 1; // leading zeros (build metadata)
    } else if (xn !== yn) {
      return xn ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return Math.sign(a.length - b.length);
}

/** SemVer order as the `semver` crate has it (build metadata included, after the pre-release). */
function compareSemVer(a: SemVer, b: SemVer): number {
  for (let i = 0; i < 3; i += 1) {
    const d = (a.core[i] as bigint) - (b.core[i] as bigint);
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  if (a.pre.length === 0 || b.pre.length === 0) {
    if (a.pre.length !== b.pre.length) return a.pre.length === 0 ? 1 : -1;
  } else {
    const pre = compareIdentifiers(a.pre, b.pre);
    if (pre !== 0) return pre;
  }
  if (a.build.length === 0 || b.build.length === 0) return Math.sign(a.build.length - b.build.length);
  return compareIdentifiers(a.build, b.build);
}

/** Rust's `{:?}` of a string, for the characters a subprotocol token can hold (and a few more). */
function rustDebug(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\0") out += "\\0";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

const WHY: Record<UnservableReason, string> = {
  malformed: "is not a MAJOR.MINOR.PATCH version",
  "newer-major": "has a later MAJOR than this server",
  "not-in-history": "is not a release this server keeps",
};

/** contracts-core's message for an unservable announcement (`UnservableVersion`'s `Display`). */
function unservableMessage(announced: string, reason: UnservableReason, served: readonly string[]): string {
  const chars = [...announced];
  const shown = chars.slice(0, 24).join("");
  const cut = chars.length > 24 ? "…" : "";
  return `contracts ${rustDebug(shown)}${cut} ${WHY[reason]}; supported: ${served.join(", ")}`;
}

/** The version served to a client that announced `announced` (contracts-core's `serve_version`). */
function serveVersion(announced: string, served: readonly string[]): string | UnservableReason {
  if (served.includes(announced)) return announced;
  const version = parseSemVer(announced);
  if (version === undefined) return "malformed";
  const current = parseSemVer(CONTRACTS_VERSION) as SemVer;
  if ((version.core[0] as bigint) > (current.core[0] as bigint)) return "newer-major";
  if (version.core[0] === current.core[0] && compareSemVer(version, current) > 0) return CONTRACTS_VERSION;
  return "not-in-history";
}

/**
 * The version a `ContractsConsumer` serves a client that offered
 * `subprotocols`, given the versions it can serve (the current one first,
 * then released ones, newest first): the `coach-contracts.*` offer served
 * the newest version (the first on a tie); none offered: the current
 * version, no subprotocol echoed; none servable: 4406 with contracts-core's
 * message for the first offer.
 *
 * @example
 * negotiateVersion(["chat", `coach-contracts.${CONTRACTS_VERSION}`], [CONTRACTS_VERSION]);
 * // { ok: true, subprotocol: "coach-contracts.0.2.0", version: "0.2.0" }
 * negotiateVersion(["coach-contracts.99.0.0"], [CONTRACTS_VERSION]).ok; // false
 */
export function negotiateVersion(subprotocols: readonly string[], served: readonly string[]): Negotiation {
  const offers = subprotocols.filter((p) => p.startsWith(CONTRACTS_SUBPROTOCOL_PREFIX));
  if (offers.length === 0) return { ok: true, subprotocol: null, version: CONTRACTS_VERSION };
  let best: { subprotocol: string; version: string; rank: number } | undefined;
  let firstError: { announced: string; reason: UnservableReason } | undefined;
  for (const offer of offers) {
    const announced = offer.slice(CONTRACTS_SUBPROTOCOL_PREFIX.length);
    const outcome = serveVersion(announced, served);
    if (outcome === "malformed" || outcome === "newer-major" || outcome === "not-in-history") {
      firstError ??= { announced, reason: outcome };
      continue;
    }
    const rank = served.indexOf(outcome);
    if (best === undefined || rank < best.rank) best = { subprotocol: offer, version: outcome, rank };
  }
  if (best !== undefined) return { ok: true, subprotocol: best.subprotocol, version: best.version };
  const { announced, reason } = firstError as { announced: string; reason: UnservableReason };
  return { ok: false, announced, reason, message: unservableMessage(announced, reason, served) };
}

/**
 * The subprotocol a refusing consumer echoes (browsers fail a handshake that
 * offered subprotocols and got none back, and would never see the close
 * code): the first `coach-contracts.*` offer, else the first offer, else none.
 */
export function offeredSubprotocol(subprotocols: readonly string[]): string | null {
  return subprotocols.find((p) => p.startsWith(CONTRACTS_SUBPROTOCOL_PREFIX)) ?? subprotocols[0] ?? null;
}

// ------------------------------------------------------------------ resume

const RESUME = "resume";
const MAX_RESUME_STREAMS = 64;
const MAX_QUERY_FIELDS = 1000;
const MAX_OFFSET = 2n ** 63n - 1n;
const STREAM_NAME = /^[A-Za-z0-9._-]{1,99}$/;
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

/** A malformed `resume` parameter: the consumer closes with 4400 and this message. */
export class ResumeParameterError extends Error {
  override readonly name = "ResumeParameterError";
}

/** Python's `repr()` of a string (for the 4400 reason). */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

function resumeError(value: string, message: string): ResumeParameterError {
  return new ResumeParameterError(`resume=${pythonRepr([...value].slice(0, 80).join(""))}: ${message}`);
}

/** `urllib.parse.unquote_plus`, leniently (a malformed escape stays as it is). */
function unquotePlus(text: string): string {
  const plain = text.replaceAll("+", " ");
  try {
    return decodeURIComponent(plain);
  } catch {
    return plain.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return "\uFFFD";
      }
    });
  }
}

function parseOne(value: string): StreamPosition {
  const parts = value.split(":");
  if (parts.length !== 3) {
    throw resumeError(value, "expected <stream>:<epoch>:<offset>, the stream's last handled meta.position");
  }
  const [stream, epoch, offset] = parts as [string, string, string];
  if (!STREAM_NAME.test(stream)) throw resumeError(value, "the stream must be 1 to 99 ASCII letters, digits, '-', '_' or '.'");
  if (!EPOCH.test(epoch)) throw resumeError(value, "the epoch must be 1 to 64 ASCII letters, digits, '-' or '_'");
  if (!/^[0-9]{1,19}$/.test(offset) || BigInt(offset) > MAX_OFFSET) {
    throw resumeError(value, `the offset must be an integer from 0 to ${MAX_OFFSET}`);
  }
  return { stream, epoch, offset: Number(offset) };
}

/**
 * The positions a handshake's query string announces, by stream
 * (`coach_app_baml_client.delivery.parse_resume`); throws a
 * `ResumeParameterError` with the consumer's 4400 reason.
 *
 * @example
 * parseResume("resume=session.42:kT0c3nV1sQ2b:17&lang=en");
 * // Map { "session.42" => { stream: "session.42", epoch: "kT0c3nV1sQ2b", offset: 17 } }
 */
export function parseResume(query: string): Map<string, StreamPosition> {
  const positions = new Map<string, StreamPosition>();
  if (!query.includes(RESUME)) return positions;
  const fields = query.split("&");
  if (fields.length > MAX_QUERY_FIELDS) {
    throw resumeError(query.slice(0, 80), `the query string has more than ${MAX_QUERY_FIELDS} fields`);
  }
  for (const field of fields) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const name = unquotePlus(eq < 0 ? field : field.slice(0, eq));
    if (name !== RESUME) continue;
    const value = unquotePlus(eq < 0 ? "" : field.slice(eq + 1));
    const position = parseOne(value);
    if (positions.has(position.stream)) throw resumeError(value, `stream ${pythonRepr(position.stream)} is announced twice`);
    positions.set(position.stream, position);
    if (positions.size > MAX_RESUME_STREAMS) throw resumeError(value, `at most ${MAX_RESUME_STREAMS} streams can be resumed at once`);
  }
  return positions;
}
