// Reliability of the installed package: hostile inputs, no panic across the
// FFI, no leaks. Hostile inputs run in a child `node` (a crash fails the test
// instead of killing the runner), each with a generous sanity bound on time
// and on peak RSS beyond the input itself (not a timing test).
//
// The leak check runs 100,000 validations by default; the long form
// (1,000,000, bound 5 MB) is documented in BENCHMARKS.md:
//   RELIABILITY_LEAK_ITERATIONS=1000000 node --test test/reliability.test.mjs
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { makeProject } from "./support.mjs";

let project;
before(() => {
  project = makeProject();
});
after(() => project?.dispose());

const HOSTILE = String.raw`
import { envelopeIssues, isValidEnvelope, validateEnvelope } from "./validate.mjs";
const peakMb = () => process.resourceUsage().maxRSS / 1024;
function run(name, make, options) {
  let data = make();
  const inputMb = (typeof data === "string" ? data.length : data.length ?? 0) / 2 ** 20;
  const before = peakMb();
  const start = performance.now();
  let outcome;
  try {
    const codes = [...new Set(envelopeIssues(data, options).map((i) => i.code))].sort();
    outcome = { codes, valid: isValidEnvelope(data, options), ok: validateEnvelope(data, options).ok };
  } catch (e) {
    outcome = { error: e.constructor.name, message: String(e.message).slice(0, 200) };
  }
  data = null;
  console.log(JSON.stringify({ ...outcome, case: name, seconds: (performance.now() - start) / 1000, extraMb: peakMb() - before, inputMb }));
}
const TYPING = (payload) => '{"type":"TYPING_INDICATOR","contracts_version":"0.1.0","payload":' + payload + ',"meta":{}}';
run("depth 100000 arrays", () => "[".repeat(100_000) + "]".repeat(100_000));
run("depth 100000 objects in payload", () => TYPING('{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)));
run("100 MB string", () => '{"type":"' + "a".repeat(100_000_000) + '"}');
run("100 MB Buffer", () => Buffer.from('{"type":"' + "a".repeat(100_000_000) + '"}'));
run("100 MB string, maxBytes 1 KiB", () => '{"type":"' + "a".repeat(100_000_000) + '"}', { maxBytes: 1024 });
run("invalid UTF-8", () => Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
run("lone surrogate escape", () => '{"type":"\\ud800"}');
run("lone surrogate in string", () => '{"type":"\ud800"}');
run("lone surrogate in object", () => ({ type: "\ud800" }));
run("NaN token", () => '{"type":NaN}');
run("Infinity token", () => TYPING('{"is_typing":Infinity}'));
run("NaN in object", () => ({ type: "TYPING_INDICATOR", payload: { is_typing: NaN } }));
run("1e400", () => TYPING('{"is_typing":1e400}'));
run("duplicate keys", () => '{"type":"TYPING_INDICATOR","type":"GOAL_UPDATED"}');
run("10^6-element array", () => TYPING("[" + "0,".repeat(999_999) + "0]"));
run("10^6-element array at the root", () => "[" + "0,".repeat(999_999) + "0]");
run("10^6-element array object", () => new Array(1_000_000).fill(0));
`;

const EXPECTED = {
  "depth 100000 arrays": ["too_deep"],
  "depth 100000 objects in payload": ["too_deep"],
  "100 MB string": ["too_large"],
  "100 MB Buffer": ["too_large"],
  "100 MB string, maxBytes 1 KiB": ["too_large"],
  "invalid UTF-8": ["invalid_json"],
  "lone surrogate escape": ["invalid_json"],
  "NaN token": ["invalid_json"],
  "Infinity token": ["invalid_json"],
  "1e400": ["invalid_json"],
  "10^6-element array at the root": ["not_an_object"],
  "10^6-element array object": ["not_an_object"],
};

