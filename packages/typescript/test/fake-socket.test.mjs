// The fake event socket of "./testing" (FakeEventServer, FakeWebSocket), from
// the packed tarball installed in a fresh project: the WebSocket surface a
// page uses, the consumer's handshake and close codes, positions, replay and
// STREAM_RESYNC, downgrades and skips, and connectEnvelopes (both builds)
// driven by it: handlers called, resync, reconnect on 1012, stop on 4403.
// The frames themselves are held equal to the real ContractsConsumer's by
// packages/python/tests/test_fake_socket_differential.py; here the runner it
// uses (fake-socket-runner.mjs) runs against the installed package too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { NAME, PKG, PKG_DIR, REPO_DIR, expandPlaceholders, makeProject } from "./support.mjs";

const SCRIPTS_DIR = join(REPO_DIR, "testdata", "socket-scripts");
const URL = "wss://example.org/ws/sessions/42/";

let project;
let testing;
let root;
let builds;
let VERSION;
let PROTOCOL;

before(async () => {
  project = makeProject({ baml: false });
  project.write("testing.mjs", `export * from ${JSON.stringify(`${NAME}/testing`)};\n`);
  testing = await project.import("testing.mjs");
  assert.equal(
    typeof testing.FakeEventServer,
    "function",
    `${NAME}/testing does not export FakeEventServer: add \`export * from "./fake-socket.js"\` to src/testing/index.ts`,
  );
  root = await project.import("root.mjs");
  builds = { native: await project.import("native.mjs"), portable: await project.import("portable.mjs") };
  VERSION = root.CONTRACTS_VERSION;
  PROTOCOL = `coach-contracts.${VERSION}`;
});
after(() => project?.dispose());

let serial = 0;
/** A valid envelope of `type` with an event id of its own. */
function envelope(type = "TYPING_INDICATOR") {
  serial += 1;
  return testing.exampleEnvelope(type, { meta: { event_id: `0192f0c1-7a52-7cc3-8d1e-${String(serial).padStart(12, "0")}` } });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate, what, timeoutMs = 5_000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(2);
  }
}

/** Every event a socket dispatches, as `[type, detail]`. */
function record(socket) {
  const events = [];
  socket.onopen = () => events.push(["open", socket.protocol]);
  socket.onmessage = (event) => events.push(["message", event.data]);
  socket.onerror = () => events.push(["error"]);
  socket.onclose = (event) => events.push(["close", event.code, event.reason, event.wasClean]);
  return events;
}

const frames = (events) => events.filter(([type]) => type === "message").map(([, data]) => JSON.parse(data));
const offsets = (events) => frames(events).map((f) => (f.type === "STREAM_RESYNC" ? `resync:${f.payload.cause}:${f.payload.position.offset}` : f.meta.position?.offset));

