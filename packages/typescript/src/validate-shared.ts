// What both builds of "./validate" define the same way, on top of their own
// `validateEnvelope`: the input and result types, the throwing variant, and
// the payload's JSON text for `makeEnvelope`.
import type { EventEnvelope } from "./baml_client/types.js";
import { EnvelopeValidationError } from "./contracts.js";
import type { ValidateOptions, ValidationIssue } from "./contracts.js";

/** An envelope to validate: JSON text, UTF-8 bytes (`Uint8Array`, `Buffer`), or an already parsed value. */
export type EnvelopeInput = string | Uint8Array | object;

/** The result of `validateEnvelope`. */
export type ValidationResult = { ok: true; envelope: EventEnvelope } | { ok: false; issues: ValidationIssue[] };

type Validate = (input: EnvelopeInput, options?: ValidateOptions) => ValidationResult;

/** `assertValidEnvelope` over a build's `validateEnvelope`. */
export function asserting(validate: Validate): (input: EnvelopeInput, options?: ValidateOptions) => EventEnvelope {
  return (input, options) => {
    const result = validate(input, options);
    if (!result.ok) throw new EnvelopeValidationError(result.issues);
    return result.envelope;
  };
}

/** The payload of `makeEnvelope` as JSON text; a `TypeError` when JSON cannot carry it. */
export function payloadJson(payload: unknown): string {
  const text: string | undefined = JSON.stringify(payload);
  if (text === undefined) throw new TypeError("the payload is not JSON-serialisable");
  return text;
}
