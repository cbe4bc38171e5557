// The WebSocket handshake of the contracts: which version a client speaks,
// the close codes a contracts server sends, and what a client does after each.
// Pure constants and string building: no native addon, safe in a browser.
import { CONTRACTS_VERSION } from "./generated/constants.js";

/** The subprotocols that announce a contracts version: `coach-contracts.<MAJOR.MINOR.PATCH>`. */
export const CONTRACTS_SUBPROTOCOL_PREFIX = "coach-contracts.";

/**
 * The subprotocols to open a WebSocket with, announcing the contracts version
 * this bundle was built with, so that the server sends envelopes this build
 * decodes (the current version, or an older one during a rollout window).
 *
 * @example
 * const ws = new WebSocket(url, contractsProtocols());
 * ws.onclose = (e) => { if (e.code === CloseCode.UNSUPPORTED_VERSION) location.reload(); };
 */
export function contractsProtocols(version: string = CONTRACTS_VERSION): string[] {
  return [`${CONTRACTS_SUBPROTOCOL_PREFIX}${version}`];
}

/**
 * The close codes of a contracts server. The 4xxx ones (RFC 6455 leaves
 * 4000-4999 to applications) follow HTTP status codes; 1012 and 1013 are the
 * standard "restarting" and "try again later", and 4012 / 4013 their twins for
 * servers that let applications send only 1000 and 3000-4999 (daphne).
 * `closeAction` tells what a client does after each.
 */
export const CloseCode = {
  /** The server is restarting: reconnect at once and resume (RFC 6455 registry). */
  SERVICE_RESTART: 1012,
  /** The server cannot deliver now (its event stream is unreachable, or the client fell too far behind): reconnect with backoff and resume. */
  TRY_AGAIN_LATER: 1013,
  /** `SERVICE_RESTART` from a server that refuses 1012 from applications (daphne). */
  RESTART: 4012,
  /** `TRY_AGAIN_LATER` from a server that refuses 1013 from applications (daphne). */
  RETRY_LATER: 4013,
  /** The handshake's `resume` parameter is malformed (the close reason says why): do not retry unchanged. */
  BAD_REQUEST: 4400,
  /** Not authenticated: log in, then reconnect. */
  UNAUTHENTICATED: 4401,
  /** Authenticated but not allowed to follow this stream: do not retry. */
  FORBIDDEN: 4403,
  /** This bundle's contracts version is not served (the close reason lists the served ones): reload the app. */
  UNSUPPORTED_VERSION: 4406,
  /** The client sent a frame above the server's limit. */
  FRAME_TOO_LARGE: 4413,
} as const;

/** One of the `CloseCode` values. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * What a client does after a close code: `"stop"` for a refusal (4400, 4401,
 * 4403, 4406, 4413: reconnecting cannot help until the client changes),
 * `"reconnect-now"` after 1012 / 4012 (the server restarts), and
 * `"reconnect-later"` (with backoff) after anything else: 1013 / 4013, 1006 (the
 * connection dropped or never opened), 1011, 1001, 1000, unknown codes.
 */
export type CloseAction = "stop" | "reconnect-now" | "reconnect-later";

const REFUSALS: ReadonlySet<number> = new Set([
  CloseCode.BAD_REQUEST,
  CloseCode.UNAUTHENTICATED,
  CloseCode.FORBIDDEN,
  CloseCode.UNSUPPORTED_VERSION,
  CloseCode.FRAME_TOO_LARGE,
]);

const RECONNECT_AT_ONCE: ReadonlySet<number> = new Set([CloseCode.SERVICE_RESTART, CloseCode.RESTART]);

/**
 * What a client does after the socket closed with `code` (see `CloseAction`);
 * `connectEnvelopes` follows it.
 *
 * @example
 * closeAction(4403); // "stop"
 * closeAction(4012); // "reconnect-now"
 * closeAction(1006); // "reconnect-later"
 */
export function closeAction(code: number): CloseAction {
  if (REFUSALS.has(code)) return "stop";
  if (RECONNECT_AT_ONCE.has(code)) return "reconnect-now";
  return "reconnect-later";
}
