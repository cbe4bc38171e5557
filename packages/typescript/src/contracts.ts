// Pure helpers over the generated types: no native addon, no @boundaryml/baml.
import { EventType } from "./baml_client/types.js";
import type { EventEnvelope } from "./baml_client/types.js";
import type { IssueCode } from "./generated/issue-codes.js";

/** Every event type, in declaration order (the values of `EventType`). */
export const EVENT_TYPES: readonly EventType[] = Object.freeze(Object.values(EventType));

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** True when `value` is one of the event types of this contracts version. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && EVENT_TYPE_SET.has(value);
}

/** The envelope interface of one event type, e.g. `EnvelopeOf<"SESSION_SCHEDULED">`. */
export type EnvelopeOf<T extends EventType | `${EventType}`> = Extract<EventEnvelope, { type: `${T}` }>;

/** The payload type of one event type, e.g. `PayloadOf<"TYPING_INDICATOR">`. */
export type PayloadOf<T extends EventType | `${EventType}`> = EnvelopeOf<T>["payload"];

/** Who validates: `producer` (strict, before broadcast) or `consumer` (tolerant, on receipt). */
export type Mode = "producer" | "consumer";

/** Options of the validation functions in `./validate`; every field is optional. */
export interface ValidateOptions {
  /** `"producer"` (the default): exact contract; `"consumer"`: ignores unknown fields, accepts the same MAJOR version. */
  mode?: Mode;
  /** Producer mode: the `contracts_version` the envelope must carry instead of `CONTRACTS_VERSION`. */
  targetVersion?: string;
  /** Stop after this many issues (default 100, at least 1). */
  maxIssues?: number;
  /** Maximum nesting depth of objects and arrays (default 128). */
  maxDepth?: number;
  /** Maximum input size in bytes (default 16 MiB). */
  maxBytes?: number;
}

/** Optional `meta` fields of `makeEnvelope`; `eventId` (UUIDv7) and `timestamp` (now) are filled in when absent. */
export interface MetaOverrides {
  eventId?: string;
  timestamp?: string;
  correlationId?: string;
  actorId?: string;
  requestId?: string;
}

/** One problem in an envelope: the error model shared by Rust, Python and Node. */
export interface ValidationIssue {
  /** JSON Pointer (RFC 6901) to the offending value; `""` is the whole input. */
  path: string;
  /** Stable snake_case code, e.g. `"missing_field"`, `"unknown_event_type"`: one of `IssueCode`. */
  code: IssueCode;
  /** Human-readable explanation, including how to fix it. */
  message: string;
}

/** Thrown by `assertValidEnvelope` and `makeEnvelope`; `issues` lists every problem. */
export class EnvelopeValidationError extends Error {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    const lines = issues.map((i) => `  ${i.path || "(root)"}: ${i.code}: ${i.message}`);
    super(`invalid envelope (${issues.length} issue${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "EnvelopeValidationError";
    this.issues = issues;
  }
}
