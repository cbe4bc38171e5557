// Typed handling of received WebSocket messages, shared by both builds of
// "./validate": each build binds it to its own `validateEnvelope`.
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

type Validate = (
  input: string | Uint8Array,
  options: ValidateOptions,
) => { ok: true; envelope: EventEnvelope } | { ok: false; issues: ValidationIssue[] };

function isBlobLike(value: object): value is BlobLike {
  return typeof (value as Partial<BlobLike>).arrayBuffer === "function";
}

async function toData(message: RawMessage, nested = false): Promise<string | Uint8Array> {
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

function eventTypeOf(data: string | Uint8Array): string {
  try {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    const type: unknown = (JSON.parse(text) as { type?: unknown }).type;
    return typeof type === "string" ? type : String(type);
  } catch {
    return "";
  }
}

/** The `createEnvelopeHandler` of a build, given its `validateEnvelope`. */
export function handlerFactory(validate: Validate) {
  return function createEnvelopeHandler(handlers: EnvelopeHandlers, options: EnvelopeHandlerOptions = {}): EnvelopeHandler {
    const validateOptions: ValidateOptions = { ...options.validate, mode: "consumer" };
    return async (message: RawMessage) => {
      const data = await toData(message);
      const result = validate(data, validateOptions);
      if (!result.ok) {
        if (result.issues.some((i) => i.code === "unknown_event_type")) {
          options.onUnknown?.(eventTypeOf(data), result.issues);
          return;
        }
        if (options.onInvalid === undefined) throw new EnvelopeValidationError(result.issues);
        options.onInvalid(result.issues, data);
        return;
      }
      const envelope = result.envelope;
      const handler = handlers[envelope.type] as ((payload: unknown, envelope: EventEnvelope) => unknown) | undefined;
      if (handler === undefined) {
        options.onUnhandled?.(envelope);
        return;
      }
      try {
        await handler(envelope.payload, envelope);
      } catch (error) {
        if (options.onError === undefined) throw error;
        options.onError(error, envelope);
      }
    };
  };
}