describe("FakeWebSocket: the WebSocket a page sees", () => {
  test("connects, opens with the chosen subprotocol, dispatches frames one per task, and closes", async () => {
    const server = new testing.FakeEventServer({ steps: [{ send: envelope() }, { close: 1000, reason: "bye" }] });
    const socket = new server.WebSocket(URL, [PROTOCOL]);
    assert.equal(socket.readyState, server.WebSocket.CONNECTING);
    assert.equal(socket.protocol, "");
    assert.throws(() => socket.send("x"), { name: "InvalidStateError" });
    const events = record(socket);
    const listened = [];
    socket.addEventListener("message", () => listened.push("listener"), { once: true });
    await server.done;
    assert.deepEqual(events.map(([type]) => type), ["open", "message", "close"]);
    assert.equal(events[0][1], PROTOCOL);
    assert.deepEqual(events[2], ["close", 1000, "bye", true]);
    assert.deepEqual(listened, ["listener"]);
    assert.equal(socket.readyState, 3);
    assert.equal(socket.url, URL);
    assert.deepEqual([socket.OPEN, socket.CLOSED, socket.extensions], [1, 3, ""]);
    assert.equal(server.sockets.length, 1);
  });

  test("checks its arguments as a browser does", () => {
    const server = new testing.FakeEventServer({ steps: [] }, { autoplay: false });
    assert.throws(() => new server.WebSocket("not a url"), { name: "SyntaxError" });
    assert.throws(() => new server.WebSocket("ftp://example.org/"), { name: "SyntaxError" });
    assert.throws(() => new server.WebSocket(URL, ["a", "a"]), { name: "SyntaxError" });
    assert.throws(() => new server.WebSocket(URL, ["no spaces"]), { name: "SyntaxError" });
    assert.throws(() => new testing.FakeWebSocket(URL), /server\.WebSocket/);
    const socket = new server.WebSocket("https://example.org/ws/");
    assert.equal(socket.url, "wss://example.org/ws/");
    assert.throws(() => socket.close(1001), { name: "InvalidAccessError" });
    assert.throws(() => socket.close(1000, "x".repeat(124)), { name: "SyntaxError" });
  });

  test("closing while connecting fails the socket (1006), as a browser does", async () => {
    const server = new testing.FakeEventServer({ steps: [] }, { autoplay: false });
    const socket = new server.WebSocket(URL);
    const events = record(socket);
    socket.close();
    await until(() => events.length === 2, "the close");
    assert.deepEqual(events, [["error"], ["close", 1006, "", false]]);
  });

  test("install() replaces globalThis.WebSocket until restored", async () => {
    const server = new testing.FakeEventServer({ steps: [{ send: envelope() }] });
    const before = globalThis.WebSocket;
    const restore = server.install();
    try {
      assert.equal(globalThis.WebSocket, server.WebSocket);
      const socket = new WebSocket(URL, [PROTOCOL]);
      const events = record(socket);
      await server.done;
      assert.equal(frames(events).length, 1);
    } finally {
      restore();
    }
    assert.equal(globalThis.WebSocket, before);
  });
});

