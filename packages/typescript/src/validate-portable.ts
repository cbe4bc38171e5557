// Envelope validation in plain JavaScript, generated from the contracts by
// `contracts gen` (../generated/validator.ts) with the same rules, codes and
// JSON Pointers as contracts-core. No native addon, no `node:` import, no
// eval: this is the build of "./validate" for browsers, Web Workers, Deno,
// Bun and edge runtimes (the `browser`, `worker`, `deno` and default export
// conditions), also reachable as "./validate/portable".
import { EnvelopeValidationError } from "./contracts.js";
import type { EnvelopeOf, MetaOverrides, ValidateOptions, ValidationIssue } from "./contracts.js";
import type { EventEnvelope, EventType } from "./baml_client/types.js";
import { handlerFactory } from "./envelope-handler.js";
import { connectionFactory } from "./connection.js";
import { asserting, payloadJson, type EnvelopeInput, type ValidationResult } from "./validate-shared.js";
import { CONTRACTS_VERSION } from "./generated/constants.js";
import { CURRENT } from "./generated/validator.js";
import { check, isValid, NO_ISSUES } from "./portable/check.js";
import { resolveOptions } from "./portable/options.js";
import { uuid7 } from "./portable/uuid7.js";

export * from "./validate-exports.js";

/** Which build of "./validate" this is: `"portable"` (generated JavaScript) or `"native"` (the napi addon). */
export const VALIDATOR_BUILD: "native" | "portable" = "portable";


/**
 * Every issue in `input`; an empty array means valid. Throws a `TypeError` /
 * `RangeError` only for bad arguments (an unknown `mode`, `maxIssues: 0`, an
 * `undefined` input).
 */
export function envelopeIssues(input: EnvelopeInput, options?: ValidateOptions): ValidationIssue[] {
  const { issues } = check(input, resolveOptions(options));
  return issues === NO_ISSUES ? [] : issues;
}

/** Validates `input`; on success returns the envelope (parsed when given as text or bytes). */
export function validateEnvelope(input: EnvelopeInput, options?: ValidateOptions): ValidationResult {
  const { value, issues } = check(input, resolveOptions(options));
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, envelope: value as EventEnvelope };
}

/** True when `input` is a valid envelope (narrows parsed values to `EventEnvelope`). */
export function isValidEnvelope(input: string | Uint8Array, options?: ValidateOptions): boolean;
export function isValidEnvelope(input: object, options?: ValidateOptions): input is EventEnvelope;
export function isValidEnvelope(input: EnvelopeInput, options?: ValidateOptions): boolean {
  return isValid(input, resolveOptions(options));
}

/** Returns the valid envelope or throws `EnvelopeValidationError` (with `.issues`). */
export const assertValidEnvelope = asserting(validateEnvelope);

/**
 * Builds an envelope of `eventType` around `payload`: fills `contracts_version`,
 * `meta.event_id` (UUIDv7) and `meta.timestamp` (now) unless given in `meta`,
 * and validates it in producer mode. Throws `EnvelopeValidationError` when invalid.
 */
export function makeEnvelope<T extends EventType | `${EventType}`>(
  eventType: T,
  payload: EnvelopeOf<T>["payload"],
  meta?: MetaOverrides,
): EnvelopeOf<T> {
  const text = payloadJson(payload);
  const metaObject: Record<string, string> = {
    event_id: meta?.eventId ?? uuid7(),
    timestamp: meta?.timestamp ?? new Date().toISOString(),
  };
  if (meta?.correlationId !== undefined) metaObject.correlation_id = meta.correlationId;
  if (meta?.actorId !== undefined) metaObject.actor_id = meta.actorId;
  if (meta?.requestId !== undefined) metaObject.request_id = meta.requestId;
  const envelope = {
    type: eventType,
    contracts_version: CONTRACTS_VERSION,
    payload: JSON.parse(text) as unknown,
    meta: metaObject,
  };
  const { issues } = check(envelope, resolveOptions(undefined));
  if (issues.length > 0) throw new EnvelopeValidationError(issues);
  return envelope as unknown as EnvelopeOf<T>;
}

/** The payload class bound to `eventType` (e.g. `"CoachingSession"`), or `null` when unknown. */
export function payloadClass(eventType: string): string | null {
  return CURRENT.payloadClass(eventType) ?? null;
}

/**
 * A `WebSocket` message handler that validates every frame in consumer mode
 * and calls the handler of its event type with the narrowed payload:
 *
 * ```ts
 * socket.onmessage = createEnvelopeHandler(
 *   { SESSION_STARTED: (payload) => show(payload.session_id) },
 *   { onInvalid: (issues) => report(issues) },
 * );
 * ```
 */
export const createEnvelopeHandler = handlerFactory(validateEnvelope);

/**
 * A WebSocket connection to a contracts server that survives reconnects: every
 * frame is validated in consumer mode and handled in arrival order (handlers
 * may be async), each `meta.event_id` once; after a drop it reconnects with
 * backoff and resumes from the last position handled per stream
 * (`?resume=<stream>:<epoch>:<offset>`); a `STREAM_RESYNC` moves the stream to
 * its current position and calls `onResync` (refetch there); a refusal
 * (4400, 4401, 4403, 4406, 4413) closes it for good.
 *
 * ```ts
 * const connection = connectEnvelopes("wss://example.org/ws/sessions/42/", {
 *   handlers: { SESSION_SUMMARY_READY: (summary) => show(summary.content.headline) },
 *   onResync: ({ stream }) => refetch(stream),
 *   onStateChange: (state) => (banner.textContent = state),
 *   onClose: ({ code, willReconnect }) => willReconnect || (code === 4401 && login()),
 * });
 * connection.close();
 * ```
 */
export const connectEnvelopes = connectionFactory(validateEnvelope);
