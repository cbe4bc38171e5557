// Typed handling of received WebSocket messages, shared by both builds of
// "./validate" (each binds it to its own `validateEnvelope`) and by
// `connectEnvelopes` (connection.ts): toData -> judge -> dispatch.
import type { EventEnvelope, EventType } from "./baml_client/types.js";
import { EnvelopeValidationError } from "./contracts.js";
import type { EnvelopeOf, PayloadOf, ValidateOptions, ValidationIssue } from "./contracts.js";

/** What `Blob` offers (and all this needs of it). */
export interface BlobLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The data of one WebSocket message (text, binary or a `Blob`), or the `MessageEvent` itself. */
export type RawMessage =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | BlobLike
  | { readonly data: string | ArrayBuffer | ArrayBufferView | BlobLike };

/** One handler per event type you care about; each gets the payload (narrowed to its DTO) and the envelope. */
export type EnvelopeHandlers = {
  readonly [T in `${EventType}`]?: (payload: PayloadOf<T>, envelope: EnvelopeOf<T>) => unknown;
};

/** What to do with the messages no handler takes. */
export interface EnvelopeHandlerOptions {
  /**
   * An envelope whose `type` this client does not know (a newer producer):
   * skipped, as consumers must; this hook only observes it.
   */
  onUnknown?: (eventType: string, issues: readonly ValidationIssue[]) => unknown;
  /**
   * A frame that is not a valid envelope: it is never passed to a handler.
   * Without this hook the returned promise rejects with an `EnvelopeValidationError`.
   */
  onInvalid?: (issues: readonly ValidationIssue[], data: string | Uint8Array) => unknown;
  /** A valid envelope of a type that has no handler. Ignored by default. */
  onUnhandled?: (envelope: EventEnvelope) => unknown;
  /** A handler threw (or rejected). Without this hook the returned promise rejects with that error. */
  onError?: (error: unknown, envelope: EventEnvelope) => unknown;
  /** Validation limits; the mode is always `"consumer"`. */
  validate?: Omit<ValidateOptions, "mode" | "targetVersion">;
}

/** Feed it every message: `socket.onmessage = handler` (or `handler(event.data)`). */
export type EnvelopeHandler = (message: RawMessage) => Promise<void>;

/** A build's `validateEnvelope`, as the handlers call it (text or bytes, consumer mode). */
export type Validate = (
  input: string | Uint8Array,
  options: ValidateOptions,
) => { ok: true; envelope: EventEnvelope } | { ok: false; issues: ValidationIssue[] };

/** What one frame is, once validated in consumer mode. */
export type Verdict =
  | { readonly kind: "envelope"; readonly envelope: EventEnvelope }
  /** A valid frame of an event type this build does not know (a newer producer). */
  | { readonly kind: "unknown"; readonly eventType: string; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: "invalid"; readonly issues: readonly ValidationIssue[] };

function isBlobLike(value: object): value is BlobLike {
  return typeof (value as Partial<BlobLike>).arrayBuffer === "function";
}

/**
 * The text or bytes of one WebSocket message; a `TypeError` for anything else.
 *
 * @example
 * await toData(new MessageEvent("message", { data: "{}" })); // "{}"
 */
export async function toData(message: RawMessage, nested = false): Promise<string | Uint8Array> {
  if (typeof message === "string") return message;
  if (message instanceof ArrayBuffer || Object.prototype.toString.call(message) === "[object ArrayBuffer]") {
    return new Uint8Array(message as ArrayBuffer);
  }
  if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  if (typeof message === "object" && message !== null) {
    if (isBlobLike(message)) return new Uint8Array(await message.arrayBuffer());
    if (!nested && "data" in message) return toData(message.data, true);
  }
  throw new TypeError("a WebSocket message must be text, an ArrayBuffer, a typed array, a Blob, or a MessageEvent carrying one");
}

/**
 * The frame parsed as JSON without any check, or `undefined` when it is not JSON:
 * what is left to read from a frame that is not a valid envelope.
 *
 * @example
 * parseLoose('{"type": "FUTURE"}'); // { type: "FUTURE" }
 * parseLoose("{not json");          // undefined
 */
export function parseLoose(data: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data)) as unknown;
  } catch {
    return undefined;
  }
}

function eventTypeOf(data: string | Uint8Array): string {
  const value = parseLoose(data);
  if (typeof value !== "object" || value === null) return "";
  const type: unknown = (value as { type?: unknown }).type;
  return typeof type === "string" ? type : String(type);
}

/**
 * Validates one frame in consumer mode and sorts it: a valid envelope, an
 * unknown (newer) event type, or an invalid frame.
 *
 * @example
 * judge(validateEnvelope, "{not json", {}).kind; // "invalid"
 */
export function judge(validate: Validate, data: string | Uint8Array, options: EnvelopeHandlerOptions["validate"]): Verdict {
  const result = validate(data, { ...options, mode: "consumer" });
  if (result.ok) return { kind: "envelope", envelope: result.envelope };
  if (result.issues.some((i) => i.code === "unknown_event_type")) {
    return { kind: "unknown", eventType: eventTypeOf(data), issues: result.issues };
  }
  return { kind: "invalid", issues: result.issues };
}

/**
 * Calls the handler of `envelope.type` with its payload and the envelope, and
 * awaits it; `false` when `handlers` has none for that type. A handler's error
 * rejects the returned promise.
 *
 * @example
 * const handled = await dispatch({ TYPING_INDICATOR: (typing) => show(typing.is_typing) }, envelope);
 * if (!handled) console.debug("no handler for", envelope.type);
 */
export async function dispatch(handlers: EnvelopeHandlers, envelope: EventEnvelope): Promise<boolean> {
  const handler = handlers[envelope.type] as ((payload: unknown, envelope: EventEnvelope) => unknown) | undefined;
  if (handler === undefined) return false;
  await handler(envelope.payload, envelope);
  return true;
}

/** The `createEnvelopeHandler` of a build, given its `validateEnvelope`. */
export function handlerFactory(validate: Validate) {
  return function createEnvelopeHandler(handlers: EnvelopeHandlers, options: EnvelopeHandlerOptions = {}): EnvelopeHandler {
    return async (message: RawMessage) => {
      const data = await toData(message);
      const verdict = judge(validate, data, options.validate);
      switch (verdict.kind) {
        case "unknown":
          options.onUnknown?.(verdict.eventType, verdict.issues);
          return;
        case "invalid":
          if (options.onInvalid === undefined) throw new EnvelopeValidationError(verdict.issues);
          options.onInvalid(verdict.issues, data);
          return;
        case "envelope": {
          let handled: boolean;
          try {
            handled = await dispatch(handlers, verdict.envelope);
          } catch (error) {
            if (options.onError === undefined) throw error;
            options.onError(error, verdict.envelope);
            return;
          }
          if (!handled) options.onUnhandled?.(verdict.envelope);
        }
      }
    };
  };
}
