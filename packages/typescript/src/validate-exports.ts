// What both builds of "./validate" (validate.ts, validate-portable.ts) re-export
// unchanged, so that the two keep one API: the error class, the option, issue
// and input types, and the connection helpers that take no validator.
export { EnvelopeValidationError } from "./contracts.js";
export type { EnvelopeInput, ValidationResult } from "./validate-shared.js";
export type { MetaOverrides, Mode, ValidateOptions, ValidationIssue } from "./contracts.js";
export type { IssueCode } from "./generated/issue-codes.js";
export type {
  BlobLike,
  EnvelopeHandler,
  EnvelopeHandlerOptions,
  EnvelopeHandlers,
  RawMessage,
} from "./envelope-handler.js";
export { MAX_RESUME_STREAMS, resumeUrl } from "./connection.js";
export type {
  BackoffOptions,
  ConnectionClose,
  ConnectionHandlers,
  ConnectionState,
  ConnectOptions,
  EnvelopeConnection,
  PositionsInput,
  Resync,
  WebSocketClass,
  WebSocketLike,
} from "./connection.js";
