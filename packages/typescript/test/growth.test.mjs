// Validation time grows linearly with the envelope, through the installed
// package's `./validate` (issue 18: 100,000 map keys once took 36-44 s here).
//
// Each case times an envelope with n = 4,096 keys and one with 4n, each run
// as many times as the small one needs to be long enough to time (best of
// three, interleaved), and asserts the ratio stays far below the 16 of
// quadratic growth, in one of three such measurements: caches shared with
// other processes vary one by up to 2x, a quadratic path gives ~16x every
// time. Time is the process's CPU time (`process.cpuUsage`).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { expandPlaceholders, makeProject, VECTORS_DIR } from "./support.mjs";

const N = 4096;
const LIMIT = 8; // quadratic growth gives 16, linear 4
const MEASURABLE_US = 10_000;
const ATTEMPTS = 3;

let project;
let validate;
before(async () => {
  project = makeProject();
  validate = await project.import("validate.mjs");
});
after(() => project?.dispose());

function cpuMicros(run) {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function assertLinear(name, prepare) {
  const small = prepare(N);
  const large = prepare(4 * N);
  const repeats = Math.max(1, Math.round(MEASURABLE_US / Math.max(cpuMicros(small), 1)));
  const times = (run) => () => {
    for (let i = 0; i < repeats; i++) run();
  };
  const ratios = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let tSmall = Infinity;
    let tLarge = Infinity;
    for (let i = 0; i < 3; i++) {
      tSmall = Math.min(tSmall, cpuMicros(times(small)));
      tLarge = Math.min(tLarge, cpuMicros(times(large)));
    }
    ratios.push(tLarge / tSmall);
    if (ratios.at(-1) < LIMIT) return;
  }
  assert.fail(`${name}: 4x the input took ${ratios.map((r) => r.toFixed(1)).join(", ")} times as long`);
}

function messageAdded() {
  const raw = readFileSync(join(VECTORS_DIR, "valid-message-added-text.json"), "utf8");
  return JSON.parse(expandPlaceholders(raw, validate.nativeContractsVersion())).input;
}

function withField(field, value) {
  const envelope = messageAdded();
  envelope.payload[field] = value;
  return envelope;
}

function keys(n, value) {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, value(i)]));
}

/** Both entry points on `input`, checking the verdict. */
function both(input, options, valid) {
  return () => {
    assert.equal(validate.isValidEnvelope(input, options), valid);
    assert.equal(validate.envelopeIssues(input, options).length === 0, valid);
  };
}

test("a map<string, int> field with n keys (JSON text) is linear", () => {
  assertLinear("map field", (n) => both(JSON.stringify(withField("reactions", keys(n, (i) => i))), undefined, true));
});

test("a map field with a wrong value per key is linear", () => {
  assertLinear("map field, wrong values", (n) =>
    both(JSON.stringify(withField("reactions", keys(n, () => "x"))), undefined, false),
  );
});

test("an unknown object with n keys in consumer mode (bytes) is linear", () => {
  assertLinear("unknown object", (n) =>
    both(Buffer.from(JSON.stringify(withField("added_later", keys(n, (i) => [i])))), { mode: "consumer" }, true),
  );
});

test("a map field with every key given twice is linear", () => {
  assertLinear("repeated keys", (n) => {
    const entries = Array.from({ length: n }, (_, i) => `"key${i}":${i},"key${i}":${i}`).join(",");
    const text = JSON.stringify(withField("reactions", "MARK")).replace('"MARK"', `{${entries}}`);
    return both(text, undefined, false);
  });
});

test("an object envelope with a wide map field is linear", () => {
  assertLinear("object input", (n) => {
    const envelope = withField("reactions", keys(n, (i) => i));
    return () => assert.equal(validate.validateEnvelope(envelope).ok, true);
  });
});
