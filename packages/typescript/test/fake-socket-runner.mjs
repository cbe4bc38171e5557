// The fake side of the fake-socket differential: plays a socket script
// (testdata/socket-scripts/*.json) through the BUILT package's FakeEventServer,
// as the client each announcement describes, and prints what that client saw.
// packages/python/tests/test_fake_socket_differential.py runs the same script
// through the real ContractsConsumer and compares; test/fake-socket.test.mjs
// runs this against the installed tarball.
//
//   node test/fake-socket-runner.mjs [--lib <packages/typescript/lib>] [--project <dir>] < request.json
//
// --lib (the default: ../lib next to this file, what `npm run build` writes)
// imports lib/testing/fake-socket.js and lib/validate.js; --project imports
// "<package>/testing" and "<package>/validate/native" as installed in <dir>
// (a project made by test/support.mjs's makeProject). The request, on stdin:
//   {"script": <script, placeholders expanded>, "clients": [[<subprotocol>, ...], ...]}
// The answer, on stdout: {"transcripts": [<transcript>, ...]}, one per client:
//   [{"accept": <subprotocol or null>}, {"frame": <parsed frame>}, {"close": [code, reason]}, ...,
//    {"skipped": [[version, rule id, frames], ...]}]
// The driver plays the client's side of the steps: `connect` opens a socket
// (after closing the previous one, which is not recorded), announcing
// `resume` ("last" by default: the last position received per stream) or
// the verbatim `query`; `client_send` sends the text frame.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const URL_BASE = "ws://fake.test/ws/";

function option(name) {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

/** FakeEventServer and downgradeEnvelope from the built package (a lib directory or an installed project). */
export async function loadPackage({ lib, project } = {}) {
  if (project !== undefined) {
    const { name } = JSON.parse(readFileSync(join(HERE, "..", "package.json"), "utf8"));
    const require = createRequire(join(resolve(project), "package.json"));
    const testing = await import(pathToFileURL(require.resolve(`${name}/testing`)).href);
    const native = await import(pathToFileURL(require.resolve(`${name}/validate/native`)).href);
    return { FakeEventServer: testing.FakeEventServer, downgradeEnvelope: native.downgradeEnvelope };
  }
  const dir = resolve(lib ?? join(HERE, "..", "lib"));
  const testing = await import(pathToFileURL(join(dir, "testing", "fake-socket.js")).href);
  const native = await import(pathToFileURL(join(dir, "validate.js")).href);
  return { FakeEventServer: testing.FakeEventServer, downgradeEnvelope: native.downgradeEnvelope };
}

function resumeQuery(resume, last) {
  const positions = resume === undefined || resume === "last" ? [...last.values()] : resume === null ? [] : resume;
  return positions.map((p) => `resume=${p.stream}:${p.epoch}:${p.offset}`).join("&");
}

/** Plays `script` as a client offering `subprotocols`; returns what it saw. */
export async function runScript({ FakeEventServer, downgradeEnvelope }, script, subprotocols) {
  const server = new FakeEventServer(script, { autoplay: false, downgrade: downgradeEnvelope });
  const transcript = [];
  const last = new Map(); // the last position received per stream
  let socket;
  let seen = { closed: true };
  for (const [index, step] of server.script.steps.entries()) {
    if ("connect" in step) {
      if (socket !== undefined && !seen.closed) {
        seen.closed = true; // the client leaves: not recorded
        socket.close(1000);
      }
      const { query = resumeQuery(step.connect.resume, last) } = step.connect;
      socket = new server.WebSocket(`${URL_BASE}${query === "" ? "" : `?${query}`}`, subprotocols);
      const mine = { closed: false };
      seen = mine;
      socket.addEventListener("open", (event) => {
        if (!mine.closed) transcript.push({ accept: event.target.protocol === "" ? null : event.target.protocol });
      });
      socket.addEventListener("message", (event) => {
        if (mine.closed) return;
        const frame = JSON.parse(event.data);
        transcript.push({ frame });
        const position = frame.type === "STREAM_RESYNC" ? frame.payload?.position : frame.meta?.position;
        if (position !== undefined) last.set(position.stream, position);
      });
      socket.addEventListener("close", (event) => {
        if (mine.closed) return;
        mine.closed = true;
        transcript.push({ close: [event.code, event.reason] });
      });
    } else if ("client_send" in step) {
      if (socket === undefined || seen.closed || socket.readyState !== 1) {
        throw new Error(`/steps/${index}: client_send while no socket is open`);
      }
      socket.send(step.client_send);
    }
    await server.step();
  }
  if (socket !== undefined && !seen.closed) {
    seen.closed = true;
    socket.close(1000);
  }
  const skipped = server
    .skippedFrames()
    .map((s) => [s.version, s.ruleId, s.frames])
    .sort((a, b) => (`${a[0]} ${a[1]}` < `${b[0]} ${b[1]}` ? -1 : 1));
  transcript.push({ skipped });
  return transcript;
}

async function main() {
  const request = JSON.parse(readFileSync(0, "utf8"));
  const pkg = await loadPackage({ lib: option("--lib"), project: option("--project") });
  const transcripts = [];
  for (const subprotocols of request.clients) transcripts.push(await runScript(pkg, request.script, subprotocols));
  process.stdout.write(`${JSON.stringify({ transcripts })}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`fake-socket-runner: ${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
