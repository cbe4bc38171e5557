// A fake contracts WebSocket server for frontend tests: `new FakeEventServer(script)`
// plays a script of envelopes, close codes and resyncs to a page or a component
// through `server.WebSocket`, a WebSocket class a test passes to
// `connectEnvelopes({ WebSocket })` or installs as `globalThis.WebSocket`.
// It answers as coach_app_baml_client's ContractsConsumer does (the handshake,
// the version each client is served, downgrades, skips, positions, replay on
// `?resume=`, STREAM_RESYNC, close codes and reasons); the differential
// (packages/python/tests/test_fake_socket_differential.py) runs the scripts of
// testdata/socket-scripts/ through both and requires the same frames.
//
// For the owner of the "./testing" entry (src/testing/index.ts): everything
// public is exported from this module (`export * from "./fake-socket.js"`
// suffices): FakeEventServer, FakeWebSocket, parseSocketScript,
// parseSocketStep, socketStepKind, SocketScriptError, SOCKET_SCRIPT_DEFAULTS
// and the types SocketScript, SocketScriptStep, SocketConnectStep,
// SocketScriptLayer, SocketResyncCause, SocketStepKind, ResolvedSocketScript,
// FakeEventServerOptions, FakeDowngrade, FakeDowngradeResult,
// FakeSkippedFrames, FakeClientFrame, FakeSocketEvent, FakeMessageEvent,
// FakeCloseEvent, FakeSocketListener, FakeSocketHandler. No node-specific
// build is needed: the module is portable (no `node:` import, no native
// addon; it validates with the generated JavaScript validator). Downgrades
// for older clients need contracts-core: in Node, pass
// `{ downgrade: downgradeEnvelope }` from "./validate/native"; without it,
// only the current version is served.
import type { EventEnvelope, StreamPosition, StreamResyncCause } from "../baml_client/types.js";
import type { WebSocketLike } from "../connection.js";
import { CONTRACTS_VERSION } from "../generated/constants.js";
import { HISTORY } from "../generated/validator.js";
import { makeEnvelope, validateEnvelope } from "../validate-portable.js";
import { closeReason, negotiateVersion, offeredSubprotocol, parseResume, ResumeParameterError } from "./fake-socket-handshake.js";
import {
  parseSocketScript,
  parseSocketStep,
  socketStepKind,
  SocketScriptError,
  type ResolvedSocketScript,
  type SocketConnectStep,
  type SocketResyncCause,
  type SocketScript,
  type SocketScriptStep,
} from "./fake-socket-script.js";

export * from "./fake-socket-script.js";

// ------------------------------------------------------------------ options

/** What a downgrade function returns: `downgradeEnvelope` of "./validate/native" has this shape. */
export type FakeDowngradeResult =
  | { readonly ok: true; readonly envelope: Record<string, unknown> }
  | { readonly ok: false; readonly error: { readonly ruleId: string; readonly path: string; readonly message: string } };

/** Rewrites a current-version envelope (JSON text) for a client of the older version `to`. */
export type FakeDowngrade = (envelope: string, to: string) => FakeDowngradeResult;

/** The options of a `FakeEventServer`; every one is optional. */
export interface FakeEventServerOptions {
  /**
   * How to serve clients of an older released version: in Node, pass
   * `downgradeEnvelope` of "./validate/native" (contracts-core, the rules'
   * home). Without it the fake serves only `CONTRACTS_VERSION` (the portable
   * build has no downgrade) and closes older clients with 4406.
   */
  readonly downgrade?: FakeDowngrade;
  /**
   * The versions served, the current one first, then released ones, newest
   * first (default: `CONTRACTS_VERSION` and, with `downgrade`, every release
   * this package ships, as the consumer does).
   */
  readonly versions?: readonly string[];
  /**
   * Play the script as connections arrive (default `true`); `false`: the test
   * plays it with `step()` / `play()`.
   */
  readonly autoplay?: boolean;
}

/** Frames not sent to clients of `version` because of the change `ruleId` (the consumer's `skipped_frames()`). */
export interface FakeSkippedFrames {
  readonly version: string;
  readonly ruleId: string;
  readonly frames: number;
}

/** A frame a client sent. */
export interface FakeClientFrame {
  readonly socket: FakeWebSocket;
  readonly data: string | ArrayBuffer | ArrayBufferView | { readonly size: number };
  /** Its size in bytes (UTF-8 for text), as the 4413 limit counts it. */
  readonly bytes: number;
}

// ------------------------------------------------------------------ events

