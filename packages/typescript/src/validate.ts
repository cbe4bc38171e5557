// Envelope validation backed by contracts-core (Rust) through the napi-rs
// addon in ../native: importing this module loads the addon. Every function
// converts its input and delegates; no validation logic lives here. This is
// the build of "./validate" under the `node` export condition, also reachable
// as "./validate/native"; everywhere else "./validate" is the generated
// JavaScript build (validate-portable.ts), with the same API for validation.
//
// JSON text and bytes get the core's verdict, which reads them exactly
// (duplicate keys, integers beyond 2^53, lone surrogates). An already parsed
// object goes to the generated JavaScript validator instead: handing it to
// the addon would mean JSON.stringify plus a copy across N-API, several times
// slower than checking it in place (BENCHMARKS.md), for the same verdicts.
// `validateEnvelope` on text takes the same route, since it parses the text
// anyway (validate-text.ts): the generated validator checks the parsed value,
// and the core is asked only what JSON.parse hides, by a scan much cheaper
// than validating, and for the issues of an invalid envelope.
import * as native from "#native";
import { EnvelopeValidationError } from "./contracts.js";
import type { EnvelopeOf, MetaOverrides, ValidateOptions, ValidationIssue } from "./contracts.js";
import type { EventEnvelope, EventType } from "./baml_client/types.js";
import { handlerFactory } from "./envelope-handler.js";
import { connectionFactory } from "./connection.js";
import { asserting, payloadJson, type EnvelopeInput, type ValidationResult } from "./validate-shared.js";
import { CONTRACTS_VERSION } from "./generated/constants.js";
import { check, isValid, NO_ISSUES } from "./portable/check.js";
import { resolveOptions } from "./portable/options.js";
import { parsedIfValid } from "./validate-text.js";

export * from "./validate-exports.js";

/** Which build of "./validate" this is: `"native"` (the napi addon) or `"portable"` (generated JavaScript). */
export const VALIDATOR_BUILD: "native" | "portable" = "native";

if (native.contractsVersion() !== CONTRACTS_VERSION) {
  throw new Error(
    `native addon built from contracts ${native.contractsVersion()} but this package is ${CONTRACTS_VERSION}: rebuild it (npm run build)`,
  );
}


/** Why `downgradeEnvelope` refused: the `contracts diff` rule id (e.g. `"enum-value-added"`), a JSON Pointer and a message. */
export type DowngradeError = { ruleId: string; path: string; message: string };

/** The result of `downgradeEnvelope`: the envelope for the older client, or why it cannot be made losslessly. */
export type DowngradeResult = { ok: true; envelope: Record<string, unknown> } | { ok: false; error: DowngradeError };


const BOM = "\uFEFF";
const decoder = new TextDecoder("utf-8");

function isText(input: EnvelopeInput): input is string | Uint8Array {
  return typeof input === "string" || input instanceof Uint8Array;
}

function toNative(input: EnvelopeInput): string | Uint8Array {
  if (isText(input)) return input;
  const text: string | undefined = JSON.stringify(input);
  if (text === undefined) throw new TypeError("the envelope is not JSON-serialisable");
  return text;
}

function parse(input: string | Uint8Array): EventEnvelope {
  const text = typeof input === "string" ? input : decoder.decode(input);
  return JSON.parse(text.startsWith(BOM) ? text.slice(1) : text) as EventEnvelope;
}

/** Every issue in `input`; an empty array means valid. Throws a `TypeError`/`Error` only for bad arguments (e.g. an unknown `mode`). */
export function envelopeIssues(input: EnvelopeInput, options?: ValidateOptions): ValidationIssue[] {
  if (!isText(input)) {
    const { issues } = check(input, resolveOptions(options));
    return issues === NO_ISSUES ? [] : issues;
  }
  return native.envelopeIssues(input, options);
}

/** Validates `input`; on success returns the envelope (parsed when given as text or bytes). */
export function validateEnvelope(input: EnvelopeInput, options?: ValidateOptions): ValidationResult {
  if (isText(input)) {
    const envelope = parsedIfValid(input, options);
    if (envelope !== undefined) return { ok: true, envelope };
  }
  const issues = envelopeIssues(input, options);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, envelope: isText(input) ? parse(input) : (input as EventEnvelope) };
}

