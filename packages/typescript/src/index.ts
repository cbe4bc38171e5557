// The package root: types, constants and pure helpers only. Importing it
// loads neither the native addon nor @boundaryml/baml (the generated
// types module imports only types from it). Validation lives in
// "./validate", the BAML client in "./baml_client".
export * from "./baml_client/types.js";
export { CONTRACTS_VERSION, PACKAGE_NAME } from "./generated/constants.js";
export { ISSUE_CODES } from "./generated/issue-codes.js";
export type { IssueCode } from "./generated/issue-codes.js";
export { EVENT_TYPES, isEventType, EnvelopeValidationError } from "./contracts.js";
export type { EnvelopeOf, PayloadOf, Mode, ValidateOptions, MetaOverrides, ValidationIssue } from "./contracts.js";
export { CONTRACTS_SUBPROTOCOL_PREFIX, CloseCode, closeAction, contractsProtocols } from "./protocols.js";
export type { CloseAction } from "./protocols.js";
