// The script a FakeEventServer plays (fake-socket.ts): its format, its
// defaults and its check. Scripts are plain JSON, so that the same file runs
// through the fake and through the real ContractsConsumer (the differential,
// packages/python/tests/test_fake_socket_differential.py, over
// testdata/socket-scripts/*.json). Portable: no `node:` import.
import type { EventEnvelope, StreamPosition } from "../baml_client/types.js";

/** Where a channel layer keeps the stream: `"streams"` (RedisStreamsChannelLayer) or `"memory"` (Channels' InMemoryChannelLayer). */
export type SocketScriptLayer = "streams" | "memory";

/** Why the server cannot replay what a client missed (the contract's `StreamResyncCause`). */
export type SocketResyncCause = "EPOCH_CHANGED" | "HISTORY_EXPIRED" | "POSITION_UNKNOWN";

/**
 * How a connection is met (`{ connect: … }`). `refuse` is the server's
 * answer; `resume` and `query` are the client's side, used only by drivers
 * that play the client (the differential's runner): a page under test
 * announces its positions itself, in its URL.
 */
export interface SocketConnectStep {
  /**
   * Refuse the connection as `authorize()` returning `False` does: 4401
   * (reason `"unauthenticated"`: no user, or not logged in) or 4403
   * (`"forbidden"`: logged in, not allowed). Accepted first, so that a browser
   * sees the code.
   */
  readonly refuse?: 4401 | 4403;
  /**
   * The positions a driver announces (`?resume=`): `"last"` (the default: the
   * last position it received per stream, as `connectEnvelopes` does), `null`
   * (none: a new client) or a list.
   */
  readonly resume?: "last" | null | readonly StreamPosition[];
  /** A query string the driver opens the socket with verbatim instead (e.g. a malformed `resume`). */
  readonly query?: string;
}

/** One step of a script: an object with exactly one of these keys (and its options). */
export type SocketScriptStep =
  /** Wait for the next connection and answer its handshake (version, refusal, replay). */
  | { readonly connect: SocketConnectStep }
  /**
   * Broadcast a current-version envelope (validated in producer mode, as
   * `broadcast()` does) to a stream (default: the script's first): kept in the
   * stream's history with the next position, and sent to each open socket in
   * its version (unchanged, downgraded, or skipped and counted). A
   * `STREAM_RESYNC` envelope is broadcast like any other, as the real
   * consumer does (`resync` makes the one a server sends a single socket).
   */
  | { readonly send: EventEnvelope | Readonly<Record<string, unknown>> | string; readonly stream?: string }
  /** Close every open socket with `code` (1000-4999) and `reason` (at most 123 bytes), as `ContractsConsumer.close()` does. */
  | { readonly close: number; readonly reason?: string }
  /** The client sends this text frame (a driver sends it; a fake server waits until the page sent one). Above `max_frame_bytes`: closed with 4413. */
  | { readonly client_send: string }
  /**
   * The server sends `STREAM_RESYNC` for a stream to each open socket.
   * `EPOCH_CHANGED`: the stream's history was lost (a Redis restarted empty):
   * a new epoch (`epoch`, or one derived from the old one), offset 0. The other causes
   * keep the stream as it is (fake only: a real server sends them when a
   * client resumes). Every socket's position moves to the one it names.
   */
  | { readonly resync: SocketResyncCause; readonly stream?: string; readonly epoch?: string }
  /** Fake only: send this text frame as is (no validation, no position): an invalid or unknown frame. */
  | { readonly raw: string }
  /** Fake only: the connection drops without a close frame (the client sees 1006). */
  | { readonly drop: true };

/**
 * A scenario between a contracts server and one client, as JSON. Every field
 * but `steps` is optional; keys are snake_case, as in the Python settings.
 *
 * @example
 * const script: SocketScript = {
 *   streams: ["session.42"],
 *   steps: [
 *     { send: exampleEnvelope("SESSION_STARTED") },
 *     { close: 1012 },
 *     { connect: {} },
 *     { send: exampleEnvelope("SESSION_ENDED") },
 *   ],
 * };
 */