/** True when `input` is a valid envelope (narrows parsed values to `EventEnvelope`). */
export function isValidEnvelope(input: string | Uint8Array, options?: ValidateOptions): boolean;
export function isValidEnvelope(input: object, options?: ValidateOptions): input is EventEnvelope;
export function isValidEnvelope(input: EnvelopeInput, options?: ValidateOptions): boolean {
  if (!isText(input)) return isValid(input, resolveOptions(options));
  return native.isValidEnvelope(input, options);
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
  const made = native.makeEnvelope(eventType, text, meta);
  if (made.envelope == null) throw new EnvelopeValidationError(made.issues);
  return JSON.parse(made.envelope) as EnvelopeOf<T>;
}

/**
 * Rewrites an envelope of this package's contracts version into one a client of
 * the older version `to` decodes (fields `to` did not have are dropped,
 * `contracts_version` becomes `to`). `to === CONTRACTS_VERSION` returns it
 * unchanged. Errors are data: `{ok: false, error: {ruleId, path, message}}`
 * for an unknown version, a new event type, a new enum value, a missing
 * required field or a changed type. Throws only when `input` is not
 * JSON-serialisable.
 */
export function downgradeEnvelope(input: EnvelopeInput, to: string): DowngradeResult {
  const result = native.downgradeEnvelope(toNative(input), to);
  if (result.envelope != null) return { ok: true, envelope: JSON.parse(result.envelope) as Record<string, unknown> };
  const error = result.error ?? { ruleId: "invalid-envelope", path: "", message: "no envelope and no error" };
  return { ok: false, error: { ruleId: error.ruleId, path: error.path, message: error.message } };
}

/** Why `upgradeEnvelope` / `upgradeDto` refused: the `contracts diff` rule id (e.g. `"enum-value-removed"`), a JSON Pointer and a message. */
export type UpgradeError = { ruleId: string; path: string; message: string };

/** The result of `upgradeEnvelope` / `upgradeDto`: the value in this package's version, or why it cannot be carried forward. */
export type UpgradeResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: UpgradeError };

/**
 * Rewrites an envelope of an older released contracts version (the one its
 * `contracts_version` names; this package ships their schemas) into one of
 * `CONTRACTS_VERSION`: fields added since stay absent, `contracts_version`
 * becomes the current one, and the result validates in producer mode. An
 * envelope of the current version comes back unchanged once it validates.
 * Errors are data, `{ok: false, error: {ruleId, path, message}}`:
 * `event-type-removed`, `enum-value-removed`, `field-removed`,
 * `field-added-required`, `field-optional-to-required`, `field-type-changed`,
 * `unknown-version`, `invalid-envelope`. Throws only when `input` is not
 * JSON-serialisable.
 *
 * With `{className, version}` the input is a bare DTO of that class as
 * `version` declared it (a persisted `parsed_output` and its
 * `contracts_version`), rewritten into that class of the current version;
 * `unknown-class`, `class-removed` and `invalid-value` are then possible too.
 *
 * @example
 * const stored = { parsed_output: { title: "Book the gym", owner: "CLIENT", priority: "HIGH" }, contracts_version: "0.1.0" };
 * const read = upgradeEnvelope(stored.parsed_output, { className: "ActionItemDraft", version: stored.contracts_version });
 * if (read.ok) console.log(read.value.title);
 */
export function upgradeEnvelope(input: EnvelopeInput, dto?: { className: string; version: string }): UpgradeResult {
  const result =
    dto === undefined
      ? native.upgradeEnvelope(toNative(input))
      : native.upgradeDto(dto.className, toNative(input), dto.version);
  if (result.envelope != null) return { ok: true, value: JSON.parse(result.envelope) as Record<string, unknown> };
  const error = result.error ?? { ruleId: "invalid-envelope", path: "", message: "no value and no error" };
  return { ok: false, error: { ruleId: error.ruleId, path: error.path, message: error.message } };
}

/** The payload class bound to `eventType` (e.g. `"CoachingSession"`), or `null` when unknown. */
export function payloadClass(eventType: string): string | null {
  return native.payloadClass(eventType);
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

/** The contracts version the native addon was built from (equals `CONTRACTS_VERSION`). */
export function nativeContractsVersion(): string {
  return native.contractsVersion();
}
