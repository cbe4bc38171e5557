// CloudEvents 1.0 for the envelopes, backed by contracts-core (Rust) through
// the napi-rs addon: one envelope is one structured-mode CloudEvent. Every
// function converts its input and delegates; the mapping and the validation
// live in crates/contracts-core/src/cloudevents.rs.
//
//   specversion "1.0"          id = meta.event_id        source = yours (URI-reference)
//   type = "com.coach-app." + type                       time = meta.timestamp
//   datacontenttype "application/json"                   data = payload
//   dataschema "urn:coach-app:contracts:<version>:events:<type>"
//   contractsversion, correlationid, actorid, requestid = contracts_version and the meta ids
import * as native from "#native";
import { EnvelopeValidationError } from "./contracts.js";
import type { ValidateOptions, ValidationIssue } from "./contracts.js";
import type { EventEnvelope, EventType } from "./baml_client/types.js";

export { EnvelopeValidationError };

const constants = native.cloudEventConstants();

/** `"1.0"`: the CloudEvents version written and read. */
export const CLOUDEVENTS_SPEC_VERSION: string = constants.specVersion;
/** `"com.coach-app."`: every CloudEvent `type` is this prefix and the envelope's `type`. */
export const CLOUDEVENT_TYPE_PREFIX: string = constants.typePrefix;
/** `"application/cloudevents+json"`: the HTTP `Content-Type` of a structured-mode event. */
export const CLOUDEVENT_STRUCTURED_CONTENT_TYPE: string = constants.structuredContentType;

/** A structured-mode CloudEvent as `toCloudEvent` writes it. */
export interface CoachCloudEvent {
  specversion: "1.0";
  /** `meta.event_id`. */
  id: string;
  /** The producer, as given to `toCloudEvent`. */
  source: string;
  /** `com.coach-app.<EVENT_TYPE>`. */
  type: `com.coach-app.${EventType}`;
  /** `meta.timestamp` (RFC 3339). */
  time: string;
  datacontenttype: "application/json";
  /** `urn:coach-app:contracts:<contracts_version>:events:<EVENT_TYPE>`. */
  dataschema: string;
  /** `contracts_version`. */
  contractsversion: string;
  /** `meta.correlation_id` (absent when null). */
  correlationid?: string;
  /** `meta.actor_id` (absent when null). */
  actorid?: string;
  /** `meta.request_id` (absent when null). */
  requestid?: string;
  /** The payload. */
  data: EventEnvelope["payload"];
}

/** Options of `toCloudEvent`. */
export interface ToCloudEventOptions {
  /** The CloudEvents `source`: a URI-reference naming the producer, e.g. `"/coach-app/backend"`. */
  source: string;
  /** Validate against this older contracts version instead of the current one (producer mode). */
  targetVersion?: string;
}

/** The result of `toCloudEvent`: the event, or the issues of the envelope. */
export type ToCloudEventResult = { ok: true; event: CoachCloudEvent } | { ok: false; issues: ValidationIssue[] };

/** The result of `fromCloudEvent`: the validated envelope, or the issues (paths into the CloudEvent). */
export type FromCloudEventResult = { ok: true; envelope: EventEnvelope } | { ok: false; issues: ValidationIssue[] };

function toNative(input: string | Uint8Array | object, what: string): string | Uint8Array {
  if (typeof input === "string" || input instanceof Uint8Array) return input;
  const text: string | undefined = JSON.stringify(input);
  if (text === undefined) throw new TypeError(`the ${what} is not JSON-serialisable`);
  return text;
}

function convert(envelope: string | Uint8Array | object, options: ToCloudEventOptions): native.Converted {
  const targetVersion = options.targetVersion === undefined ? {} : { targetVersion: options.targetVersion };
  return native.toCloudEvent(toNative(envelope, "envelope"), options.source, { mode: "producer", ...targetVersion });
}

/**
 * The structured-mode CloudEvent of `envelope` (JSON text, bytes or a parsed
 * value), which is validated in producer mode first. Errors are data
 * (`{ok: false, issues}`, paths into the envelope); throws only for a `source`
 * that is not a URI-reference.
 */
export function toCloudEvent(envelope: string | Uint8Array | object, options: ToCloudEventOptions): ToCloudEventResult {
  const made = convert(envelope, options);
  if (made.json == null) return { ok: false, issues: made.issues };
  return { ok: true, event: JSON.parse(made.json) as CoachCloudEvent };
}

/** `toCloudEvent` as JSON text ready to send (with `CLOUDEVENT_STRUCTURED_CONTENT_TYPE`); throws `EnvelopeValidationError`. */
export function toCloudEventJson(envelope: string | Uint8Array | object, options: ToCloudEventOptions): string {
  const made = convert(envelope, options);
  if (made.json == null) throw new EnvelopeValidationError(made.issues);
  return made.json;
}

/** `toCloudEvent` that returns the event or throws `EnvelopeValidationError`. */
export function toCloudEventOrThrow(envelope: string | Uint8Array | object, options: ToCloudEventOptions): CoachCloudEvent {
  return JSON.parse(toCloudEventJson(envelope, options)) as CoachCloudEvent;
}

/**
 * The envelope a structured-mode CloudEvent (JSON text, bytes or a parsed
 * value, e.g. an SDK `CloudEvent` or `event.toJSON()`) carries, validated in
 * consumer mode unless `options.mode` says otherwise. Attributes the envelope
 * has no place for (`subject`, a broker's extensions) are ignored. Errors are
 * data, with JSON Pointers into the CloudEvent (`/data/title`, `/id`).
 */
export function fromCloudEvent(event: string | Uint8Array | object, options?: ValidateOptions): FromCloudEventResult {
  const made = native.fromCloudEvent(toNative(event, "CloudEvent"), options);
  if (made.json == null) return { ok: false, issues: made.issues };
  return { ok: true, envelope: JSON.parse(made.json) as EventEnvelope };
}

/** `fromCloudEvent` that returns the envelope or throws `EnvelopeValidationError`. */
export function fromCloudEventOrThrow(event: string | Uint8Array | object, options?: ValidateOptions): EventEnvelope {
  const result = fromCloudEvent(event, options);
  if (!result.ok) throw new EnvelopeValidationError(result.issues);
  return result.envelope;
}
