// Rendering received envelopes into the page. Everything goes through
// textContent: payload strings come from other users and must never become HTML.
import type { EventEnvelope, ValidationIssue } from "@coach-app/coach-app-baml-client";

function element(tag: string, attributes: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  for (const child of children) el.append(child);
  return el;
}

/** One field of a payload, findable by tests as `[data-field="name"]`. */
export function field(name: string, value: unknown): HTMLElement {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return element("span", { class: "field", "data-field": name }, ` ${name}: `, element("code", {}, text ?? "null"));
}

/** Appends one received event: its type, its event id and the given payload fields. */
export function showEvent(envelope: EventEnvelope, fields: HTMLElement[]): void {
  const item = element(
    "li",
    { class: "event", "data-type": envelope.type, "data-event-id": envelope.meta.event_id },
    element("strong", {}, envelope.type),
    ...fields,
  );
  document.getElementById("events")?.append(item);
}

/** Appends a rejected frame with its issues; the frame itself is not rendered. */
export function showInvalid(issues: readonly ValidationIssue[]): void {
  const list = element("ul", {}, ...issues.map((i) => element("li", { "data-code": i.code, "data-path": i.path }, `${i.path || "(root)"} ${i.code}: ${i.message}`)));
  document.getElementById("invalid")?.append(element("li", { class: "invalid" }, `rejected a frame with ${issues.length} issue(s)`, list));
}

/**
 * Appends an error thrown by one of this page's handlers. It is not a
 * validation issue (the frame was valid), so it carries no issue code.
 */
export function showHandlerError(error: unknown): void {
  document.getElementById("invalid")?.append(element("li", { class: "handler-error" }, `a handler failed: ${String(error)}`));
}

/** Appends an event type this build does not know (a newer backend): skipped. */
export function showUnknown(eventType: string): void {
  document.getElementById("unknown")?.append(element("li", { class: "unknown", "data-type": eventType }, eventType));
}

/**
 * Notes a resync: the server could not replay what this page missed of
 * `stream`. Shows a notice and counts them in `#resyncs`; a real app refetches
 * the state `stream` feeds instead.
 */
export function showResync(stream: string, cause: string): void {
  const count = document.getElementById("resyncs");
  if (count) count.textContent = String(Number(count.textContent ?? "0") + 1);
  const notice = document.getElementById("resync-notice");
  if (notice) {
    notice.hidden = false;
    notice.textContent = `Some events of ${stream} were missed and cannot be replayed (${cause}): a real app refetches its state here.`;
  }
}

export function setStatus(text: string): void {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}
