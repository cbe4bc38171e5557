// Envelopes from a contracts WebSocket server across reconnects: each one
// handled once, in arrival order, resumed from the last position handled per
// stream, and a resync when the server can no longer replay what was missed.
// The client side of the delivery protocol (docs/delivery.md in the
// repository; the Python twin is coach_app_baml_client.client.EventStream).
//
// Portable: no `node:` import, no eval, only web globals (setTimeout,
// TextDecoder, console, WebSocket or the class passed in), so it runs in
// browsers, workers, Deno, Bun and Node. Each build of "./validate" binds it
// to its own `validateEnvelope` (`connectionFactory`).
import type { EventEnvelope, StreamPosition, StreamResyncCause } from "./baml_client/types.js";
import { EnvelopeValidationError } from "./contracts.js";
import type { EnvelopeOf } from "./contracts.js";
import { dispatch, judge, parseLoose, toData } from "./envelope-handler.js";
import type { EnvelopeHandlerOptions, EnvelopeHandlers, RawMessage, Validate } from "./envelope-handler.js";
import { closeAction, contractsProtocols } from "./protocols.js";

/**
 * Where a connection is: `"connecting"` (the first attempt), `"open"`,
 * `"reconnecting"` (waiting, or trying again, after a drop) and `"closed"`
 * (for good: a refusal, or `close()`).
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/**
 * The handlers of `connectEnvelopes`: those of `createEnvelopeHandler`, one per
 * event type, each getting its payload narrowed to the event's DTO, except
 * `STREAM_RESYNC`, which the connection handles itself (see `onResync`).
 */
export type ConnectionHandlers = Omit<EnvelopeHandlers, "STREAM_RESYNC">;

/** A `STREAM_RESYNC` the server sent: what `onResync` gets. */
export interface Resync {
  /** The stream whose missed envelopes cannot be replayed. */
  readonly stream: string;
  /** Where that stream is now: the connection continues from here. */
  readonly position: Readonly<StreamPosition>;
  /** Why the server could not replay: the epoch changed, the history expired, or the position is unknown to it. */
  readonly cause: `${StreamResyncCause}`;
  /** The `STREAM_RESYNC` envelope itself. */
  readonly envelope: EnvelopeOf<"STREAM_RESYNC">;
}

/** A socket closed: what `onClose` gets. */
export interface ConnectionClose {
  /** The close code: the server's, or 1006 when the connection dropped or never opened. */
  readonly code: number;
  /** The close reason (empty when none was given). */
  readonly reason: string;
  /** `false` after a refusal (see `closeAction`): the connection is closed for good. */
  readonly willReconnect: boolean;
  /** When `willReconnect`: milliseconds until the next attempt. */
  readonly retryInMs?: number;
}

/**
 * How long to wait before reconnecting after a drop: `initialMs` after the
 * first failed attempt, times `factor` for each further one, at most `maxMs`;
 * each wait is jittered by ±`jitter` (a fraction), so it can reach
 * `maxMs × (1 + jitter)`. It starts again from `initialMs` once a connection
 * has delivered a frame. After 1012 / 4012 the wait is at most 100 ms instead.
 */
export interface BackoffOptions {
  /** The first wait, in ms (default 500). */
  readonly initialMs?: number;
  /** The longest wait before jitter, in ms (default 30,000). */
  readonly maxMs?: number;
  /** The growth per failed attempt (default 2, at least 1). */
  readonly factor?: number;
  /** The jitter, a fraction from 0 to 1 (default 0.5: ±50 %). */
  readonly jitter?: number;
  /** The random source of the jitter, in [0, 1) (default `Math.random`; pass a constant for reproducible waits). */
  readonly random?: () => number;
}

/** What the connection needs of a WebSocket: the browser's, Node 22's, Deno's, Bun's, or the `ws` package's. */
export interface WebSocketLike {
  /** The subprotocol the server chose (`""` when none). */
  readonly protocol: string;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { readonly code: number; readonly reason: string }) => void): void;
}

/** A WebSocket class: `new WebSocket(url, protocols)`. */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocketLike;

/**
 * Positions to resume from (restored from `sessionStorage`, say): a list, the
 * `positions` map of an earlier connection, or a record by stream.
 */