export interface SocketScript {
  /** What the script shows (for people). */
  readonly description?: string;
  /** `"streams"` (default: positions, history, resume) or `"memory"` (none of them). */
  readonly layer?: SocketScriptLayer;
  /** The groups the consumer joins, in order (default `["session.42"]`). */
  readonly streams?: readonly string[];
  /** The epoch every stream starts in (default `"fakeEpoch0000001"`). */
  readonly epoch?: string;
  /** Envelopes kept per stream (the layer's `history_size`, default 500). */
  readonly history_size?: number;
  /** The largest client frame, in UTF-8 bytes (the consumer's `max_frame_bytes`, default 65536). */
  readonly max_frame_bytes?: number;
  /**
   * The clients the differential runs the script for, one run each: a
   * contracts version (announced as `coach-contracts.<version>`), `null` (no
   * subprotocol), or a list of subprotocols offered verbatim. Placeholders:
   * `{{CONTRACTS_VERSION}}`, `{{NEXT_MINOR}}`, `{{NEXT_MAJOR}}` and
   * `{{RELEASED}}` (one run per released version the package ships). The fake
   * server ignores it (the page announces its own version).
   */
  readonly announce?: readonly (string | null | readonly string[])[];
  /** What happens, in order. A script that does not start with `connect` starts with `{ connect: {} }`. */
  readonly steps: readonly SocketScriptStep[];
}

/** A script with every default filled in and its steps checked (`parseSocketScript`). */
export interface ResolvedSocketScript {
  readonly description: string;
  readonly layer: SocketScriptLayer;
  readonly streams: readonly string[];
  readonly epoch: string;
  readonly history_size: number;
  readonly max_frame_bytes: number;
  readonly announce: readonly (string | null | readonly string[])[];
  readonly steps: readonly SocketScriptStep[];
}

/** The defaults of a script's optional fields. */
export const SOCKET_SCRIPT_DEFAULTS = Object.freeze({
  layer: "streams" as SocketScriptLayer,
  streams: Object.freeze(["session.42"]) as readonly string[],
  epoch: "fakeEpoch0000001",
  history_size: 500,
  max_frame_bytes: 64 * 1024,
});

/** A malformed script: `pointer` is the JSON Pointer of the offending value. */
export class SocketScriptError extends Error {
  override readonly name = "SocketScriptError";
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(`socket script ${pointer || "(root)"}: ${message}`);
  }
}

const STREAM_NAME = /^[A-Za-z0-9._-]{1,99}$/;
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
const STEP_KINDS = ["connect", "send", "close", "client_send", "resync", "raw", "drop"] as const;
const RESYNC_CAUSES: readonly string[] = ["EPOCH_CHANGED", "HISTORY_EXPIRED", "POSITION_UNKNOWN"];
const MAX_REASON_BYTES = 123;

/** The kind of a step: the one key of `STEP_KINDS` it has. */
export type SocketStepKind = (typeof STEP_KINDS)[number];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function allowOnly(value: Record<string, unknown>, keys: readonly string[], pointer: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new SocketScriptError(`${pointer}/${key}`, `unknown key; expected one of ${keys.join(", ")}`);
  }
}