test("hostile inputs get a clear code in bounded time and memory, and the process survives", () => {
  project.write("hostile.mjs", HOSTILE);
  const run = project.node(["hostile.mjs"]);
  assert.equal(run.status, 0, `node did not survive: ${run.stderr.slice(-2000)}`);
  const results = Object.fromEntries(
    run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .map((r) => [r.case, r]),
  );
  assert.equal(Object.keys(results).length, 17, run.stdout);
  for (const [name, r] of Object.entries(results)) {
    assert.ok(r.seconds < 10, JSON.stringify(r));
    // Beyond the input itself: a UTF-8 copy of a string crossing into Rust, at most.
    assert.ok(r.extraMb < 2 * r.inputMb + 64, JSON.stringify(r));
    if (EXPECTED[name]) {
      assert.deepEqual(r.codes, EXPECTED[name], JSON.stringify(r));
      assert.equal(r.valid, false, JSON.stringify(r));
      assert.equal(r.ok, false, JSON.stringify(r));
    }
  }
  assert.ok(results["duplicate keys"].codes.includes("duplicate_key"));
  assert.ok(results["10^6-element array"].codes.includes("not_an_object"));
  // A JS string holding a lone surrogate reaches Rust as U+FFFD (napi's UTF-8
  // conversion), so it is a well-formed string of the wrong value...
  const lone = results["lone surrogate in string"];
  assert.ok(lone.codes.includes("unknown_event_type"), JSON.stringify(lone));
  // ...and a parsed object goes to the generated JavaScript validator, for which
  // it is a string like any other (testdata/portable-differences.json,
  // "lone-surrogate"): the type is merely unknown.
  assert.ok(results["lone surrogate in object"].codes.includes("unknown_event_type"), JSON.stringify(results["lone surrogate in object"]));
  // JSON.stringify writes NaN as null: the validator sees a null bool.
  assert.equal(results["NaN in object"].valid, false);
});

test("panics can unwind into a JavaScript error (the addon is not built with panic=abort)", () => {
  // napi-rs catches an unwinding panic at the boundary and throws; with
  // `panic = "abort"` the addon would link panic_abort and import no unwinder
  // entry point. Dynamic symbols survive `strip = true`.
  const dir = join(project.dir, "node_modules", "@coach-app", "coach-app-baml-client", "native");
  const addons = readdirSync(dir).filter((f) => f.endsWith(".node"));
  assert.ok(addons.length > 0);
  for (const addon of addons) {
    const bytes = readFileSync(join(dir, addon));
    assert.ok(bytes.includes("_Unwind_RaiseException"), `${addon} cannot unwind`);
  }
});

test("no leak over many validations", (t) => {
  const iterations = Number(process.env.RELIABILITY_LEAK_ITERATIONS ?? 100_000);
  const limitMb = Math.max(2, (5 * iterations) / 1_000_000);
  project.write(
    "leak.mjs",
    String.raw`
import { envelopeIssues, isValidEnvelope, validateEnvelope, nativeContractsVersion } from "./validate.mjs";
const valid = {
  type: "TYPING_INDICATOR", contracts_version: nativeContractsVersion(),
  payload: { thread_id: "0192f0c1-7a52-7cc3-8d1e-000000000003", user_id: "0192f0c1-7a52-7cc3-8d1e-000000000001", is_typing: false },
  meta: { event_id: "0192f0c1-7a52-7cc3-8d1e-000000000064", timestamp: "2026-11-25T10:00:00Z" },
};
const invalid = structuredClone(valid);
invalid.payload.user_id = "not-a-uuid";
invalid.payload.is_typing = "yes";
const inputs = [JSON.stringify(valid), JSON.stringify(invalid), Buffer.from(JSON.stringify(valid)),
  Buffer.from(JSON.stringify(invalid)), valid, invalid, '{"type": NaN}', '{"type":"TYPING_INDICATOR","type":"TYPING_INDICATOR"}'];
function work(n) {
  for (let i = 0; i < n; i++) {
    const data = inputs[i % inputs.length];
    if (i % 3 === 0) isValidEnvelope(data);
    else if (i % 3 === 1) envelopeIssues(data);
    else validateEnvelope(data);
  }
}
const rss = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().rss / 2 ** 20; };
work(20_000);
const before = rss();
work(${iterations});
console.log(JSON.stringify({ growthMb: rss() - before }));
`,
  );
  const run = project.node(["--expose-gc", "leak.mjs"]);
  assert.equal(run.status, 0, run.stderr);
  const { growthMb } = JSON.parse(run.stdout);
  t.diagnostic(`RSS growth over ${iterations} validations: ${growthMb.toFixed(2)} MB (bound ${limitMb} MB)`);
  assert.ok(growthMb < limitMb, `RSS grew ${growthMb.toFixed(2)} MB over ${iterations} validations`);
});