export type PositionsInput =
  | Iterable<StreamPosition>
  | ReadonlyMap<string, StreamPosition>
  | Readonly<Record<string, StreamPosition>>;

/** The options of `connectEnvelopes`; every one is optional. */
export interface ConnectOptions extends Omit<EnvelopeHandlerOptions, "onError"> {
  /** One handler per event type you care about, as for `createEnvelopeHandler`. */
  readonly handlers?: ConnectionHandlers;
  /**
   * The server could not replay what this client missed of a stream (a
   * `STREAM_RESYNC`): the connection has moved to the stream's current position;
   * refetch the state the stream feeds. Awaited: later frames wait for it.
   */
  readonly onResync?: (resync: Resync) => unknown;
  /** Called with every state the connection enters, starting with `"connecting"`. */
  readonly onStateChange?: (state: ConnectionState, connection: EnvelopeConnection) => unknown;
  /**
   * A socket closed: its code and reason, and whether the connection
   * reconnects. Called once the frames received before the close were handled,
   * right after the state changed.
   */
  readonly onClose?: (close: ConnectionClose) => unknown;
  /**
   * A handler or a hook threw or rejected, a frame was invalid and there is no
   * `onInvalid`, or a reconnect attempt could not start. `envelope` is the
   * envelope being handled, if any. Without it, errors go to `console.error`;
   * they never stop the connection.
   */
  readonly onError?: (error: unknown, envelope: EventEnvelope | undefined) => unknown;
  /** Positions to resume from on the first connection already. */
  readonly positions?: PositionsInput;
  /** The WebSocket subprotocols (default `contractsProtocols()`: this bundle's contracts version). */
  readonly protocols?: string | readonly string[];
  /** The WebSocket class (default `globalThis.WebSocket`; Node 20 has none: pass the `ws` package's). */
  readonly WebSocket?: WebSocketClass;
  /** The reconnect waits. */
  readonly backoff?: BackoffOptions;
  /** How many `meta.event_id` values are remembered to drop duplicates (default 4096; 0 turns it off). */
  readonly dedupeWindow?: number;
}

/** A live connection, as `connectEnvelopes` returns it. */
export interface EnvelopeConnection {
  /** Where it is now. */
  readonly state: ConnectionState;
  /**
   * The last position handled per stream (live and read-only; at most 64
   * streams, the least recently advanced dropped first). The next connection
   * resumes from these.
   */
  readonly positions: ReadonlyMap<string, Readonly<StreamPosition>>;
  /** The subprotocol the server chose for the current socket (`""` before it opened, or when none). */
  readonly protocol: string;
  /**
   * Closes the socket and stops reconnecting. Frames not yet handled are
   * dropped; the only callback after it is `onStateChange("closed")`, from
   * within this call. `code` is 1000 or 3000-4999.
   */
  close(code?: number, reason?: string): void;
}

/** The most streams one handshake may resume (the server closes with 4400 beyond). */
export const MAX_RESUME_STREAMS = 64;

const RESUME = "resume";
const STREAM_NAME = /^[A-Za-z0-9._-]{1,99}$/;
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
const RESTART_JITTER_MS = 100;
const MAX_REASON_BYTES = 123;

/** `value` as a position a `resume` parameter can carry, or `undefined`. */
function wellFormed(value: unknown): Readonly<StreamPosition> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { stream, epoch, offset } = value as Partial<Record<keyof StreamPosition, unknown>>;
  if (typeof stream !== "string" || !STREAM_NAME.test(stream)) return undefined;
  if (typeof epoch !== "string" || !EPOCH.test(epoch)) return undefined;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  return Object.freeze({ stream, epoch, offset });
}

/** The well-formed `meta.position` of a frame (valid or not), or `undefined`. */
function positionOf(frame: unknown): Readonly<StreamPosition> | undefined {
  if (typeof frame !== "object" || frame === null) return undefined;
  const meta: unknown = (frame as { meta?: unknown }).meta;
  if (typeof meta !== "object" || meta === null) return undefined;
  return wellFormed((meta as { position?: unknown }).position);
}

function checked(position: StreamPosition): Readonly<StreamPosition> {
  const ok = wellFormed(position);
  if (ok === undefined) {
    throw new TypeError(
      `not a stream position: ${JSON.stringify(position)}; expected {stream: 1-99 of [A-Za-z0-9._-], epoch: 1-64 of [A-Za-z0-9_-], offset: an integer >= 0}`,
    );
  }
  return ok;
}

