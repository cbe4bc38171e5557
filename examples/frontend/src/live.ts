// Live mode: connect to the backend's WebSocket, validate every frame in
// consumer mode, render what is valid, report what is not.
import { createEnvelopeHandler } from "@coach-app/coach-app-baml-client/validate";
import { field, setStatus, showEvent, showInvalid, showUnknown } from "./render.js";

export function connect(url: string, protocols: string[] = []): WebSocket {
  const socket = new WebSocket(url, protocols);
  setStatus("connecting");
  socket.addEventListener("open", () => setStatus(`open${socket.protocol ? ` (${socket.protocol})` : ""}`));
  socket.addEventListener("close", (event) => setStatus(`closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`));
  socket.onmessage = createEnvelopeHandler(
    {
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
    {
      // Any other known type: render the payload's top-level fields.
      onUnhandled: (envelope) =>
        showEvent(
          envelope,
          Object.entries(envelope.payload).map(([name, value]) => field(name, value)),
        ),
      onUnknown: (eventType) => showUnknown(eventType),
      onInvalid: (issues) => showInvalid(issues),
      onError: (error) => showInvalid([{ path: "", code: "handler_error", message: String(error) }]),
    },
  );
  return socket;
}