/** What every event of a `FakeWebSocket` carries (a plain object, shaped as the DOM's). */
export interface FakeSocketEvent {
  readonly type: "open" | "message" | "error" | "close";
  readonly target: FakeWebSocket;
  readonly currentTarget: FakeWebSocket;
  readonly timeStamp: number;
  readonly bubbles: false;
  readonly cancelable: false;
  readonly defaultPrevented: false;
  preventDefault(): void;
  stopPropagation(): void;
  stopImmediatePropagation(): void;
}

/** A `message` event: `data` is the frame's text. */
export interface FakeMessageEvent extends FakeSocketEvent {
  readonly type: "message";
  readonly data: string;
  readonly origin: string;
  readonly lastEventId: "";
}

/** A `close` event. */
export interface FakeCloseEvent extends FakeSocketEvent {
  readonly type: "close";
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** A listener of events `E`, as `addEventListener` takes it: a function or an object with `handleEvent`. */
export type FakeSocketListener<E extends FakeSocketEvent = FakeSocketEvent> = ((event: E) => unknown) | { handleEvent(event: E): unknown };

/** An `on<type>` attribute's value: a function, or `null`. */
export type FakeSocketHandler<E extends FakeSocketEvent = FakeSocketEvent> = ((event: E) => unknown) | null;

interface ListenerOptions {
  readonly once?: boolean;
  readonly signal?: { readonly aborted: boolean; addEventListener(type: "abort", listener: () => void): void };
}

type Queued =
  | { readonly kind: "open"; readonly protocol: string }
  | { readonly kind: "message"; readonly data: string }
  | { readonly kind: "error" }
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly wasClean: boolean };

interface Entry {
  readonly type: string;
  listener: FakeSocketListener<never> | null;
  readonly once: boolean;
  /** The `on<type>` attribute's slot. */
  readonly attribute: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const MAX_REASON_BYTES = 123;

function domError(message: string, name: string): Error {
  const DOMException = (globalThis as { DOMException?: new (message: string, name: string) => Error }).DOMException;
  if (DOMException !== undefined) return new DOMException(message, name);
  const error = new Error(message);
  error.name = name;
  return error;
}

function sizeOf(data: unknown): number {
  if (typeof data === "string") return new TextEncoder().encode(data).length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof data === "object" && data !== null && typeof (data as { size?: unknown }).size === "number") return (data as { size: number }).size;
  throw new TypeError("a WebSocket sends a string, an ArrayBuffer, a typed array or a Blob");
}

/** Rethrows a listener's error outside the dispatch, as a browser reports it. */
function report(error: unknown): void {
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (reportError !== undefined) reportError(error);
  else
    setTimeout(() => {
      throw error;
    }, 0);
}

/** The server's side of one socket. */
class Link {
  /** `pending` until the handshake, `open` once accepted, `closed` once either side closed. */
  state: "pending" | "open" | "closed" = "pending";
  /** The contracts version it is served. */
  version = CONTRACTS_VERSION;
  readonly #queue: Queued[] = [];
  #scheduled = false;
  readonly #idle: (() => void)[] = [];

  constructor(
    readonly server: FakeEventServer,
    readonly socket: FakeWebSocket,
    readonly url: string,
    readonly protocols: readonly string[],
    private readonly apply: (event: Queued) => void,
  ) {}

  /** Queues an event for the page; each is dispatched in a task of its own, in order. */
  push(event: Queued): void {
    this.#queue.push(event);
    this.#schedule();
  }

