// The native build's validateEnvelope on JSON text takes a fast route
// (src/validate-text.ts): JSON.parse, the generated validator on the parsed
// value, and a scan of the text by the core for what JSON.parse hides; the
// core validates fully only when one of them objects. This test proves the
// route gives the full core's verdict (envelopeIssues, which always asks the
// core) on every vector, on the portable differential's kind of generated
// envelopes (valid and mutated, in every option set), and on each of those
// with something JSON.parse hides written into its text: a key given twice,
// an integer beyond 2^53, a lone surrogate escape.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { NAME, PKG, issueKeys, loadVectors, makeProject } from "./support.mjs";
import { applyMutation, mutationArb, schemaArbitrary } from "./schema-arbitrary.mjs";

const SEED = Number(process.env.DIFF_SEED ?? 20261201);
const COUNT = Number(process.env.DIFF_COUNT ?? 10000);
const VERSION = PKG.version;

let project;
let native;
let schema;

before(async () => {
  project = makeProject({ baml: false });
  native = await project.import("native.mjs");
  const require = createRequire(join(project.dir, "consumer.cjs"));
  schema = JSON.parse(readFileSync(require.resolve(`${NAME}/schemas/envelope.schema.json`), "utf8"));
});
after(() => project?.dispose());

const OPTIONS = [
  undefined,
  { mode: "consumer" },
  { mode: "producer", maxIssues: 1 },
  { mode: "consumer", maxDepth: 3 },
  { mode: "producer", targetVersion: VERSION },
  { mode: "producer", targetVersion: "0.0.9" },
  { maxBytes: 200 },
];

/** The fast route's answer on `input` next to the core's; a message when they differ. */
function disagreement(input, options) {
  const issues = native.envelopeIssues(input, options);
  const result = native.validateEnvelope(input, options);
  if (result.ok !== (issues.length === 0)) return `validateEnvelope ok=${result.ok}, the core: ${JSON.stringify(issueKeys(issues))}`;
  if (!result.ok) {
    if (issueKeys(result.issues).join() !== issueKeys(issues).join()) return `issues ${JSON.stringify(issueKeys(result.issues))} vs the core's ${JSON.stringify(issueKeys(issues))}`;
    return null;
  }
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  assert.deepEqual(result.envelope, JSON.parse(text.replace(/^\uFEFF/, "")));
  return null;
}

/** Texts of `envelope` with one thing JSON.parse hides written in (and the plain text). */
function variants(envelope) {
  const text = JSON.stringify(envelope);
  const out = [text];
  if (envelope === null || typeof envelope !== "object" || Array.isArray(envelope)) return out;
  const keys = Object.keys(envelope);
  if (keys.length > 0) {
    // The first key again, with the value of the second: JSON.parse keeps the last.
    const first = JSON.stringify(keys[0]);
    out.push(text.replace(/^\{/, `{${first}:${JSON.stringify(envelope[keys[keys.length - 1]] ?? null)},`));
  }
  const payload = envelope.payload;
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    const inner = Object.keys(payload);
    if (inner.length > 0) out.push(text.replace('"payload":{', `"payload":{${JSON.stringify(inner[0])}:0,`));
  }
  out.push(text.replace(/:(-?\d{1,15})([,}\]])/, ":9007199254740993$2"));
  out.push(text.replace(/:(-?\d{1,15})([,}\]])/, ":9223372036854775807$2"));
  out.push(text.replace(/"([^"\\]*)"([,}\]])/, '"$1\\ud800"$2'));
  out.push(text.replace(/"([^"\\]*)"([,}\]])/, '"$1\\udc00x"$2'));
  return [...new Set(out)];
}

describe("the fast route of validateEnvelope(text) agrees with the core", () => {
  test("every vector, as text and as UTF-8 bytes", () => {
    const wrong = [];
    for (const v of loadVectors(VERSION)) {
      const text = "input_text" in v ? v.input_text : JSON.stringify(v.input);
      const options = { mode: v.mode };
      if (v.target_version !== undefined) options.targetVersion = v.target_version;
      if (v.max_issues !== undefined) options.maxIssues = v.max_issues;
      for (const input of [text, Buffer.from(text, "utf8")]) {
        const why = disagreement(input, options);
        if (why) wrong.push(`${v.file} (${typeof input}): ${why}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test(`${COUNT} generated envelopes (seed ${SEED}), with what JSON.parse hides written into them`, (t) => {
    const arbitrary = schemaArbitrary(schema);
    const fromVectors = loadVectors(VERSION).filter((v) => v.mode === "producer" && v.expect.valid && v.input && typeof v.input === "object");
    const valid = fc
      .oneof(arbitrary(schema), fc.constantFrom(...fromVectors.map((v) => v.input)))
      .map((e) => ({ ...e, contracts_version: VERSION }));
    const arb = fc.tuple(valid, fc.array(mutationArb(schema), { minLength: 0, maxLength: 2 }));
    const samples = fc.sample(arb, { seed: SEED, numRuns: COUNT });
    const wrong = [];
    let fast = 0;
    let texts = 0;
    samples.forEach(([envelope, mutations], i) => {
      const mutated = mutations.reduce((e, m) => applyMutation(schema, e, m), envelope);
      const options = OPTIONS[i % OPTIONS.length];
      for (const text of variants(mutated)) {
        texts += 1;
        const why = disagreement(text, options);
        if (why) wrong.push({ text, options, why });
        else if (native.envelopeIssues(text, options).length === 0) fast += 1;
      }
    });
    t.diagnostic(`${texts} texts, ${fast} valid; disagreements: ${wrong.length}`);
    assert.ok(fast >= COUNT / 10, `too few valid texts (${fast}) to exercise the fast route`);
    assert.deepEqual(wrong.slice(0, 5), []);
  });
});
