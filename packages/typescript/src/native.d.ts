// Declarations of the napi-rs addon (crates/node-binding), imported as
// "#native" (package.json "imports" -> native/index.js, the loader that
// `napi build` generates). Written by hand so that type-checking does not need
// the native build; `npm test` checks them against the generated
// native/index.d.ts in both directions.
import type { IssueCode } from "./generated/issue-codes.js";

export interface ValidationIssue {
  path: string;
  code: IssueCode;
  message: string;
}

export interface ValidateOptions {
  mode?: "producer" | "consumer";
  targetVersion?: string;
  maxIssues?: number;
  maxDepth?: number;
  maxBytes?: number;
}

export interface MetaOverridesInput {
  eventId?: string;
  timestamp?: string;
  correlationId?: string;
  actorId?: string;
  requestId?: string;
}

export interface MadeEnvelope {
  envelope?: string;
  issues: Array<ValidationIssue>;
}

export interface DowngradeErrorInfo {
  ruleId: string;
  path: string;
  message: string;
}

export interface Downgraded {
  envelope?: string;
  error?: DowngradeErrorInfo;
}

export interface Upgraded {
  envelope?: string;
  error?: DowngradeErrorInfo;
}

export interface CloudEventConstants {
  specVersion: string;
  typePrefix: string;
  structuredContentType: string;
}

export interface Converted {
  json?: string;
  issues: Array<ValidationIssue>;
}

export declare function contractsVersion(): string;
export declare function eventTypes(): Array<string>;
export declare function payloadClass(eventType: string): string | null;
export declare function envelopeIssues(
  input: string | Uint8Array,
  options?: ValidateOptions | undefined | null,
): Array<ValidationIssue>;
export declare function isValidEnvelope(input: string | Uint8Array, options?: ValidateOptions | undefined | null): boolean;
export declare function hiddenByJsonParse(utf8: Uint8Array, length: number): boolean;
export declare function makeEnvelope(
  eventType: string,
  payloadJson: string,
  meta?: MetaOverridesInput | undefined | null,
): MadeEnvelope;
export declare function downgradeEnvelope(input: string | Uint8Array, to: string): Downgraded;
export declare function upgradeEnvelope(input: string | Uint8Array): Upgraded;
export declare function upgradeDto(className: string, input: string | Uint8Array, version: string): Upgraded;
export declare function cloudEventConstants(): CloudEventConstants;
export declare function toCloudEvent(
  envelope: string | Uint8Array,
  source: string,
  options?: ValidateOptions | undefined | null,
): Converted;
export declare function fromCloudEvent(event: string | Uint8Array, options?: ValidateOptions | undefined | null): Converted;
