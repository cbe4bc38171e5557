// connectEnvelopes against a real loopback WebSocket server (the `ws` package)
// that plays one scripted step per connection attempt: frames with positions,
// drops (1006), restarts (1012 / 4012), try-again-later (1013 / 4013),
// refusals, handshakes refused, STREAM_RESYNC, replays and duplicates. Both
// builds of ./validate, installed from the tarball. Waits are short configured
// backoffs; assertions are on what the server and the callbacks saw, never on
// a sleep having passed, except where a test proves that nothing happens
// within many times the configured backoff.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { NAME, PKG, REPO_DIR, issueKeys, loadVectors, makeProject } from "./support.mjs";

let project;
let root;
let builds;

before(async () => {
  project = makeProject({ baml: false });
  root = await project.import("root.mjs");
  builds = { native: await project.import("native.mjs"), portable: await project.import("portable.mjs") };
});
after(() => project?.dispose());

const payloadOf = (file) => loadVectors(PKG.version).find((v) => v.file === file).input.payload;
const pos = (stream, epoch, offset) => ({ stream, epoch, offset });
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate()` holds; fails naming `what` after `timeoutMs`. */
async function until(predicate, what, timeoutMs = 5_000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(5);
  }
}

/** A step that refuses the handshake (HTTP 503): the client sees an error, then close 1006. */
const REFUSE = Symbol("refuse the handshake");
/** A step that keeps the connection open and sends nothing. */
const HOLD = () => {};

const servers = new Set();
const connections = new Set();
afterEach(async () => {
  for (const c of connections) c.close();
  connections.clear();
  await Promise.all([...servers].map((s) => s.close()));
  servers.clear();
});

/**
 * A contracts server on 127.0.0.1 playing `script[i]` for the i-th connection
 * attempt (HOLD when the script has ended). Records every attempt's URL and
 * time, the subprotocols offered, and the close code each socket got.
 */
async function scriptedServer(script) {
  const attempts = [];
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    handleProtocols: (offered) => [...offered].find((p) => p.startsWith("coach-contracts.")) ?? false,
    verifyClient: (info, done) => {
      const index = attempts.length;
      info.req.attempt = index;
      attempts.push({ url: info.req.url, at: performance.now(), protocols: info.req.headers["sec-websocket-protocol"], closed: undefined });
      if (script[index] === REFUSE) done(false, 503, "Service Unavailable");
      else done(true);
    },
  });
  await new Promise((resolve) => wss.once("listening", resolve));
  wss.on("connection", (socket, request) => {
    const attempt = attempts[request.attempt];
    socket.on("close", (code) => {
      attempt.closed = code;
    });
    const step = script[request.attempt] ?? HOLD;
    step({
      send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
      close: (code, reason) => socket.close(code, reason),
      drop: () => socket.terminate(),
    });
  });
  const server = {
    url: `ws://127.0.0.1:${wss.address().port}`,
    attempts,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
  servers.add(server);
  return server;
}

/** Opens `connectEnvelopes` on `server` with short waits and every callback recorded in `log`. */
function open(build, server, { path = "/ws/", handlers = {}, ...options } = {}) {
  const log = { states: [], closes: [], handled: [], unhandled: [], resyncs: [], invalid: [], unknown: [], errors: [] };
  const record = (envelope) => log.handled.push(envelope);
  const connection = build.connectEnvelopes(`${server.url}${path}`, {
    WebSocket,
    handlers: { TYPING_INDICATOR: (_payload, envelope) => record(envelope), ...handlers },
    onStateChange: (state) => log.states.push(state),
    onClose: (close) => log.closes.push({ ...close, at: performance.now() }),
    onResync: (resync) => log.resyncs.push(resync),
    onUnhandled: (envelope) => log.unhandled.push(envelope),
    onInvalid: (issues) => log.invalid.push(issueKeys(issues)),
    onUnknown: (type) => log.unknown.push(type),
    onError: (error, envelope) => log.errors.push([error, envelope]),
    ...options,
    backoff: { initialMs: 20, maxMs: 200, jitter: 0, ...options.backoff },
  });
  connections.add(connection);
  return { connection, log };
}