function positiveInteger(value: unknown, pointer: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new SocketScriptError(pointer, `expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function streamName(value: unknown, pointer: string): string {
  if (typeof value !== "string" || !STREAM_NAME.test(value)) {
    throw new SocketScriptError(pointer, `expected a stream (a Channels group name: 1-99 of [A-Za-z0-9._-]), got ${JSON.stringify(value)}`);
  }
  return value;
}

function epochName(value: unknown, pointer: string): string {
  if (typeof value !== "string" || !EPOCH.test(value)) {
    throw new SocketScriptError(pointer, `expected an epoch (1-64 of [A-Za-z0-9_-]), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The kind of `step`, or a `SocketScriptError` at `pointer`. */
export function socketStepKind(step: unknown, pointer = ""): SocketStepKind {
  if (!isObject(step)) throw new SocketScriptError(pointer, `a step is an object with one of ${STEP_KINDS.join(", ")}`);
  const kinds = STEP_KINDS.filter((kind) => kind in step);
  const [kind] = kinds;
  if (kind === undefined || kinds.length > 1) {
    throw new SocketScriptError(pointer, `a step has exactly one of ${STEP_KINDS.join(", ")}; got keys ${Object.keys(step).join(", ") || "none"}`);
  }
  return kind;
}

function checkPositions(value: unknown, pointer: string): void {
  if (value === null || value === "last") return;
  if (!Array.isArray(value)) throw new SocketScriptError(pointer, 'expected "last", null or a list of {stream, epoch, offset}');
  value.forEach((position: unknown, i) => {
    const at = `${pointer}/${i}`;
    if (!isObject(position)) throw new SocketScriptError(at, "expected {stream, epoch, offset}");
    allowOnly(position, ["stream", "epoch", "offset"], at);
    streamName(position.stream, `${at}/stream`);
    epochName(position.epoch, `${at}/epoch`);
    if (typeof position.offset !== "number" || !Number.isSafeInteger(position.offset) || position.offset < 0) {
      throw new SocketScriptError(`${at}/offset`, `expected an integer >= 0, got ${JSON.stringify(position.offset)}`);
    }
  });
}

/**
 * `step` checked against a script's `streams` (a `SocketScriptError` at
 * `pointer` when malformed).
 *
 * @example
 * parseSocketStep({ close: 1012 }, ["session.42"]); // { close: 1012 }
 */
export function parseSocketStep(step: unknown, streams: readonly string[], pointer = ""): SocketScriptStep {
  const kind = socketStepKind(step, pointer);
  const value = step as Record<string, unknown>;
  const at = `${pointer}/${kind}`;
  const streamOption = (): void => {
    if (value.stream !== undefined && !streams.includes(streamName(value.stream, `${pointer}/stream`))) {
      throw new SocketScriptError(`${pointer}/stream`, `${JSON.stringify(value.stream)} is not one of the script's streams (${streams.join(", ")})`);
    }
  };
  switch (kind) {
    case "connect": {
      const connect = value.connect;
      allowOnly(value, ["connect"], pointer);
      if (!isObject(connect)) throw new SocketScriptError(at, "expected an object ({} for a plain connection)");
      allowOnly(connect, ["refuse", "resume", "query"], at);
      if (connect.refuse !== undefined && connect.refuse !== 4401 && connect.refuse !== 4403) {
        throw new SocketScriptError(`${at}/refuse`, `expected 4401 or 4403, got ${JSON.stringify(connect.refuse)}`);
      }
      if (connect.resume !== undefined) checkPositions(connect.resume, `${at}/resume`);
      if (connect.query !== undefined && typeof connect.query !== "string") throw new SocketScriptError(`${at}/query`, "expected a string");
      break;
    }
    case "send":
      allowOnly(value, ["send", "stream"], pointer);
      if (typeof value.send !== "string" && !isObject(value.send)) throw new SocketScriptError(at, "expected an envelope (an object or its JSON text)");
      streamOption();
      break;
    case "close": {
      allowOnly(value, ["close", "reason"], pointer);
      const code = value.close;
      if (typeof code !== "number" || !Number.isInteger(code) || code < 1000 || code > 4999 || [1004, 1005, 1006, 1015].includes(code)) {
        throw new SocketScriptError(at, `expected a close code a server can send (1000-4999, not 1004-1006 or 1015), got ${JSON.stringify(code)}`);
      }
      if (value.reason !== undefined) {
        if (typeof value.reason !== "string") throw new SocketScriptError(`${pointer}/reason`, "expected a string");
        if (new TextEncoder().encode(value.reason).length > MAX_REASON_BYTES) {
          throw new SocketScriptError(`${pointer}/reason`, `a close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8`);
        }
      }
      break;
    }
    case "client_send":
      allowOnly(value, ["client_send"], pointer);
      if (typeof value.client_send !== "string") throw new SocketScriptError(at, "expected the text of the frame");
      break;
    case "resync":
      allowOnly(value, ["resync", "stream", "epoch"], pointer);
      if (typeof value.resync !== "string" || !RESYNC_CAUSES.includes(value.resync)) {
        throw new SocketScriptError(at, `expected one of ${RESYNC_CAUSES.join(", ")}, got ${JSON.stringify(value.resync)}`);
      }
      streamOption();
      if (value.epoch !== undefined) epochName(value.epoch, `${pointer}/epoch`);
      break;
    case "raw":
      allowOnly(value, ["raw"], pointer);
      if (typeof value.raw !== "string") throw new SocketScriptError(at, "expected the text of the frame");
      break;
    case "drop":
      allowOnly(value, ["drop"], pointer);
      if (value.drop !== true) throw new SocketScriptError(at, "expected true");
      break;
  }
  return step as SocketScriptStep;
}

/**
 * `script` (an object, or its JSON text) checked, with every default filled
 * in and the implicit first `connect` made explicit. Throws a
 * `SocketScriptError` naming the JSON Pointer of what is wrong.
 *
 * @example
 * parseSocketScript({ steps: [{ close: 4403 }] }).steps;
 * // [{ connect: {} }, { close: 4403 }]
 * parseSocketScript({ steps: [{ close: 99 }] });
 * // throws SocketScriptError: socket script /steps/0/close: expected a close code a server can send …
 */
export function parseSocketScript(script: SocketScript | string | unknown): ResolvedSocketScript {
  let value: unknown = script;
  if (typeof script === "string") {
    try {
      value = JSON.parse(script) as unknown;
    } catch (error) {
      throw new SocketScriptError("", `not JSON: ${String(error)}`);
    }
  }
  if (!isObject(value)) throw new SocketScriptError("", "a script is an object with `steps`");
  allowOnly(value, ["description", "layer", "streams", "epoch", "history_size", "max_frame_bytes", "announce", "steps"], "");
  const d = SOCKET_SCRIPT_DEFAULTS;
  const layer = value.layer ?? d.layer;
  if (layer !== "streams" && layer !== "memory") throw new SocketScriptError("/layer", `expected "streams" or "memory", got ${JSON.stringify(layer)}`);
  const streams = value.streams ?? d.streams;
  if (!Array.isArray(streams) || streams.length === 0) throw new SocketScriptError("/streams", "expected a non-empty list of stream names");
  streams.forEach((s: unknown, i) => streamName(s, `/streams/${i}`));
  if (new Set(streams).size !== streams.length) throw new SocketScriptError("/streams", "a stream is named twice");
  const epoch = epochName(value.epoch ?? d.epoch, "/epoch");
  const historySize = positiveInteger(value.history_size ?? d.history_size, "/history_size");
  const maxFrameBytes = positiveInteger(value.max_frame_bytes ?? d.max_frame_bytes, "/max_frame_bytes");
  const announce = value.announce ?? [];
  if (!Array.isArray(announce)) throw new SocketScriptError("/announce", "expected a list of versions, null or lists of subprotocols");
  announce.forEach((entry: unknown, i) => {
    const ok = entry === null || typeof entry === "string" || (Array.isArray(entry) && entry.every((p) => typeof p === "string"));
    if (!ok) throw new SocketScriptError(`/announce/${i}`, "expected a version, null or a list of subprotocols");
  });
  if (typeof value.description !== "undefined" && typeof value.description !== "string") {
    throw new SocketScriptError("/description", "expected a string");
  }
  if (!Array.isArray(value.steps)) throw new SocketScriptError("/steps", "expected a list of steps");
  const steps = value.steps.map((step: unknown, i) => parseSocketStep(step, streams as string[], `/steps/${i}`));
  const first = steps[0];
  if (first === undefined || !("connect" in first)) steps.unshift({ connect: {} });
  return Object.freeze({
    description: (value.description as string | undefined) ?? "",
    layer,
    streams: Object.freeze([...(streams as string[])]),
    epoch,
    history_size: historySize,
    max_frame_bytes: maxFrameBytes,
    announce: Object.freeze([...(announce as (string | null | string[])[])]),
    steps: Object.freeze(steps),
  });
}