describe("FakeEventServer: what ContractsConsumer sends", () => {
  test("the handshake: the version each offer is served, 4406 with the consumer's reason", async () => {
    const major = Number(VERSION.split(".")[0]);
    const minor = Number(VERSION.split(".")[1]);
    const cases = [
      [[PROTOCOL], ["open", PROTOCOL]],
      [[], ["open", ""]],
      [[`coach-contracts.${major}.${minor + 1}.0`], ["open", `coach-contracts.${major}.${minor + 1}.0`]],
      [["chat", "coach-contracts.banana", PROTOCOL], ["open", PROTOCOL]],
      [["coach-contracts.banana"], ["close", 4406, `contracts "banana" is not a MAJOR.MINOR.PATCH version; supported: ${VERSION}`, true]],
      [[`coach-contracts.${major + 1}.0.0`], ["close", 4406, `contracts "${major + 1}.0.0" has a later MAJOR than this server; supported: ${VERSION}`, true]],
      [[`coach-contracts.${VERSION}-rc.1`], ["close", 4406, `contracts "${VERSION}-rc.1" is not a release this server keeps; supported: ${VERSION}`, true]],
    ];
    for (const [offered, expected] of cases) {
      const server = new testing.FakeEventServer({ steps: [] }); // an implicit { connect: {} }
      const events = record(new server.WebSocket(URL, offered));
      await server.done;
      assert.deepEqual(events.at(-1), expected, `offered ${JSON.stringify(offered)}`);
    }
  });

  test("a page that offers subprotocols and gets none back fails the handshake (1006), as a browser does", async () => {
    const server = new testing.FakeEventServer({ steps: [] });
    const events = record(new server.WebSocket(URL, ["chat"]));
    await server.done;
    assert.deepEqual(events, [["error"], ["close", 1006, "", false]]);
  });

  test("refusals: 4401 and 4403 with the consumer's reasons, after accepting the offered subprotocol", async () => {
    const server = new testing.FakeEventServer({ steps: [{ connect: { refuse: 4401 } }, { connect: { refuse: 4403 } }] });
    const first = record(new server.WebSocket(URL, [PROTOCOL]));
    const second = record(new server.WebSocket(URL, ["coach-contracts.banana"]));
    await server.done;
    assert.deepEqual(first, [["open", PROTOCOL], ["close", 4401, "unauthenticated", true]]);
    assert.deepEqual(second, [["open", "coach-contracts.banana"], ["close", 4403, "forbidden", true]]);
  });

  test("positions, history and resume: replay after the announced offset, STREAM_RESYNC out of the window", async () => {
    const server = new testing.FakeEventServer(
      { epoch: "e1", history_size: 2, steps: [{ send: envelope() }, { send: envelope() }, { send: envelope() }, { send: envelope() }] },
      { autoplay: false },
    );
    const live = record(new server.WebSocket(URL, [PROTOCOL]));
    await server.play();
    assert.deepEqual(offsets(live), [1, 2, 3, 4]);
    assert.deepEqual(frames(live)[0].meta.position, { stream: "session.42", epoch: "e1", offset: 1 });
    assert.deepEqual(server.position(), { stream: "session.42", epoch: "e1", offset: 4 });
    const resumed = async (query) => {
      const played = server.run({ connect: {} }); // takes the next socket
      const events = record(new server.WebSocket(`${URL}?${query}`, [PROTOCOL]));
      await played;
      return offsets(events);
    };
    assert.deepEqual(await resumed("resume=session.42:e1:2"), [3, 4]);
    assert.deepEqual(await resumed("resume=session.42:e1:4"), []);
    assert.deepEqual(await resumed("resume=session.42:e1:1"), ["resync:HISTORY_EXPIRED:4"]);
    assert.deepEqual(await resumed("resume=session.42:e0:4"), ["resync:EPOCH_CHANGED:4"]);
    assert.deepEqual(await resumed("resume=session.42:e1:9"), ["resync:POSITION_UNKNOWN:4"]);
    const played = server.run({ connect: {} });
    const bad = record(new server.WebSocket(`${URL}?resume=session.42:e1`, [PROTOCOL]));
    await played;
    assert.deepEqual(bad[1], ["close", 4400, "resume='session.42:e1': expected <stream>:<epoch>:<offset>, the stream's last handled meta.position", true]);
  });

  test("an event id the history holds is not sent again; the memory layer sends it again and keeps no positions", async () => {
    const same = envelope();
    for (const [layer, expected] of [
      ["streams", [1]],
      ["memory", [undefined, undefined]],
    ]) {
      const server = new testing.FakeEventServer({ layer, steps: [{ send: same }, { send: same }] });
      const events = record(new server.WebSocket(URL, [PROTOCOL]));
      await server.done;
      assert.deepEqual(offsets(events), expected, layer);
    }
  });

  test("a client frame above max_frame_bytes (UTF-8) closes the socket with 4413", async () => {
    const server = new testing.FakeEventServer({ max_frame_bytes: 8, steps: [{ client_send: "ping" }, { client_send: "ééééé" }] });
    const socket = new server.WebSocket(URL, [PROTOCOL]);
    const events = record(socket);
    socket.onopen = () => {
      socket.send("ping");
      socket.send("ééééé"); // 10 bytes
      socket.send("dropped"); // after the close began: not received
    };
    await server.done;
    assert.deepEqual(events.at(-1), ["close", 4413, "", true]);
    assert.deepEqual(server.clientFrames.map((f) => [f.data, f.bytes]), [["ping", 4], ["ééééé", 10]]);
  });

  test("raw frames and drops: fake-only steps for what a real server does not send", async () => {
    const server = new testing.FakeEventServer({ steps: [{ raw: "{not json" }, { drop: true }] });
    const events = record(new server.WebSocket(URL, [PROTOCOL]));
    await server.done;
    assert.deepEqual(events[1], ["message", "{not json"]);
    assert.deepEqual(events.slice(-2), [["error"], ["close", 1006, "", false]]);
  });

  test("downgrades for an older client with the given rules, skipping (and counting) what it cannot carry", async () => {
    const downgrade = (text, to) => {
      const env = JSON.parse(text);
      if (env.type === "GOAL_CREATED") return { ok: false, error: { ruleId: "event-type-added", path: "/type", message: "new" } };
      return { ok: true, envelope: { ...env, contracts_version: to, payload: { ...env.payload, downgraded: true } } };
    };
    const server = new testing.FakeEventServer(
      { steps: [{ send: envelope() }, { send: envelope("GOAL_CREATED") }, { send: envelope() }, { resync: "POSITION_UNKNOWN" }] },
      { downgrade, versions: [VERSION, "0.0.9"] },
    );
    const events = record(new server.WebSocket(URL, ["coach-contracts.0.0.9"]));
    await server.done;
    assert.equal(events[0][1], "coach-contracts.0.0.9");
    assert.deepEqual(frames(events).map((f) => [f.type, f.contracts_version, f.payload.downgraded, f.meta.position?.offset]), [
      ["TYPING_INDICATOR", "0.0.9", true, 1],
      ["TYPING_INDICATOR", "0.0.9", true, 3],
      ["STREAM_RESYNC", "0.0.9", true, undefined],
    ]);
    assert.deepEqual(server.skippedFrames(), [{ version: "0.0.9", ruleId: "event-type-added", frames: 1 }]);
  });

  test("the portable default serves only the current version; older ones need a downgrade", async () => {
    assert.throws(() => new testing.FakeEventServer({ steps: [] }, { versions: [VERSION, "0.0.9"] }), /needs a downgrade/);
    assert.throws(() => new testing.FakeEventServer({ steps: [] }, { versions: ["0.0.9"] }), /must start with the current version/);
    // contracts-core's rules (the native build): a version it does not ship cannot be produced.
    const server = new testing.FakeEventServer({ steps: [{ send: envelope() }] }, { downgrade: builds.native.downgradeEnvelope, versions: [VERSION, "0.0.9"] });
    const events = record(new server.WebSocket(URL, ["coach-contracts.0.0.9"]));
    await server.done;
    assert.deepEqual(frames(events), []);
    assert.deepEqual(server.skippedFrames(), [{ version: "0.0.9", ruleId: "unknown-version", frames: 1 }]);
  });

  test("scripts are checked: a malformed step names its JSON Pointer, an invalid envelope fails its step", async () => {
    assert.throws(() => testing.parseSocketScript({ steps: [{ close: 99 }] }), (e) => e.name === "SocketScriptError" && e.pointer === "/steps/0/close");
    assert.throws(() => testing.parseSocketScript({ steps: [{ send: {}, close: 1000 }] }), /exactly one of/);
    assert.throws(() => testing.parseSocketScript({ steps: [], streams: ["bad name"] }), (e) => e.pointer === "/streams/0");
    assert.throws(() => testing.parseSocketScript({ steps: [], extra: 1 }), (e) => e.pointer === "/extra");
    assert.deepEqual(testing.parseSocketScript({ steps: [{ close: 4403 }] }).steps, [{ connect: {} }, { close: 4403 }]);
    const server = new testing.FakeEventServer({ steps: [{ send: { ...envelope(), contracts_version: "banana" } }] }, { autoplay: false });
    new server.WebSocket(URL, [PROTOCOL]);
    await server.step(); // the connect
    await assert.rejects(server.step(), (e) => e.pointer === "/steps/1" && /not a valid current-version envelope/.test(e.message));
    await assert.rejects(server.done);
  });

  test("every script of testdata/socket-scripts/ parses", () => {
    for (const file of readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".json"))) {
      const script = testing.parseSocketScript(expandPlaceholders(readFileSync(join(SCRIPTS_DIR, file), "utf8"), PKG.version));
      assert.ok(script.steps.length > 1, file);
    }
  });
});

