// The example page's live mode in real headless Chromium against a scripted
// loopback WebSocket server (the `ws` package of packages/typescript): the page
// shows the connection's state, renders envelopes, reconnects after a drop
// announcing the last position it handled, shows and counts a STREAM_RESYNC,
// and stops for good at a refusal (4403).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { WebSocketServer } from "../../../packages/typescript/node_modules/ws/wrapper.mjs";
import { PKG, loadVectors } from "../../../packages/typescript/test/support.mjs";
import { servedPage } from "./prepare.mjs";

const served = servedPage("live");

const typing = loadVectors(PKG.version).find((v) => v.file === "valid-typing-indicator.json").input;

/** An envelope as the backend sends it: a fresh event id and its position in the stream. */
function envelope(type, payload, position) {
  const meta = { event_id: randomUUID(), timestamp: new Date().toISOString(), ...(position ? { position } : {}) };
  return JSON.stringify({ type, contracts_version: PKG.version, payload, meta });
}

/** A loopback server playing `script[i]` on the i-th connection; records each handshake's URL. */
async function scriptedServer(script) {
  const urls = [];
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    handleProtocols: (offered) => [...offered].find((p) => p.startsWith("coach-contracts.")) ?? false,
  });
  await new Promise((resolve) => wss.once("listening", resolve));
  wss.on("connection", (socket, request) => {
    urls.push(request.url);
    script[urls.length - 1]?.(socket);
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    urls,
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}

test("live mode: state, events, a reconnect that resumes, a resync notice, and a refusal", async () => {
  const sent = [];
  const send = (socket, text) => {
    sent.push(JSON.parse(text).meta.event_id);
    socket.send(text);
  };
  const server = await scriptedServer([
    (socket) => {
      send(socket, envelope("TYPING_INDICATOR", typing.payload, { stream: "session.42", epoch: "ep1", offset: 1 }));
      send(socket, envelope("TYPING_INDICATOR", { ...typing.payload, is_typing: true }, { stream: "session.42", epoch: "ep1", offset: 2 }));
      // The page acknowledges nothing; drop once both are rendered (the test waits for that below).
      server.drop = () => socket.close(4013, "fell behind");
    },
    (socket) => {
      // The history is gone: tell the page to refetch, then carry on in the new epoch.
      socket.send(envelope("STREAM_RESYNC", { position: { stream: "session.42", epoch: "ep2", offset: 0 }, cause: "EPOCH_CHANGED" }));
      send(socket, envelope("TYPING_INDICATOR", typing.payload, { stream: "session.42", epoch: "ep2", offset: 1 }));
      server.refuse = () => socket.close(4403, "not a participant");
    },
  ]);
  const page = await served.browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  const status = () => page.textContent("#status");
  const rendered = () => page.evaluate(() => [...document.querySelectorAll("#events > li.event")].map((li) => li.dataset.eventId));
  try {
    await page.goto(`${served.site.url}/index.html?ws=${server.url}/ws/sessions/42/`);
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("open"));
    assert.equal(await status(), `open (coach-contracts.${PKG.version})`);
    await page.waitForFunction(() => document.querySelectorAll("#events > li.event").length === 2);

    server.drop();
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("reconnecting"));
    assert.match(await status(), /^reconnecting \(4013, next try in \d+ ms\)$/);
    await page.waitForFunction(() => document.getElementById("resyncs").textContent === "1", null, { timeout: 10_000 });
    assert.equal(server.urls[1], "/ws/sessions/42/?resume=session.42:ep1:2");
    assert.equal(await page.isVisible("#resync-notice"), true);
    assert.match(await page.textContent("#resync-notice"), /session\.42.*EPOCH_CHANGED/);
    await page.waitForFunction(() => document.querySelectorAll("#events > li.event").length === 3);
    assert.deepEqual(await rendered(), sent);
    assert.equal(await status(), `open (coach-contracts.${PKG.version})`);

    server.refuse();
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("closed"));
    assert.equal(await status(), "closed (4403: not a participant)");
    // Twice the longest first backoff (500 ms + 50 % jitter): a reconnect would have come by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(server.urls.length, 2);
    assert.equal(await status(), "closed (4403: not a participant)");
    assert.deepEqual(problems, [], "the page logged errors");
  } finally {
    await page.close();
    await server.close();
  }
});
