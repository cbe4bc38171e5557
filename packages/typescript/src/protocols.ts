// The WebSocket handshake of the contracts: which version a client speaks,
// and the close codes a contracts server sends. Pure constants and string
// building: no native addon, safe in a browser.
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
 * The close codes of a contracts server (RFC 6455 leaves 4000-4999 to
 * applications); they follow HTTP status codes.
 */
export const CloseCode = {
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