for (const name of ["portable", "native"]) {
  describe(`connectEnvelopes (${name} build) driven by the fake socket`, () => {
    let build;
    before(() => {
      build = builds[name];
    });

    function open(server, options = {}) {
      const log = { handled: [], states: [], closes: [], resyncs: [], errors: [], invalid: [] };
      const connection = build.connectEnvelopes(URL, {
        WebSocket: server.WebSocket,
        handlers: {
          TYPING_INDICATOR: (payload, env) => log.handled.push([env.type, env.meta.position?.offset, payload.is_typing]),
          SESSION_STARTED: (payload, env) => log.handled.push([env.type, env.meta.position?.offset, payload.session_id]),
        },
        onStateChange: (state) => log.states.push(state),
        onClose: (close) => log.closes.push([close.code, close.reason, close.willReconnect]),
        onResync: (resync) => log.resyncs.push([resync.stream, resync.cause, resync.position.offset]),
        onInvalid: (issues) => log.invalid.push(issues.length),
        onError: (error) => log.errors.push(error),
        backoff: { initialMs: 5, maxMs: 20, random: () => 0.5 },
        ...options,
      });
      return { connection, log };
    }

    test("handlers are called with the narrowed payloads, in order", async () => {
      const started = envelope("SESSION_STARTED");
      const server = new testing.FakeEventServer({ steps: [{ send: envelope() }, { send: started }, { raw: "{}" }] });
      const { connection, log } = open(server);
      await server.done;
      await until(() => log.invalid.length === 1, "the invalid frame");
      assert.deepEqual(log.handled, [
        ["TYPING_INDICATOR", 1, true],
        ["SESSION_STARTED", 2, started.payload.session_id],
      ]);
      assert.equal(connection.protocol, PROTOCOL);
      assert.deepEqual(Object.fromEntries(connection.positions), { "session.42": server.position() });
      assert.deepEqual(log.errors, []);
      connection.close();
    });

    test("reconnects at once after 1012 and resumes: what was sent meanwhile arrives once", async () => {
      const server = new testing.FakeEventServer({
        steps: [{ send: envelope() }, { close: 1012 }, { send: envelope() }, { send: envelope() }, { connect: {} }, { send: envelope() }],
      });
      const { connection, log } = open(server);
      await server.done;
      await until(() => log.handled.length === 4, "the four envelopes");
      assert.deepEqual(log.handled.map(([, offset]) => offset), [1, 2, 3, 4]);
      assert.deepEqual(log.closes, [[1012, "", true]]);
      assert.deepEqual(log.states, ["connecting", "open", "reconnecting", "open"]);
      assert.deepEqual(
        server.sockets.map((s) => s.url),
        [URL, `${URL}?resume=session.42:${server.position().epoch}:1`],
      );
      connection.close();
    });

    test("STREAM_RESYNC moves the position and calls onResync (the epoch changed while open; the history expired on resume)", async () => {
      const server = new testing.FakeEventServer({
        history_size: 1,
        steps: [
          { send: envelope() },
          { resync: "EPOCH_CHANGED", epoch: "second" },
          { send: envelope() },
          { close: 4013, reason: "the event stream is unreachable: reconnect" },
          { send: envelope() },
          { send: envelope() },
          { connect: {} },
          { send: envelope() },
        ],
      });
      const { connection, log } = open(server);
      await server.done;
      await until(() => log.handled.length === 3, "the envelope after the resync");
      assert.deepEqual(log.resyncs, [
        ["session.42", "EPOCH_CHANGED", 0],
        ["session.42", "HISTORY_EXPIRED", 3],
      ]);
      assert.deepEqual(log.handled.map(([, offset]) => offset), [1, 1, 4]);
      assert.deepEqual(Object.fromEntries(connection.positions), { "session.42": { stream: "session.42", epoch: "second", offset: 4 } });
      assert.deepEqual(log.closes, [[4013, "the event stream is unreachable: reconnect", true]]);
      connection.close();
    });

    for (const [code, steps] of [
      [4403, () => [{ send: envelope() }, { close: 4403, reason: "access revoked" }]],
      [4401, () => [{ connect: { refuse: 4401 } }]],
    ]) {
      test(`stops for good on ${code}`, async () => {
        const server = new testing.FakeEventServer({ steps: steps() });
        const { connection, log } = open(server);
        await server.done;
        await until(() => connection.state === "closed", "the stop");
        await pause(60); // many times the backoff: no second socket
        assert.equal(server.sockets.length, 1);
        assert.equal(log.closes.length, 1);
        assert.deepEqual(log.closes[0].slice(0, 1).concat(log.closes[0][2]), [code, false]);
        assert.equal(log.states.at(-1), "closed");
      });
    }

    test("stops on 4406 when its version is not served", async () => {
      const server = new testing.FakeEventServer({ steps: [] });
      const { connection, log } = open(server, { protocols: ["coach-contracts.banana"] });
      await until(() => connection.state === "closed", "the 4406");
      assert.deepEqual(log.closes, [[4406, `contracts "banana" is not a MAJOR.MINOR.PATCH version; supported: ${VERSION}`, false]]);
    });

    test("reconnects with backoff after a drop (1006) and keeps going once the script is over", async () => {
      const server = new testing.FakeEventServer({ steps: [{ send: envelope() }, { drop: true }] });
      const { connection, log } = open(server);
      await server.done;
      await until(() => server.sockets.length === 2 && connection.state === "open", "the reconnect");
      await server.run({ send: envelope() });
      await until(() => log.handled.length === 2, "the envelope after the reconnect");
      assert.deepEqual(log.closes, [[1006, "", true]]);
      assert.deepEqual(log.handled.map(([, offset]) => offset), [1, 2]);
      connection.close();
    });
  });
}