/** A valid envelope of `type` at `position` (none when undefined). */
function envelope(build, position, type = "TYPING_INDICATOR") {
  const file = type === "GOAL_CREATED" ? "valid-goal-created.json" : "valid-typing-indicator.json";
  const made = build.makeEnvelope(type, payloadOf(file));
  return position === undefined ? made : { ...made, meta: { ...made.meta, position } };
}

const offsets = (envelopes) => envelopes.map((e) => `${e.meta.position.stream}:${e.meta.position.offset}`);
const plain = (close) => ({ code: close.code, reason: close.reason, willReconnect: close.willReconnect, retryInMs: close.retryInMs });

for (const name of ["portable", "native"]) {
  describe(`connectEnvelopes (${name} build)`, () => {
    let build;
    before(() => {
      build = builds[name];
    });

    test("hands each frame to its narrowed handler in order, tracks each stream's position, goes connecting -> open", async () => {
      const frames = [pos("a", "e1", 1), pos("b", "e9", 7), pos("a", "e1", 2)].map((p) => envelope(build, p));
      const goal = envelope(build, pos("a", "e1", 3), "GOAL_CREATED");
      const server = await scriptedServer([(s) => [...frames, goal].forEach(s.send)]);
      const { connection, log } = open(build, server, { path: "/ws/sessions/42/?lang=en" });
      assert.equal(connection.state, "connecting");
      await until(() => log.unhandled.length === 1, "the GOAL_CREATED frame");
      assert.deepEqual(offsets(log.handled), ["a:1", "b:7", "a:2"]);
      assert.deepEqual(log.handled.map((e) => e.meta.event_id), frames.map((e) => e.meta.event_id));
      assert.equal(log.unhandled[0].meta.event_id, goal.meta.event_id);
      assert.deepEqual(log.states, ["connecting", "open"]);
      assert.equal(connection.state, "open");
      assert.equal(connection.protocol, `coach-contracts.${root.CONTRACTS_VERSION}`);
      assert.equal(server.attempts[0].protocols, `coach-contracts.${root.CONTRACTS_VERSION}`);
      assert.equal(server.attempts[0].url, "/ws/sessions/42/?lang=en");
      assert.deepEqual(Object.fromEntries(connection.positions), { a: pos("a", "e1", 3), b: pos("b", "e9", 7) });
      assert.deepEqual([log.errors, log.closes], [[], []]);
    });

    test("after a drop (1006) reconnects after the backoff, resuming every stream from its last handled position", async () => {
      const server = await scriptedServer([
        (s) => {
          [pos("a", "e1", 1), pos("a", "e1", 2), pos("b", "e2", 5)].forEach((p) => s.send(envelope(build, p)));
          s.drop();
        },
        (s) => s.send(envelope(build, pos("a", "e1", 3))),
      ]);
      const { connection, log } = open(build, server, {
        path: "/ws/?lang=en&resume=stale:e:1",
        positions: [pos("restored", "r1", 4)],
      });
      await until(() => log.handled.length === 4, "the frame after the reconnect");
      assert.deepEqual(
        server.attempts.map((a) => a.url),
        ["/ws/?lang=en&resume=restored:r1:4", "/ws/?lang=en&resume=restored:r1:4&resume=a:e1:2&resume=b:e2:5"],
      );
      assert.deepEqual(log.closes.map(plain), [{ code: 1006, reason: "", willReconnect: true, retryInMs: 20 }]);
      assert.ok(server.attempts[1].at - log.closes[0].at >= 15, "reconnected before the backoff");
      assert.deepEqual(log.states, ["connecting", "open", "reconnecting", "open"]);
      assert.deepEqual(offsets(log.handled), ["a:1", "a:2", "b:5", "a:3"]);
      assert.deepEqual(Object.fromEntries(connection.positions), { restored: pos("restored", "r1", 4), a: pos("a", "e1", 3), b: pos("b", "e2", 5) });
    });

    test("restores positions from a record or from an earlier connection's map", async () => {
      const server = await scriptedServer([(s) => s.send(envelope(build, pos("x", "e", 8)))]);
      const first = open(build, server, { positions: { s: pos("s", "e", 2) } });
      await until(() => first.log.handled.length === 1, "the first frame");
      const second = open(build, server, { positions: first.connection.positions });
      await until(() => server.attempts.length === 2, "the second connection");
      assert.deepEqual(server.attempts.map((a) => a.url), ["/ws/?resume=s:e:2", "/ws/?resume=s:e:2&resume=x:e:8"]);
      second.connection.close();
    });

    for (const code of [1013, 4013]) {
      test(`${code} reconnects after the backoff and resumes`, async () => {
        const server = await scriptedServer([
          (s) => {
            s.send(envelope(build, pos("a", "e", 1)));
            s.close(code, "busy");
          },
          HOLD,
        ]);
        const { log } = open(build, server, { backoff: { initialMs: 60 } });
        await until(() => server.attempts.length === 2, "the reconnect");
        assert.deepEqual(log.closes.map(plain), [{ code, reason: "busy", willReconnect: true, retryInMs: 60 }]);
        assert.ok(server.attempts[1].at - log.closes[0].at >= 55, `reconnected after ${server.attempts[1].at - log.closes[0].at} ms`);
        assert.equal(server.attempts[1].url, "/ws/?resume=a:e:1");
      });
    }

    for (const code of [1012, 4012]) {
      test(`${code} (the server restarts) reconnects at once, well before a long backoff`, async () => {
        const server = await scriptedServer([
          (s) => {
            s.send(envelope(build, pos("a", "e", 1)));
            s.close(code, "restarting");
          },
          HOLD,
        ]);
        const { log } = open(build, server, { backoff: { initialMs: 10_000, maxMs: 10_000, jitter: 0.5 } });
        await until(() => server.attempts.length === 2, "the reconnect", 2_000);
        const [close] = log.closes;
        assert.equal(close.code, code);
        assert.equal(close.willReconnect, true);
        assert.ok(close.retryInMs >= 0 && close.retryInMs <= 100, `retryInMs ${close.retryInMs}`);
        assert.ok(server.attempts[1].at - close.at < 1_000);
        assert.equal(server.attempts[1].url, "/ws/?resume=a:e:1");
        await until(() => log.states.length === 4, "open again");
        assert.deepEqual(log.states, ["connecting", "open", "reconnecting", "open"]);
      });
    }

    for (const [label, code] of [["BAD_REQUEST", 4400], ["UNAUTHENTICATED", 4401], ["FORBIDDEN", 4403], ["UNSUPPORTED_VERSION", 4406], ["FRAME_TOO_LARGE", 4413]]) {
      test(`a refusal, ${code} ${label}, closes for good: state closed, onClose gets code and reason, no reconnect`, async () => {
        assert.equal(root.CloseCode[label], code);
        const server = await scriptedServer([(s) => s.close(code, `refused: ${label}`)]);
        const { connection, log } = open(build, server, { backoff: { initialMs: 10 } });
        await until(() => connection.state === "closed", "the refusal");
        assert.deepEqual(log.closes.map(plain), [{ code, reason: `refused: ${label}`, willReconnect: false, retryInMs: undefined }]);
        assert.deepEqual(log.states, ["connecting", "open", "closed"]);
        // 15 times the configured backoff: a reconnect would have come by now.
        await pause(150);
        assert.equal(server.attempts.length, 1);
        assert.deepEqual(log.states, ["connecting", "open", "closed"]);
      });
    }

    test("frames received before a close are handled before it: onClose and the state wait for a slow handler", async () => {
      const server = await scriptedServer([
        (s) => {
          [1, 2].forEach((n) => s.send(envelope(build, pos("s", "e", n))));
          s.close(4403, "not a participant");
        },
      ]);
      const order = [];
      const { connection } = open(build, server, {
        handlers: {
          TYPING_INDICATOR: async (_p, e) => {
            order.push(`start ${e.meta.position.offset} (${connection.state})`);
            if (e.meta.position.offset === 1) await pause(50);
            order.push(`end ${e.meta.position.offset}`);
          },
        },
        onClose: ({ code }) => order.push(`close ${code}`),
        onStateChange: (state) => order.push(state),
      });
      await until(() => connection.state === "closed", "the refusal");
      assert.deepEqual(order, ["connecting", "open", "start 1 (open)", "end 1", "start 2 (open)", "end 2", "closed", "close 4403"]);
    });

    test("a STREAM_RESYNC moves its stream to the position it names and awaits onResync; no handler sees it", async () => {
      const resync = build.makeEnvelope("STREAM_RESYNC", { position: pos("s", "e2", 0), cause: "EPOCH_CHANGED" });
      const server = await scriptedServer([
        (s) => {
          s.send(resync);
          s.send(envelope(build, pos("s", "e2", 1)));
          s.drop();
        },
        HOLD,
      ]);
      const order = [];
      const { connection, log } = open(build, server, {
        positions: [pos("s", "old", 5), pos("t", "e", 3)],
        handlers: {
          TYPING_INDICATOR: (_p, e) => order.push(`frame ${e.meta.position.offset}`),
          STREAM_RESYNC: () => order.push("a handler got the resync"),
        },
        onResync: async (r) => {
          order.push(`resync ${r.stream} (${connection.positions.get("s").epoch})`);
          await pause(30);
          log.resyncs.push(r);
          order.push("refetched");
        },
      });
      await until(() => server.attempts.length === 2, "the reconnect");
      assert.equal(server.attempts[0].url, "/ws/?resume=s:old:5&resume=t:e:3");
      assert.deepEqual(order, ["resync s (e2)", "refetched", "frame 1"]);
      assert.deepEqual(log.unhandled, []);
      const [r] = log.resyncs;
      assert.deepEqual([r.stream, r.position, r.cause, r.envelope.meta.event_id], ["s", pos("s", "e2", 0), "EPOCH_CHANGED", resync.meta.event_id]);
      assert.equal(server.attempts[1].url, "/ws/?resume=t:e:3&resume=s:e2:1");
    });

    test("an envelope whose meta.event_id was handled is dropped, live or replayed after a reconnect", async () => {
      const [a, b, c] = [1, 2, 3].map((n) => envelope(build, pos("s", "e", n)));
      const server = await scriptedServer([
        (s) => {
          [a, b, b].forEach(s.send);
          s.drop();
        },
        (s) => [b, c].forEach(s.send),
      ]);
      const { connection, log } = open(build, server);
      await until(() => log.handled.length === 3, "C");
      await until(() => connection.positions.get("s").offset === 3, "the position of C");
      assert.deepEqual(log.handled.map((e) => e.meta.event_id), [a, b, c].map((e) => e.meta.event_id));
      assert.equal(server.attempts[1].url, "/ws/?resume=s:e:2");
    });

    test("dedupeWindow bounds the event ids remembered (0 remembers none)", async () => {
      const [a, b] = [1, 2].map((n) => envelope(build, pos("s", "e", n)));
      const server = await scriptedServer([(s) => [a, b, a, a].forEach(s.send), (s) => [a, a].forEach(s.send)]);
      const one = open(build, server, { dedupeWindow: 1 });
      await until(() => one.log.handled.length === 3, "three frames");
      const none = open(build, server, { dedupeWindow: 0 });
      await until(() => none.log.handled.length === 2, "both copies");
      // Window 1: a, b (forgets a), a again (handled, remembered), a (dropped).
      assert.deepEqual(one.log.handled.map((e) => e.meta.event_id), [a, b, a].map((e) => e.meta.event_id));
      await pause(20);
      assert.equal(one.log.handled.length, 3);
    });

    test("invalid and unknown frames advance their stream's position, go to onInvalid / onUnknown, never to a handler", async () => {
      const valid = envelope(build, pos("s", "e", 1));
      const frames = [
        { ...valid, payload: { ...valid.payload, is_typing: "yes" } }, // invalid, s:e:1
        { ...envelope(build, pos("s", "e", 2)), type: "FUTURE_EVENT" }, // unknown, s:e:2
        "{not json",
        { ...valid, payload: {}, meta: { ...valid.meta, position: pos("bad stream", "e", 9) } }, // no usable position
        envelope(build, pos("t", "e", 1)),
      ];
      const server = await scriptedServer([
        (s) => {
          frames.forEach(s.send);
          s.drop();
        },
        HOLD,
      ]);
      const { log } = open(build, server);
      await until(() => server.attempts.length === 2, "the reconnect");
      assert.equal(server.attempts[1].url, "/ws/?resume=s:e:2&resume=t:e:1");
      assert.deepEqual(log.invalid[0], ["/payload/is_typing wrong_type"]);
      assert.deepEqual(log.invalid[1], [" invalid_json"]);
      assert.equal(log.invalid.length, 3);
      assert.deepEqual(log.unknown, ["FUTURE_EVENT"]);
      assert.deepEqual(offsets(log.handled), ["t:1"]);
      assert.deepEqual(log.errors, []);
    });

    test("without onInvalid, an invalid frame goes to onError as an EnvelopeValidationError", async () => {
      const server = await scriptedServer([(s) => ["[]", envelope(build, pos("s", "e", 1))].forEach(s.send)]);
      const { log } = open(build, server, { onInvalid: undefined });
      await until(() => log.handled.length === 1, "the valid frame");
      assert.equal(log.errors.length, 1);
      const [error, envelopeOfError] = log.errors[0];
      assert.ok(error instanceof root.EnvelopeValidationError, String(error));
      assert.deepEqual(issueKeys(error.issues), [" not_an_object"]);
      assert.equal(envelopeOfError, undefined);
    });

    test("handles frames one at a time in arrival order with async handlers; a handler's error goes to onError and the next frame is handled", async () => {
      const server = await scriptedServer([(s) => [1, 2, 3, 4].forEach((n) => s.send(envelope(build, pos("s", "e", n))))]);
      const order = [];
      const { connection, log } = open(build, server, {
        handlers: {
          TYPING_INDICATOR: async (_p, e) => {
            const n = e.meta.position.offset;
            order.push(`start ${n}`);
            if (n === 1) await pause(40);
            if (n === 2) throw new Error("render failed");
            if (n === 3) return Promise.reject(new Error("async render failed"));
            order.push(`end ${n}`);
          },
        },
      });
      await until(() => order.includes("end 4"), "frame 4");
      assert.deepEqual(order, ["start 1", "end 1", "start 2", "start 3", "start 4", "end 4"]);
      assert.deepEqual(log.errors.map(([e, env]) => [e.message, env.meta.position.offset]), [["render failed", 2], ["async render failed", 3]]);
      assert.equal(connection.state, "open");
      assert.equal(connection.positions.get("s").offset, 4);
    });

    test("the backoff grows by its factor up to maxMs, counts refused handshakes, and starts over once a frame arrived", async () => {
      const frameThenDrop = (s) => {
        s.send(envelope(build, pos("s", "e", 1)));
        s.drop();
      };
      const server = await scriptedServer([frameThenDrop, REFUSE, REFUSE, REFUSE, frameThenDrop, HOLD]);
      const { log } = open(build, server, { backoff: { initialMs: 10, factor: 2, maxMs: 40, jitter: 0 } });
      await until(() => server.attempts.length === 6, "the sixth attempt");
      assert.deepEqual(log.closes.map((c) => [c.code, c.retryInMs]), [[1006, 10], [1006, 20], [1006, 40], [1006, 40], [1006, 10]]);
      for (let i = 0; i < log.closes.length; i++) {
        const waited = server.attempts[i + 1].at - log.closes[i].at;
        assert.ok(waited >= log.closes[i].retryInMs - 5, `attempt ${i + 2} came ${waited} ms after a ${log.closes[i].retryInMs} ms wait`);
      }
      await until(() => log.states.length === 6, "open again");
      assert.deepEqual(log.states, ["connecting", "open", "reconnecting", "open", "reconnecting", "open"]);
    });

    test("jitter spreads each wait by ±jitter around the base (and by at most 100 ms after a restart)", async () => {
      const waits = [];
      for (const [random, code] of [[() => 0, 1013], [() => 0.999, 1013], [() => 0, 1012], [() => 0.999, 1012]]) {
        const server = await scriptedServer([(s) => s.close(code), HOLD]);
        const { connection, log } = open(build, server, { backoff: { initialMs: 40, jitter: 0.5, random } });
        await until(() => log.closes.length === 1, `the ${code} close`);
        waits.push(log.closes[0].retryInMs);
        connection.close();
      }
      assert.deepEqual(waits, [20, 60, 0, 100]);
    });

    test("close() stops everything: the socket closes with 1000, queued frames are dropped, and nothing is called after it", async () => {
      const server = await scriptedServer([(s) => [1, 2, 3].forEach((n) => s.send(envelope(build, pos("s", "e", n))))]);
      let release;
      const started = [];
      const { connection, log } = open(build, server, {
        handlers: {
          TYPING_INDICATOR: async (_p, e) => {
            started.push(e.meta.position.offset);
            if (e.meta.position.offset === 1) await new Promise((resolve) => (release = resolve));
          },
        },
      });
      await until(() => started.length === 1, "the first frame");
      // Let the other two frames arrive and queue up behind the first.
      await pause(30);
      assert.throws(() => connection.close(1001), /a client can close with 1000 or 3000-4999, got 1001/);
      assert.throws(() => connection.close(1000, "x".repeat(124)), /at most 123 bytes/);
      assert.equal(connection.state, "open");
      connection.close();
      assert.equal(connection.state, "closed");
      release();
      await until(() => server.attempts[0].closed !== undefined, "the server to see the close");
      assert.equal(server.attempts[0].closed, 1000);
      await pause(100);
      assert.deepEqual(started, [1]);
      assert.deepEqual(log.states, ["connecting", "open", "closed"]);
      assert.deepEqual(log.closes, []);
      assert.equal(server.attempts.length, 1);
      assert.equal(connection.positions.get("s").offset, 1);
      connection.close(); // a second close is a no-op
      assert.deepEqual(log.states, ["connecting", "open", "closed"]);
    });

    test("close() while waiting to reconnect cancels the reconnect", async () => {
      const server = await scriptedServer([(s) => s.drop(), HOLD]);
      const { connection, log } = open(build, server, { backoff: { initialMs: 50 } });
      await until(() => connection.state === "reconnecting", "the drop");
      connection.close();
      await pause(250);
      assert.equal(server.attempts.length, 1);
      assert.deepEqual(log.states, ["connecting", "open", "reconnecting", "closed"]);
    });

    test(`tracks at most ${64} streams: the least recently advanced one is dropped first`, async () => {
      const streams = Array.from({ length: 65 }, (_, i) => `s${i}`);
      const server = await scriptedServer([
        (s) => {
          streams.forEach((stream) => s.send(envelope(build, pos(stream, "e", 1))));
          s.drop();
        },
        HOLD,
      ]);
      const { connection } = open(build, server);
      await until(() => server.attempts.length === 2, "the reconnect");
      assert.equal(build.MAX_RESUME_STREAMS, 64);
      assert.equal(connection.positions.size, 64);
      assert.equal(connection.positions.has("s0"), false);
      const resumed = new URL(server.attempts[1].url, server.url.replace("ws:", "http:")).searchParams.getAll("resume");
      assert.deepEqual(resumed, streams.slice(1).map((s) => `${s}:e:1`));
    });

    test("bad arguments throw and say what to pass", () => {
      const server = { url: "ws://127.0.0.1:9" };
      const connect = (options) => build.connectEnvelopes(`${server.url}/ws/`, { WebSocket, ...options });
      assert.throws(() => connect({ positions: [pos("a b", "e", 1)] }), /not a stream position: .*stream: 1-99 of \[A-Za-z0-9\._-\]/);
      assert.throws(() => connect({ positions: [pos("a", "e", -1)] }), TypeError);
      assert.throws(() => connect({ positions: [pos("a", "e", 1), pos("a", "e", 2)] }), /given twice/);
      assert.throws(() => connect({ positions: Array.from({ length: 65 }, (_, i) => pos(`s${i}`, "e", 1)) }), /at most 64 streams/);
      assert.throws(() => connect({ dedupeWindow: -1 }), /dedupeWindow must be a whole number/);
      assert.throws(() => connect({ backoff: { jitter: 2 } }), /backoff.jitter must be a fraction from 0 to 1/);
      assert.throws(() => connect({ backoff: { initialMs: 100, maxMs: 50 } }), /backoff.maxMs must be at least initialMs/);
      const global = globalThis.WebSocket;
      delete globalThis.WebSocket;
      try {
        assert.throws(() => build.connectEnvelopes(`${server.url}/ws/`), /no global WebSocket.*import \{ WebSocket \} from "ws"/);
      } finally {
        if (global !== undefined) globalThis.WebSocket = global;
      }
    });
  });
}

