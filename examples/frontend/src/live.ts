// Live mode: connect to the backend's WebSocket with connectEnvelopes, which
// validates every frame in consumer mode, reconnects after a drop and resumes
// where this page left off; render what is valid, report what is not, and
// show the connection's state and every resync.
import { connectEnvelopes, type EnvelopeConnection } from "@coach-app/coach-app-baml-client/validate";
import { field, setStatus, showEvent, showHandlerError, showInvalid, showResync, showUnknown } from "./render.js";

/**
 * Connects the page to `url`, announcing `protocols` (the contracts version);
 * the status line follows the connection: `connecting`, `open (<subprotocol>)`,
 * `reconnecting (<code>, next try in <ms> ms)`, `closed (<code>: <reason>)`.
 */
export function connect(url: string, protocols: string[] = []): EnvelopeConnection {
  return connectEnvelopes(url, {
    protocols,
    handlers: {
      // Each handler gets its payload narrowed to the DTO of its event type.
      SESSION_SUMMARY_READY: (summary, envelope) =>
        showEvent(envelope, [
          field("headline", summary.content.headline),
          field("sentiment", summary.content.sentiment),
          field("action_items", summary.content.action_items.map((a) => a.title)),
        ]),
      MESSAGE_ADDED: (message, envelope) =>
        showEvent(envelope, [field("content", message.content.kind === "text" ? message.content.text : message.content.attachment.file_name)]),
      TYPING_INDICATOR: (typing, envelope) => showEvent(envelope, [field("is_typing", typing.is_typing)]),
      GOAL_UPDATED: (goal, envelope) => showEvent(envelope, [field("title", goal.title), field("status", goal.status)]),
    },
    // Any other known type: render the payload's top-level fields.
    onUnhandled: (envelope) =>
      showEvent(
        envelope,
        Object.entries(envelope.payload).map(([name, value]) => field(name, value)),
      ),
    onUnknown: (eventType) => showUnknown(eventType),
    onInvalid: (issues) => showInvalid(issues),
    onError: (error) => showHandlerError(error),
    // What was missed cannot be replayed: a real app refetches its state here.
    onResync: ({ stream, cause }) => showResync(stream, cause),
    onStateChange: (state, connection) => {
      if (state === "open") setStatus(`open${connection.protocol ? ` (${connection.protocol})` : ""}`);
      else if (state !== "closed") setStatus(state);
    },
    onClose: ({ code, reason, willReconnect, retryInMs }) => {
      if (willReconnect) setStatus(`reconnecting (${code}, next try in ${retryInMs ?? 0} ms)`);
      else setStatus(`closed (${code}${reason ? `: ${reason}` : ""})`);
    },
  });
}