test("types: server.WebSocket is a WebSocket class for connectEnvelopes; events and steps are typed", () => {
  project.write(
    "fake-socket-types.ts",
    `import { FakeEventServer, type SocketScript } from ${JSON.stringify(`${NAME}/testing`)};
import { connectEnvelopes } from ${JSON.stringify(`${NAME}/validate`)};
const script: SocketScript = { streams: ["session.42"], steps: [{ close: 1012 }, { connect: { refuse: 4403 } }, { resync: "EPOCH_CHANGED" }] };
const server = new FakeEventServer(script, { autoplay: false });
connectEnvelopes("wss://example.org/ws/", { WebSocket: server.WebSocket }).close();
const socket = new server.WebSocket("wss://example.org/ws/", ["coach-contracts.0.0.1"]);
socket.onmessage = (event) => { const text: string = event.data; void text; };
socket.addEventListener("close", (event) => { const code: number = event.code; void code; });
// @ts-expect-error not a step
const wrongStep: SocketScript = { steps: [{ bogus: 1 }] };
// @ts-expect-error 4404 is not a refusal the consumer makes
const wrongRefusal: SocketScript = { steps: [{ connect: { refuse: 4404 } }] };
void [wrongStep, wrongRefusal];
`,
  );
  project.write(
    "tsconfig.fake-socket.json",
    JSON.stringify({
      compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], noEmit: true, module: "ESNext", moduleResolution: "Bundler", exactOptionalPropertyTypes: true },
      files: ["fake-socket-types.ts"],
    }),
  );
  const r = project.tsc(["-p", "tsconfig.fake-socket.json"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the differential's runner plays a script through the installed package", () => {
  const script = JSON.parse(expandPlaceholders(readFileSync(join(SCRIPTS_DIR, "reconnect-resume.json"), "utf8"), PKG.version));
  const runner = join(PKG_DIR, "test", "fake-socket-runner.mjs");
  const done = spawnSync(process.execPath, [runner, "--project", project.dir], {
    input: JSON.stringify({ script, clients: [[PROTOCOL], []] }),
    encoding: "utf8",
  });
  assert.equal(done.status, 0, done.stderr);
  const { transcripts } = JSON.parse(done.stdout);
  assert.equal(transcripts.length, 2);
  const [current, none] = transcripts;
  assert.deepEqual([current[0], none[0]], [{ accept: PROTOCOL }, { accept: null }]);
  const sent = script.steps.filter((step) => "send" in step).map((step) => step.send.meta.event_id);
  const received = current.filter((e) => "frame" in e).map((e) => e.frame.meta.event_id);
  // Each envelope once, in order: those broadcast while it was away were replayed when it resumed.
  assert.deepEqual(received, sent);
  assert.deepEqual(current.at(-1), { skipped: [] });
});