describe("resumeUrl and closeAction", () => {
  test("resumeUrl writes one resume=<stream>:<epoch>:<offset> per stream in place of the URL's, keeping the rest", () => {
    const { resumeUrl } = builds.portable;
    const position = pos("session.42", "kT0c3nV1sQ2b", 17);
    assert.equal(resumeUrl("wss://h/ws/", [position]), "wss://h/ws/?resume=session.42:kT0c3nV1sQ2b:17");
    assert.equal(
      resumeUrl("wss://h/ws/?lang=en&resume=old:e:1&x=%20&resume%3D=y#top", [position, pos("other", "ep2", 3)]),
      "wss://h/ws/?lang=en&x=%20&resume%3D=y&resume=session.42:kT0c3nV1sQ2b:17&resume=other:ep2:3#top",
    );
    assert.equal(resumeUrl("/relative?resume=a:b:1&&k", []), "/relative?k");
    assert.equal(resumeUrl("wss://h/?resume=a:b:1", []), "wss://h/");
    assert.equal(resumeUrl("wss://h/", [pos("a", "e", 0)]), "wss://h/?resume=a:e:0");
    assert.equal(builds.native.resumeUrl("wss://h/", [position]), resumeUrl("wss://h/", [position]));
    assert.throws(() => resumeUrl("wss://h/", [pos("a", "e:1", 1)]), TypeError);
    assert.throws(() => resumeUrl("wss://h/", [pos("a", "e", 1.5)]), TypeError);
  });

  test("closeAction: refusals stop, 1012/4012 reconnect at once, anything else later, as the Python client does", () => {
    const python = readFileSync(join(REPO_DIR, "packages/python/src/coach_app_baml_client/protocols.py"), "utf8");
    const namesIn = (constant) => {
      const block = python.match(new RegExp(`^${constant} = frozenset\\(([\\s\\S]*?)\\)\\n`, "m"));
      assert.ok(block, `${constant} in protocols.py`);
      return [...block[1].matchAll(/CloseCode\.([A-Z_]+)/g)].map((m) => m[1]).sort();
    };
    const byAction = (action) => Object.keys(root.CloseCode).filter((n) => root.closeAction(root.CloseCode[n]) === action).sort();
    assert.deepEqual(byAction("stop"), namesIn("REFUSALS"));
    assert.deepEqual(byAction("reconnect-now"), namesIn("RECONNECT_AT_ONCE"));
    for (const code of [1000, 1001, 1006, 1011, 1013, 4013, 4999, 3000]) assert.equal(root.closeAction(code), "reconnect-later", String(code));
  });
});