function queryName(part: string): string {
  const name = part.split("=", 1)[0] ?? "";
  try {
    return decodeURIComponent(name.replaceAll("+", " "));
  } catch {
    return name;
  }
}

/**
 * `url` announcing `positions`: one `resume=<stream>:<epoch>:<offset>`
 * parameter per stream, in place of any `resume` parameter `url` had; its
 * other parameters and fragment are kept as they are. Throws a `TypeError`
 * for a malformed position and a `RangeError` for more than 64 streams.
 *
 * @example
 * resumeUrl("wss://example.org/ws/sessions/42/?lang=en&resume=old:e:1", [
 *   { stream: "session.42", epoch: "kT0c3nV1sQ2b", offset: 17 },
 * ]);
 * // "wss://example.org/ws/sessions/42/?lang=en&resume=session.42:kT0c3nV1sQ2b:17"
 */
export function resumeUrl(url: string, positions: Iterable<StreamPosition>): string {
  const hash = url.indexOf("#");
  const fragment = hash < 0 ? "" : url.slice(hash);
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const question = beforeHash.indexOf("?");
  const base = question < 0 ? beforeHash : beforeHash.slice(0, question);
  const query = question < 0 ? "" : beforeHash.slice(question + 1);
  const parts = query.split("&").filter((part) => part !== "" && queryName(part) !== RESUME);
  const streams = new Set<string>();
  for (const position of positions) {
    const { stream, epoch, offset } = checked(position);
    if (streams.has(stream)) throw new TypeError(`stream ${JSON.stringify(stream)} is given twice`);
    streams.add(stream);
    if (streams.size > MAX_RESUME_STREAMS) throw new RangeError(`at most ${MAX_RESUME_STREAMS} streams can be resumed at once`);
    parts.push(`${RESUME}=${stream}:${epoch}:${offset}`);
  }
  return `${base}${parts.length > 0 ? `?${parts.join("&")}` : ""}${fragment}`;
}

function initialPositions(input: PositionsInput | undefined): StreamPosition[] {
  if (input === undefined) return [];
  const map = input as Partial<ReadonlyMap<string, StreamPosition>>;
  if (typeof map.get === "function" && typeof map.values === "function") return [...map.values()];
  if (Symbol.iterator in input) return [...(input as Iterable<StreamPosition>)];
  return Object.values(input as Readonly<Record<string, StreamPosition>>);
}

function backoffOf(options: BackoffOptions = {}): Required<BackoffOptions> {
  const backoff = {
    initialMs: options.initialMs ?? 500,
    maxMs: options.maxMs ?? 30_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.5,
    random: options.random ?? Math.random,
  };
  const { initialMs, maxMs, factor, jitter } = backoff;
  if (!(Number.isFinite(initialMs) && initialMs > 0)) throw new RangeError(`backoff.initialMs must be a positive number of ms, got ${initialMs}`);
  if (!(Number.isFinite(maxMs) && maxMs >= initialMs)) throw new RangeError(`backoff.maxMs must be at least initialMs (${initialMs}), got ${maxMs}`);
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`backoff.factor must be at least 1, got ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff.jitter must be a fraction from 0 to 1, got ${jitter}`);
  if (typeof backoff.random !== "function") throw new TypeError("backoff.random must be a function returning a number in [0, 1)");
  return backoff;
}

function checkClose(code: number, reason: string): void {
  if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
    throw new RangeError(`a client can close with 1000 or 3000-4999, got ${code}`);
  }
  if (new TextEncoder().encode(reason).length > MAX_REASON_BYTES) {
    throw new RangeError(`a close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8`);
  }
}

function report(error: unknown): void {
  console.error("connectEnvelopes:", error);
}

class Connection implements EnvelopeConnection {
  readonly #url: string;
  readonly #options: ConnectOptions;
  readonly #validate: Validate;
  readonly #WebSocket: WebSocketClass;
  readonly #protocols: string[];
  readonly #backoff: Required<BackoffOptions>;
  readonly #dedupeWindow: number;
  readonly #positions = new Map<string, Readonly<StreamPosition>>();
  /** Recently handled `meta.event_id`s, oldest first (a bounded LRU). */
  readonly #seen = new Map<string, true>();
  #state: ConnectionState = "connecting";
  #socket: WebSocketLike | undefined;
  #protocol = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Frames are handled one after the other: each waits for the previous one. */
  #queue: Promise<void> = Promise.resolve();
  /** Failed attempts since a connection last delivered a frame. */
  #failures = 0;