  /** Drops the messages not dispatched yet (the client closed). */
  dropMessages(): void {
    for (let i = this.#queue.length - 1; i >= 0; i -= 1) if (this.#queue[i]?.kind === "message") this.#queue.splice(i, 1);
  }

  hasQueuedClose(): boolean {
    return this.#queue.some((e) => e.kind === "close");
  }

  /** Resolves once every queued event was dispatched. */
  drained(): Promise<void> {
    if (this.#queue.length === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      const event = this.#queue.shift();
      if (event !== undefined) this.apply(event);
      if (this.#queue.length > 0) this.#schedule();
      else for (const resolve of this.#idle.splice(0)) resolve();
    }, 0);
  }
}

const SERVER_OF = new WeakMap<object, FakeEventServer>();
const LINK_OF = new WeakMap<FakeWebSocket, Link>();

/**
 * A WebSocket whose server is a `FakeEventServer`: what a browser's
 * `WebSocket` offers (`readyState`, `protocol`, `url`, `send`, `close`,
 * `addEventListener`, `onopen` / `onmessage` / `onerror` / `onclose`, the
 * state constants), with events dispatched one per task as a browser does.
 * Construct it through a server: `new server.WebSocket(url, protocols)`.
 * Events are plain objects shaped as the DOM's (`data`, `code`, `reason`,
 * `wasClean`), not `MessageEvent` / `CloseEvent` instances.
 */
export class FakeWebSocket implements WebSocketLike {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  /** The URL, as the page passed it (serialised). */
  readonly url: string;
  /** Always `""`: no extension is negotiated. */
  readonly extensions = "";
  /** Kept for compatibility; the fake sends only text frames. */
  binaryType: "blob" | "arraybuffer" = "blob";
  #readyState: number = CONNECTING;
  #protocol = "";
  #bufferedAmount = 0;
  readonly #entries: Entry[] = [];

  constructor(url: string | URL, protocols?: string | readonly string[]) {
    let server: FakeEventServer | undefined;
    for (let c: unknown = new.target; server === undefined && typeof c === "function"; c = Object.getPrototypeOf(c)) server = SERVER_OF.get(c);
    if (server === undefined) {
      throw new TypeError("a FakeWebSocket belongs to a FakeEventServer: construct it as `new server.WebSocket(url, protocols)`");
    }
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw domError(`the URL ${JSON.stringify(String(url))} is invalid`, "SyntaxError");
    }
    if (parsed.protocol === "http:") parsed.protocol = "ws:";
    else if (parsed.protocol === "https:") parsed.protocol = "wss:";
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
      throw domError(`the URL's scheme must be ws or wss, got ${JSON.stringify(parsed.protocol)}`, "SyntaxError");
    }
    if (parsed.hash !== "") throw domError("the URL contains a fragment identifier", "SyntaxError");
    const offered = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols];
    for (const p of offered) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p)) throw domError(`the subprotocol ${JSON.stringify(p)} is invalid`, "SyntaxError");
    }
    if (new Set(offered).size !== offered.length) throw domError("a subprotocol is offered twice", "SyntaxError");
    this.url = parsed.href;
    const link = new Link(server, this, parsed.href, offered, (event) => this.#apply(event));
    LINK_OF.set(this, link);
    SERVERS.connect(link);
  }

  /** `CONNECTING` (0), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): number {
    return this.#readyState;
  }

  /** The subprotocol the server chose (`""` before the socket opened, or when none). */
  get protocol(): string {
    return this.#protocol;
  }

  /** Bytes passed to `send()` after the socket began to close. */
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  get onopen(): FakeSocketHandler {
    return this.#attribute("open") as FakeSocketHandler;
  }
  set onopen(listener: FakeSocketHandler) {
    this.#setAttribute("open", listener);
  }
  get onmessage(): FakeSocketHandler<FakeMessageEvent> {
    return this.#attribute("message") as FakeSocketHandler<FakeMessageEvent>;
  }
  set onmessage(listener: FakeSocketHandler<FakeMessageEvent>) {
    this.#setAttribute("message", listener);
  }
  get onerror(): FakeSocketHandler {
    return this.#attribute("error") as FakeSocketHandler;
  }
  set onerror(listener: FakeSocketHandler) {
    this.#setAttribute("error", listener);
  }
  get onclose(): FakeSocketHandler<FakeCloseEvent> {
    return this.#attribute("close") as FakeSocketHandler<FakeCloseEvent>;
  }
  set onclose(listener: FakeSocketHandler<FakeCloseEvent>) {
    this.#setAttribute("close", listener);
  }

  addEventListener(type: "message", listener: FakeSocketListener<FakeMessageEvent> | null, options?: boolean | ListenerOptions): void;
  addEventListener(type: "close", listener: FakeSocketListener<FakeCloseEvent> | null, options?: boolean | ListenerOptions): void;
  addEventListener(type: "open" | "error", listener: FakeSocketListener | null, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: FakeSocketListener<never> | null, options?: boolean | ListenerOptions): void {
    if (listener === null) return;
    if (this.#entries.some((e) => !e.attribute && e.type === type && e.listener === listener)) return;
    const once = typeof options === "object" && options.once === true;
    const signal = typeof options === "object" ? options.signal : undefined;
    if (signal?.aborted === true) return;
    const entry: Entry = { type, listener, once, attribute: false };
    this.#entries.push(entry);
    signal?.addEventListener("abort", () => this.#remove(entry));
  }

  removeEventListener(type: string, listener: FakeSocketListener<never> | null): void {
    const entry = this.#entries.find((e) => !e.attribute && e.type === type && e.listener === listener);
    if (entry !== undefined) this.#remove(entry);
  }

  /**
   * Sends a frame to the server. Throws `InvalidStateError` while connecting;
   * after the socket began to close, the frame is dropped (`bufferedAmount`
   * grows). A frame above the script's `max_frame_bytes` makes the server
   * close the socket with 4413.
   */
  send(data: string | ArrayBuffer | ArrayBufferView | { readonly size: number }): void {
    if (this.#readyState === CONNECTING) throw domError("the WebSocket is still connecting", "InvalidStateError");
    const bytes = sizeOf(data);
    if (this.#readyState !== OPEN) {
      this.#bufferedAmount += bytes;
      return;
    }
    SERVERS.received(this.#link, { socket: this, data, bytes });
  }

  /** Closes the socket: `code` is 1000 or 3000-4999, `reason` at most 123 bytes of UTF-8. */
  close(code?: number, reason?: string): void {
    if (code !== undefined && !(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
      throw domError(`a client closes with 1000 or 3000-4999, got ${code}`, "InvalidAccessError");
    }
    if (reason !== undefined && new TextEncoder().encode(reason).length > MAX_REASON_BYTES) {
      throw domError(`a close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8`, "SyntaxError");
    }
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    const link = this.#link;
    const wasConnecting = this.#readyState === CONNECTING;
    this.#readyState = CLOSING;
    link.dropMessages();
    if (link.hasQueuedClose()) return; // the server's close frame came first
    SERVERS.clientClosed(link);
    if (wasConnecting) {
      link.push({ kind: "error" });
      link.push({ kind: "close", code: 1006, reason: "", wasClean: false });
    } else {
      link.push({ kind: "close", code: code ?? 1005, reason: reason ?? "", wasClean: true });
    }
  }

  get #link(): Link {
    return LINK_OF.get(this) as Link;
  }

  #attribute(type: string): FakeSocketListener<never> | null {
    return this.#entries.find((e) => e.attribute && e.type === type)?.listener ?? null;
  }

  #setAttribute(type: string, listener: FakeSocketHandler<never>): void {
    const entry = this.#entries.find((e) => e.attribute && e.type === type);
    if (listener === null || typeof listener !== "function") {
      if (entry !== undefined) this.#remove(entry);
    } else if (entry !== undefined) {
      entry.listener = listener;
    } else {
      this.#entries.push({ type, listener, once: false, attribute: true });
    }
  }

  #remove(entry: Entry): void {
    const index = this.#entries.indexOf(entry);
    if (index >= 0) this.#entries.splice(index, 1);
    entry.listener = null;
  }

  #apply(event: Queued): void {
    switch (event.kind) {
      case "open":
        if (this.#readyState !== CONNECTING) return;
        this.#readyState = OPEN;
        this.#protocol = event.protocol;
        this.#dispatch({ type: "open" });
        return;
      case "message":
        if (this.#readyState !== OPEN) return;
        this.#dispatch({ type: "message", data: event.data, origin: new URL(this.url).origin, lastEventId: "" });
        return;
      case "error":
        this.#dispatch({ type: "error" });
        return;
      case "close":
        this.#readyState = CLOSED;
        this.#dispatch({ type: "close", code: event.code, reason: event.reason, wasClean: event.wasClean });
        return;
    }
  }

  #dispatch(fields: { readonly type: FakeSocketEvent["type"] } & Record<string, unknown>): void {
    let stopped = false;
    const event = {
      ...fields,
      target: this,
      currentTarget: this,
      timeStamp: typeof performance === "undefined" ? Date.now() : performance.now(),
      bubbles: false,
      cancelable: false,
      defaultPrevented: false,
      preventDefault: () => {},
      stopPropagation: () => {},
      stopImmediatePropagation: () => {
        stopped = true;
      },
    };
    for (const entry of [...this.#entries]) {
      if (stopped) break;
      const { listener } = entry;
      if (entry.type !== fields.type || listener === null) continue;
      if (entry.once) this.#remove(entry);
      try {
        const call = listener as FakeSocketListener<typeof event & FakeSocketEvent>;
        if (typeof call === "function") call.call(this, event as typeof event & FakeSocketEvent);
        else call.handleEvent(event as typeof event & FakeSocketEvent);
      } catch (error) {
        report(error);
      }
    }
  }
}

// ------------------------------------------------------------------ the server

interface StreamState {
  epoch: string;
  /** The last offset given in this epoch (0: none yet). */
  top: number;
  /** The envelopes kept, oldest first. */
  entries: { readonly offset: number; readonly eventId: string; readonly text: string }[];
}

/** What the sockets reach of their server (module-private). */
interface ServerHooks {
  connect(link: Link): void;
  received(link: Link, frame: FakeClientFrame): void;
  clientClosed(link: Link): void;
}

let SERVERS: ServerHooks;

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** `position` stamped into the frame's `meta.position` (last), as contracts-core's `with_position` does. */
function withPosition(text: string, position: StreamPosition): string {
  const envelope = JSON.parse(text) as { meta?: Record<string, unknown> };
  const meta = { ...(envelope.meta ?? {}) };
  delete meta.position;
  return JSON.stringify({ ...envelope, meta: { ...meta, position } });
}

/**
 * A fake contracts server that plays a script to the sockets of its
 * `WebSocket` class, as `ContractsConsumer` (with `RedisStreamsChannelLayer`,
 * or Channels' in-memory layer for `layer: "memory"`) would:
 *
 * - the handshake: the `coach-contracts.<version>` subprotocol the page offers
 *   picks the version it is served (a newer MINOR gets the current one);
 *   one that cannot be served is accepted and closed with 4406 and the
 *   consumer's reason; a malformed `?resume=` gets 4400; `connect.refuse`
 *   gets 4401 / 4403;
 * - `send`: the envelope, validated in producer mode, gets the stream's next
 *   `meta.position`, is kept in its history (`history_size`) and reaches each
 *   open socket in its version: unchanged, downgraded, or skipped and counted
 *   (`skippedFrames()`); an `event_id` the history holds is not sent again;
 * - a socket that opens with `?resume=<stream>:<epoch>:<offset>` is first sent
 *   what it missed, or `STREAM_RESYNC` (`EPOCH_CHANGED`, `HISTORY_EXPIRED`,
 *   `POSITION_UNKNOWN`) when the history cannot say;
 * - `close`, `drop`, `resync`, `raw` and frames above `max_frame_bytes` (4413).
 *
 * With `autoplay` (the default) the script runs by itself: each `connect` step
 * waits for the page's next socket, `client_send` for its next frame; `done`
 * settles once the last step's events were dispatched. Sockets that arrive
 * after the last step are accepted as `{ connect: {} }` would; `run(step)`
 * plays one more step at any time.
 *
 * @example
 * const server = new FakeEventServer({
 *   steps: [{ send: exampleEnvelope("SESSION_STARTED") }, { close: 1012 }, { connect: {} }, { send: exampleEnvelope("SESSION_ENDED") }],
 * });
 * const connection = connectEnvelopes("wss://example.org/ws/sessions/42/", {
 *   WebSocket: server.WebSocket,
 *   handlers: { SESSION_STARTED: started, SESSION_ENDED: ended },
 * });
 * await server.done; // both handled once; the second socket resumed after the first envelope
 */
export class FakeEventServer {
  /** The script, checked, with its defaults filled in. */
  readonly script: ResolvedSocketScript;
  /** The versions served, the current one first. */
  readonly versions: readonly string[];
  /** The WebSocket class of this server: pass it as `connectEnvelopes`'s `WebSocket` option, or `install()` it. */
  readonly WebSocket: typeof FakeWebSocket;

  readonly #downgrade: FakeDowngrade | undefined;
  readonly #streams = new Map<string, StreamState>();
  readonly #sockets: FakeWebSocket[] = [];
  readonly #pending: Link[] = [];
  readonly #open = new Set<Link>();
  readonly #connectionWaiters: ((link: Link) => void)[] = [];
  readonly #clientFrames: FakeClientFrame[] = [];
  #consumedClientFrames = 0;
  readonly #frameWaiters: (() => void)[] = [];
  readonly #skipped = new Map<string, { version: string; ruleId: string; frames: number }>();
  readonly #done = deferred<void>();
  #index = 0;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(script: SocketScript | string, options: FakeEventServerOptions = {}) {
    this.script = parseSocketScript(script);
    this.#downgrade = options.downgrade;
    const released = [...HISTORY].map((registry) => registry.version).reverse();
    const versions = options.versions ?? (options.downgrade === undefined ? [CONTRACTS_VERSION] : [CONTRACTS_VERSION, ...released]);
    if (versions[0] !== CONTRACTS_VERSION) {
      throw new TypeError(`options.versions must start with the current version ${CONTRACTS_VERSION}, got ${JSON.stringify(versions)}`);
    }
    if (versions.length > 1 && options.downgrade === undefined) {
      throw new TypeError(
        `serving ${versions.slice(1).join(", ")} needs a downgrade: pass { downgrade: downgradeEnvelope } from "${"@coach-app/coach-app-baml-client"}/validate/native"`,
      );
    }
    this.versions = Object.freeze([...versions]);
    for (const stream of this.script.streams) this.#streams.set(stream, { epoch: this.script.epoch, top: 0, entries: [] });
    const WebSocketClass = class extends FakeWebSocket {};
    SERVER_OF.set(WebSocketClass, this);
    this.WebSocket = WebSocketClass;
    this.#done.promise.catch(() => {}); // a rejection is reported where it is awaited (or logged, with autoplay)
    if (options.autoplay ?? true) {
      this.play().catch((error: unknown) => console.error("FakeEventServer:", error));
    }
  }

  /** Every socket the page opened, in order. */
  get sockets(): readonly FakeWebSocket[] {
    return this.#sockets;
  }

  /** Every frame the page sent, in order. */
  get clientFrames(): readonly FakeClientFrame[] {
    return this.#clientFrames;
  }

  /** Settles once the script was played to its end and every event was dispatched; rejects with a step's error. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** How many steps were played. */
  get played(): number {
    return this.#index;
  }

  /**
   * Plays the next step of the script and resolves once the page was
   * dispatched its events; `false` when the script is over. Steps run one
   * after the other, whoever calls this.
   */
  step(): Promise<boolean> {
    const next = this.#chain.then(() => this.#next());
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Plays the rest of the script. */
  async play(): Promise<void> {
    while (await this.step()) {
      // one step at a time
    }
  }

  /**
   * Plays `step` now, outside the script (a `connect` step takes the next
   * socket the page opens). Resolves once the page was dispatched its events.
   *
   * @example
   * await server.run({ send: exampleEnvelope("SESSION_ENDED") });
   * await server.run({ close: 4403 });
   */
  async run(step: SocketScriptStep): Promise<void> {
    await this.#execute(parseSocketStep(step, this.script.streams, "/run"));
    await this.#drained();
  }

  /** Where `stream` (default: the script's first) is now: its epoch and the last offset given. */
  position(stream: string = this.script.streams[0] as string): StreamPosition {
    const state = this.#stream(stream, "position()");
    return { stream, epoch: state.epoch, offset: state.top };
  }

  /** Frames not sent because the client's version cannot carry them, per version and rule id. */
  skippedFrames(): FakeSkippedFrames[] {
    return [...this.#skipped.values()].map((s) => ({ ...s }));
  }

  /**
   * Sets `target.WebSocket` (default `globalThis`) to this server's class, for
   * code that opens `new WebSocket(url)` itself; returns the function that
   * puts the previous one back.
   *
   * @example
   * const restore = server.install();
   * try { render(<SessionPage />); await server.done; } finally { restore(); }
   */
  install(target: { WebSocket?: unknown } = globalThis as { WebSocket?: unknown }): () => void {
    const had = Object.prototype.hasOwnProperty.call(target, "WebSocket");
    const previous = target.WebSocket;
    target.WebSocket = this.WebSocket;
    return () => {
      if (had) target.WebSocket = previous;
      else delete target.WebSocket;
    };
  }

  // ---------------------------------------------------------------- the script

  async #next(): Promise<boolean> {
    const index = this.#index;
    const step = this.script.steps[index];
    if (step === undefined) {
      this.#acceptLeftovers();
      return false;
    }
    this.#index += 1;
    try {
      await this.#execute(step);
      await this.#drained();
    } catch (error) {
      const failure =
        error instanceof SocketScriptError
          ? error
          : new SocketScriptError(`/steps/${index}`, error instanceof Error ? error.message : String(error));
      this.#done.reject(failure);
      throw failure;
    }
    if (this.#index === this.script.steps.length) {
      this.#acceptLeftovers();
      this.#done.resolve();
    }
    return true;
  }

  async #execute(step: SocketScriptStep): Promise<void> {
    const kind = socketStepKind(step);
    switch (kind) {
      case "connect": {
        const link = await this.#nextConnection();
        this.#handshake(link, (step as { connect: SocketConnectStep }).connect);
        return;
      }
      case "send": {
        const { send, stream } = step as { send: EventEnvelope | Readonly<Record<string, unknown>> | string; stream?: string };
        this.#broadcast(send, stream ?? (this.script.streams[0] as string));
        return;
      }
      case "close": {
        const { close, reason } = step as { close: number; reason?: string };
        for (const link of [...this.#open]) this.#closeLink(link, close, reason ?? "");
        return;
      }
      case "client_send":
        await this.#nextClientFrame();
        return;
      case "resync": {
        const { resync, stream, epoch } = step as { resync: SocketResyncCause; stream?: string; epoch?: string };
        this.#resync(resync, stream ?? (this.script.streams[0] as string), epoch);
        return;
      }
      case "raw":
        for (const link of this.#open) link.push({ kind: "message", data: (step as { raw: string }).raw });
        return;
      case "drop":
        for (const link of [...this.#open]) {
          this.#gone(link);
          link.push({ kind: "error" });
          link.push({ kind: "close", code: 1006, reason: "", wasClean: false });
        }
        return;
    }
  }

  async #drained(): Promise<void> {
    // A listener may open a socket or send while this waits: wait until nothing is queued.
    for (;;) {
      const links = this.#sockets.map((s) => LINK_OF.get(s) as Link);
      await Promise.all(links.map((link) => link.drained()));
      if (links.length === this.#sockets.length) return;
    }
  }

  #nextConnection(): Promise<Link> {
    const link = this.#pending.shift();
    if (link !== undefined) return Promise.resolve(link);
    return new Promise((resolve) => this.#connectionWaiters.push(resolve));
  }

  #nextClientFrame(): Promise<void> {
    if (this.#consumedClientFrames < this.#clientFrames.length) {
      this.#consumedClientFrames += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#frameWaiters.push(() => {
        this.#consumedClientFrames += 1;
        resolve();
      }),
    );
  }

  /** Sockets that wait after the last step are accepted as `{ connect: {} }` would. */
  #acceptLeftovers(): void {
    if (this.#index < this.script.steps.length) return;
    for (const link of this.#pending.splice(0)) this.#handshake(link, {});
  }

  // ---------------------------------------------------------------- from the sockets

  /** @internal */
  static {
    SERVERS = {
      connect: (link) => link.server.#connected(link),
      received: (link, frame) => link.server.#received(link, frame),
      clientClosed: (link) => link.server.#gone(link),
    };
  }

  #connected(link: Link): void {
    this.#sockets.push(link.socket);
    const waiter = this.#connectionWaiters.shift();
    if (waiter !== undefined) waiter(link);
    else if (this.#index >= this.script.steps.length) this.#handshake(link, {});
    else this.#pending.push(link);
  }

  #received(link: Link, frame: FakeClientFrame): void {
    if (link.state !== "open") return;
    this.#clientFrames.push(frame);
    if (frame.bytes > this.script.max_frame_bytes) {
      this.#closeLink(link, 4413, ""); // ContractsConsumer.close(4413): no reason
    }
    const waiter = this.#frameWaiters.shift();
    if (waiter !== undefined) waiter();
  }

  #gone(link: Link): void {
    link.state = "closed";
    this.#open.delete(link);
    const pending = this.#pending.indexOf(link);
    if (pending >= 0) this.#pending.splice(pending, 1);
  }

  // ---------------------------------------------------------------- the consumer's rules

  #handshake(link: Link, options: SocketConnectStep): void {
    if (link.state !== "pending") return; // the page gave up while it waited
    let resume: Map<string, StreamPosition>;
    try {
      resume = parseResume(new URL(link.url).search.slice(1));
    } catch (error) {
      if (!(error instanceof ResumeParameterError)) throw error;
      this.#acceptAndClose(link, offeredSubprotocol(link.protocols), 4400, error.message);
      return;
    }
    if (options.refuse !== undefined) {
      this.#acceptAndClose(link, offeredSubprotocol(link.protocols), options.refuse, options.refuse === 4401 ? "unauthenticated" : "forbidden");
      return;
    }
    const negotiated = negotiateVersion(link.protocols, this.versions);
    if (!negotiated.ok) {
      this.#acceptAndClose(link, offeredSubprotocol(link.protocols), 4406, negotiated.message);
      return;
    }
    link.version = negotiated.version;
    if (!this.#accept(link, negotiated.subprotocol)) return;
    this.#open.add(link);
    if (this.script.layer !== "streams") return;
    for (const stream of this.script.streams) {
      const position = resume.get(stream);
      if (position !== undefined) this.#catchUp(link, stream, position);
    }
  }

  /** Opens the page's socket; `false` when the page fails the handshake (it offered subprotocols, none was chosen). */
  #accept(link: Link, subprotocol: string | null): boolean {
    if (subprotocol === null && link.protocols.length > 0) {
      this.#gone(link);
      link.push({ kind: "error" });
      link.push({ kind: "close", code: 1006, reason: "", wasClean: false });
      return false;
    }
    link.state = "open";
    link.push({ kind: "open", protocol: subprotocol ?? "" });
    return true;
  }

  #acceptAndClose(link: Link, subprotocol: string | null, code: number, reason: string): void {
    if (this.#accept(link, subprotocol)) this.#closeLink(link, code, closeReason(reason));
  }

  #closeLink(link: Link, code: number, reason: string): void {
    if (link.state === "closed") return;
    this.#gone(link);
    link.push({ kind: "close", code, reason, wasClean: true });
  }

  #stream(name: string, where: string): StreamState {
    const state = this.#streams.get(name);
    if (state === undefined) throw new SocketScriptError(where, `${JSON.stringify(name)} is not one of the script's streams (${this.script.streams.join(", ")})`);
    return state;
  }

  #broadcast(input: EventEnvelope | Readonly<Record<string, unknown>> | string, stream: string): void {
    const text = typeof input === "string" ? input : JSON.stringify(input);
    const checked = validateEnvelope(text, { mode: "producer" });
    if (!checked.ok) {
      const issues = checked.issues.map((i) => `${i.path || "/"} ${i.code}: ${i.message}`).join("; ");
      throw new Error(`send: not a valid current-version envelope (broadcast() would refuse it): ${issues}`);
    }
    if (this.script.layer === "memory") {
      for (const link of this.#open) this.#deliver(link, text, undefined);
      return;
    }
    const state = this.#stream(stream, "send");
    const eventId = checked.envelope.meta.event_id;
    if (state.entries.some((e) => e.eventId === eventId)) return; // kept already: publishing again is a no-op
    state.top += 1;
    state.entries.push({ offset: state.top, eventId, text });
    if (state.entries.length > this.script.history_size) state.entries.splice(0, state.entries.length - this.script.history_size);
    const position = { stream, epoch: state.epoch, offset: state.top };
    for (const link of this.#open) this.#deliver(link, text, position);
  }

  /** Sends a client what it missed of `stream` after `from`, or `STREAM_RESYNC` when the history cannot say. */
  #catchUp(link: Link, stream: string, from: StreamPosition): void {
    const state = this.#stream(stream, "resume");
    let cause: SocketResyncCause | undefined;
    if (from.epoch !== state.epoch) cause = "EPOCH_CHANGED";
    else if (from.offset > state.top) cause = "POSITION_UNKNOWN";
    else if (from.offset < state.top && state.entries.find((e) => e.offset > from.offset)?.offset !== from.offset + 1) cause = "HISTORY_EXPIRED";
    if (cause !== undefined) {
      this.#sendResync(link, { stream, epoch: state.epoch, offset: state.top }, cause);
      return;
    }
    for (const entry of state.entries) {
      if (entry.offset > from.offset) this.#deliver(link, entry.text, { stream, epoch: state.epoch, offset: entry.offset });
    }
  }

  #resync(cause: SocketResyncCause, stream: string, epoch: string | undefined): void {
    if (this.script.layer !== "streams") throw new Error('resync: a script of layer "memory" has no positions to resync');
    const state = this.#stream(stream, "resync");
    if (cause === "EPOCH_CHANGED") {
      const next = `${state.epoch.slice(0, 63)}x`;
      state.epoch = epoch ?? (next === state.epoch ? `${state.epoch.slice(0, 63)}y` : next);
      state.top = 0;
      state.entries = [];
    }
    for (const link of this.#open) this.#sendResync(link, { stream, epoch: state.epoch, offset: state.top }, cause);
  }

  #sendResync(link: Link, position: StreamPosition, cause: SocketResyncCause): void {
    const envelope = makeEnvelope("STREAM_RESYNC", { position, cause: cause as StreamResyncCause });
    const frame = this.#frameFor(JSON.stringify(envelope), link.version);
    if (frame !== undefined) link.push({ kind: "message", data: frame });
  }

  #deliver(link: Link, text: string, position: StreamPosition | undefined): void {
    const frame = this.#frameFor(text, link.version);
    if (frame === undefined) return;
    link.push({ kind: "message", data: position === undefined ? frame : withPosition(frame, position) });
  }

  /** The frame for a client of `version`: the text itself, downgraded, or `undefined` (skipped and counted). */
  #frameFor(text: string, version: string): string | undefined {
    if (version === CONTRACTS_VERSION) return text;
    const downgrade = this.#downgrade;
    if (downgrade === undefined) throw new Error(`cannot serve ${version} without a downgrade function`);
    const result = downgrade(text, version);
    if (result.ok) return JSON.stringify(result.envelope);
    const key = `${version}\u0000${result.error.ruleId}`;
    const skipped = this.#skipped.get(key) ?? { version, ruleId: result.error.ruleId, frames: 0 };
    skipped.frames += 1;
    this.#skipped.set(key, skipped);
    return undefined;
  }
}