describe("connectEnvelopes in tsc", () => {
  const source = `import { connectEnvelopes, type ConnectionState, type EnvelopeConnection, type ConnectionHandlers } from ${JSON.stringify(`${NAME}/validate`)};
import { CloseCode, closeAction, type StreamPosition } from ${JSON.stringify(NAME)};

export const connection: EnvelopeConnection = connectEnvelopes("wss://example.org/ws/sessions/42/", {
  WebSocket,
  handlers: {
    SESSION_STARTED: (payload, envelope) => {
      const id: string = payload.session_id;
      const type: "SESSION_STARTED" = envelope.type;
      return id + type;
    },
    MESSAGE_ADDED: async (payload) => (payload.content.kind === "text" ? payload.content.text : payload.content.attachment.url),
  },
  onResync: async ({ stream, position, cause, envelope }) => {
    const causes: "EPOCH_CHANGED" | "HISTORY_EXPIRED" | "POSITION_UNKNOWN" = cause;
    const offset: number = position.offset;
    const type: "STREAM_RESYNC" = envelope.type;
    return [stream, causes, offset, type];
  },
  onStateChange: (state, c) => {
    const s: ConnectionState = state;
    return s === "open" ? c.protocol : s;
  },
  onClose: ({ code, reason, willReconnect, retryInMs }) => {
    if (!willReconnect && code === CloseCode.UNAUTHENTICATED) return reason;
    return closeAction(code) === "reconnect-now" ? retryInMs : undefined;
  },
  onError: (error, envelope) => [error, envelope?.meta.event_id],
  positions: [{ stream: "session.42", epoch: "kT0c3nV1sQ2b", offset: 17 }],
  backoff: { initialMs: 250, maxMs: 10_000 },
});

export const positions: ReadonlyMap<string, Readonly<StreamPosition>> = connection.positions;
connectEnvelopes("wss://x/", { positions: connection.positions });
connectEnvelopes("wss://x/", { positions: { s: { stream: "s", epoch: "e", offset: 1 } } });
export const typed: ConnectionHandlers = { GOAL_CREATED: (goal) => goal.title };

// @ts-expect-error: a misspelled event type is not a key of the handler map
connectEnvelopes("wss://x/", { handlers: { SESSION_STARTD: () => 1 } });

connectEnvelopes("wss://x/", {
  handlers: {
    // @ts-expect-error: a TYPING_INDICATOR payload has no \`title\`
    TYPING_INDICATOR: (payload) => payload.title,
  },
});

// @ts-expect-error: STREAM_RESYNC goes to onResync, never to a handler
connectEnvelopes("wss://x/", { handlers: { STREAM_RESYNC: () => 1 } });

connectEnvelopes("wss://x/", {
  onResync: ({ cause }) => {
    // @ts-expect-error: the cause is one of three strings
    const n: number = cause;
    return n;
  },
});

// @ts-expect-error: there are four states
export const state: ConnectionState = "opening";

// @ts-expect-error: positions is read-only
connection.positions.set("s", { stream: "s", epoch: "e", offset: 1 });
`;
  const EXPECTED_ERRORS = 6;
  const config = (file, module) =>
    JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], skipLibCheck: false, noEmit: true, ...module }, files: [file] });

  for (const resolution of ["bundler", "nodenext"]) {
    test(`narrows each payload, types the callbacks and takes the DOM WebSocket (moduleResolution ${resolution})`, () => {
      const file = `connection-${resolution}.ts`;
      project.write(file, source);
      const module = resolution === "bundler" ? { module: "ESNext", moduleResolution: "Bundler" } : { module: "NodeNext", moduleResolution: "NodeNext" };
      project.write(`tsconfig.connection-${resolution}.json`, config(file, module));
      const r = project.tsc(["-p", `tsconfig.connection-${resolution}.json`]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }

  test("the @ts-expect-error lines are real errors: without the directives tsc reports each", () => {
    assert.equal(source.split("// @ts-expect-error").length - 1, EXPECTED_ERRORS);
    project.write("connection-unchecked.ts", source.replaceAll("// @ts-expect-error", "// (expected error)"));
    project.write("tsconfig.connection-unchecked.json", config("connection-unchecked.ts", { module: "ESNext", moduleResolution: "Bundler" }));
    const r = project.tsc(["-p", "tsconfig.connection-unchecked.json"]);
    const errors = (r.stdout + r.stderr).split("\n").filter((l) => /error TS\d+/.test(l));
    assert.equal(errors.length, EXPECTED_ERRORS, errors.join("\n"));
  });
});