  constructor(validate: Validate, url: string, options: ConnectOptions) {
    this.#validate = validate;
    this.#url = url;
    this.#options = options;
    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
    if (typeof WebSocket !== "function") {
      throw new TypeError("this runtime has no global WebSocket (Node 20): pass one, e.g. connectEnvelopes(url, { WebSocket }) with `import { WebSocket } from \"ws\"`");
    }
    this.#WebSocket = WebSocket;
    const protocols = options.protocols ?? contractsProtocols();
    this.#protocols = typeof protocols === "string" ? [protocols] : [...protocols];
    this.#backoff = backoffOf(options.backoff);
    this.#dedupeWindow = options.dedupeWindow ?? 4096;
    if (!(Number.isSafeInteger(this.#dedupeWindow) && this.#dedupeWindow >= 0)) {
      throw new RangeError(`dedupeWindow must be a whole number >= 0, got ${this.#dedupeWindow}`);
    }
    const restored = initialPositions(options.positions).map(checked);
    resumeUrl(url, restored); // throws for a stream given twice, or more than 64
    for (const position of restored) this.#setPosition(position);
    this.#open();
    this.#call(() => options.onStateChange?.("connecting", this), undefined);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get positions(): ReadonlyMap<string, Readonly<StreamPosition>> {
    return this.#positions;
  }

  get protocol(): string {
    return this.#protocol;
  }

  close(code = 1000, reason = ""): void {
    if (this.#isClosed()) return;
    checkClose(code, reason);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#enter("closed");
    socket?.close(code, reason);
  }

  /** Opens a socket resuming from the positions handled so far; its events are ignored once it is not the current one. */
  #open(): void {
    const socket = new this.#WebSocket(resumeUrl(this.#url, this.#positions.values()), this.#protocols);
    if ("binaryType" in socket) (socket as { binaryType: string }).binaryType = "arraybuffer";
    this.#socket = socket;
    this.#protocol = "";
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      this.#protocol = socket.protocol;
      this.#enter("open");
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.#socket) return;
      this.#failures = 0;
      const frame = event.data as RawMessage;
      this.#queue = this.#queue.then(() => this.#frame(frame));
    });
    // An error is always followed by a close event; listening keeps Node's `ws` from throwing it.
    socket.addEventListener("error", () => {});
    socket.addEventListener("close", (event) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      // In arrival order too: the frames received before the close are handled first.
      const { code, reason } = event;
      this.#queue = this.#queue.then(() => this.#closed(code, reason));
    });
  }

  /** The socket closed: stop for good after a refusal, else schedule the next attempt. */
  #closed(code: number, reason: string): void {
    if (this.#isClosed()) return; // close() was called meanwhile
    if (closeAction(code) === "stop") {
      this.#enter("closed");
      this.#call(() => this.#options.onClose?.({ code, reason, willReconnect: false }), undefined);
      return;
    }
    const retryInMs = this.#delay(code);
    this.#enter("reconnecting");
    this.#call(() => this.#options.onClose?.({ code, reason, willReconnect: true, retryInMs }), undefined);
    if (this.#isClosed()) return; // close() from onClose
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reconnect();
    }, retryInMs);
  }

  #reconnect(): void {
    if (this.#isClosed()) return;
    try {
      this.#open();
    } catch (error) {
      this.#error(error, undefined);
      this.#closed(1006, String(error));
    }
  }

  /** The wait before the next attempt; counts a failed attempt. */
  #delay(code: number): number {
    const { initialMs, maxMs, factor, jitter, random } = this.#backoff;
    const failures = this.#failures;
    this.#failures += 1;
    if (closeAction(code) === "reconnect-now") return Math.round(random() * RESTART_JITTER_MS);
    const base = Math.min(initialMs * factor ** failures, maxMs);
    return Math.round(base * (1 + jitter * (2 * random() - 1)));
  }

  /** A method, not a comparison, so that TypeScript does not narrow the state across callbacks. */
  #isClosed(): boolean {
    return this.#state === "closed";
  }

  #enter(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#call(() => this.#options.onStateChange?.(state, this), undefined);
  }

  /** Handles one frame; never rejects. */
  async #frame(message: RawMessage): Promise<void> {
    if (this.#isClosed()) return;
    try {
      const data = await toData(message);
      if (this.#isClosed()) return;
      const verdict = judge(this.#validate, data, this.#options.validate);
      switch (verdict.kind) {
        case "envelope":
          await this.#envelope(verdict.envelope);
          return;
        case "unknown":
          this.#advance(positionOf(parseLoose(data)));
          await this.#hook(() => this.#options.onUnknown?.(verdict.eventType, verdict.issues), undefined);
          return;
        case "invalid": {
          this.#advance(positionOf(parseLoose(data)));
          const onInvalid = this.#options.onInvalid;
          if (onInvalid === undefined) this.#error(new EnvelopeValidationError(verdict.issues), undefined);
          else await this.#hook(() => onInvalid(verdict.issues, data), undefined);
          return;
        }
      }
    } catch (error) {
      this.#error(error, undefined);
    }
  }

  async #envelope(envelope: EventEnvelope): Promise<void> {
    if (envelope.type === "STREAM_RESYNC") {
      const { position, cause } = envelope.payload;
      const now = wellFormed(position);
      if (now === undefined) this.#positions.delete(position.stream);
      else this.#setPosition(now);
      const resync: Resync = { stream: position.stream, position: now ?? Object.freeze({ ...position }), cause, envelope };
      await this.#hook(() => this.#options.onResync?.(resync), envelope);
      return;
    }
    this.#advance(positionOf(envelope));
    if (this.#duplicate(envelope.meta.event_id)) return;
    let handled: boolean;
    try {
      handled = await dispatch((this.#options.handlers ?? {}) as EnvelopeHandlers, envelope);
    } catch (error) {
      this.#error(error, envelope);
      return;
    }
    if (!handled) await this.#hook(() => this.#options.onUnhandled?.(envelope), envelope);
  }

  /** Moves the stream to `position` when it is later in the same epoch, or of another epoch. */
  #advance(position: Readonly<StreamPosition> | undefined): void {
    if (position === undefined) return;
    const known = this.#positions.get(position.stream);
    if (known !== undefined && known.epoch === position.epoch && known.offset >= position.offset) return;
    this.#setPosition(position);
  }

  #setPosition(position: Readonly<StreamPosition>): void {
    this.#positions.delete(position.stream);
    this.#positions.set(position.stream, position);
    if (this.#positions.size > MAX_RESUME_STREAMS) {
      const oldest = this.#positions.keys().next();
      if (!oldest.done) this.#positions.delete(oldest.value);
    }
  }

  /** True when `eventId` was handled already; remembers it either way. */
  #duplicate(eventId: string): boolean {
    if (this.#dedupeWindow === 0) return false;
    const seen = this.#seen.delete(eventId);
    this.#seen.set(eventId, true);
    if (this.#seen.size > this.#dedupeWindow) {
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    return seen;
  }

  /** Runs a hook that may be async; its error goes to `onError`. */
  async #hook(run: () => unknown, envelope: EventEnvelope | undefined): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#error(error, envelope);
    }
  }

  /** Runs a synchronous callback; its error (or rejection) goes to `onError`. */
  #call(run: () => unknown, envelope: EventEnvelope | undefined): void {
    try {
      const result = run();
      if (result instanceof Promise) result.catch((error: unknown) => this.#error(error, envelope));
    } catch (error) {
      this.#error(error, envelope);
    }
  }

  #error(error: unknown, envelope: EventEnvelope | undefined): void {
    const onError = this.#options.onError;
    if (onError === undefined) {
      report(error);
      return;
    }
    try {
      const result = onError(error, envelope);
      if (result instanceof Promise) result.catch(report);
    } catch (failure) {
      report(failure);
    }
  }
}

/**
 * The `connectEnvelopes` of a build, given its `validateEnvelope`.
 *
 * @example
 * export const connectEnvelopes = connectionFactory(validateEnvelope);
 */
export function connectionFactory(validate: Validate) {
  return function connectEnvelopes(url: string, options: ConnectOptions = {}): EnvelopeConnection {
    return new Connection(validate, url, options);
  };
}
