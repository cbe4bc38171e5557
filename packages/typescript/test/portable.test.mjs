// The portable build of ./validate (JavaScript generated from the contracts by
// `contracts gen`): the shared vectors with the verdicts of the native core, as
// text, UTF-8 bytes and parsed objects; the same API and messages as the native
// build; nothing in it that only Node has. Runs against the installed tarball.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { after, before, describe, test } from "node:test";
import { NAME, PKG, issueKeys, loadPortableDifferences, loadVectors, makeProject } from "./support.mjs";

let project;
let root;
let portable;
let native;

before(async () => {
  project = makeProject();
  root = await project.import("root.mjs");
  portable = await project.import("portable.mjs");
  native = await project.import("native.mjs");
});
after(() => project?.dispose());

const vectors = loadVectors(PKG.version);
const differences = loadPortableDifferences();

/** The verdict the portable build must give on a vector: the corpus's, or the listed difference's. */
function expected(vector) {
  const difference = differences.get(vector.file);
  return difference ? difference.portable : vector.expect;
}

function options(vector) {
  const o = { mode: vector.mode };
  if (vector.target_version !== undefined) o.targetVersion = vector.target_version;
  return o;
}

/** The inputs a vector is run with: its text, the text as UTF-8 bytes, and (when JSON.parse takes it) the parsed value. */
function inputs(vector) {
  const text = "input_text" in vector ? vector.input_text : JSON.stringify(vector.input);
  const out = [
    ["text", text],
    ["bytes", new TextEncoder().encode(text)],
  ];
  try {
    out.push(["object", JSON.parse(text)]);
  } catch {
    // Byte-level cases (invalid JSON, a BOM): there is no parsed value to pass.
  }
  return out;
}

describe("the shared vectors through ./validate/portable", () => {
  test("the corpus and the list of differences are present, and every listed vector exists", () => {
    assert.ok(vectors.length >= 150, `only ${vectors.length} vectors`);
    const files = new Set(vectors.map((v) => v.file));
    for (const file of differences.keys()) assert.ok(files.has(file), `portable-differences.json lists ${file}, which is not a vector`);
  });

  for (const vector of vectors) {
    test(`vector ${vector.file}`, () => {
      const want = expected(vector);
      for (const [kind, input] of inputs(vector)) {
        const issues = portable.envelopeIssues(input, options(vector));
        const context = `${vector.description} (${kind} input): ${JSON.stringify(issues)}`;
        assert.deepEqual(issueKeys(issues), issueKeys(want.issues ?? []), context);
        assert.equal(portable.isValidEnvelope(input, options(vector)), want.valid, context);
        const result = portable.validateEnvelope(input, options(vector));
        assert.equal(result.ok, want.valid, context);
        for (const i of issues) assert.ok(typeof i.message === "string" && i.message.length > 0, context);
        if (result.ok) assert.equal(portable.assertValidEnvelope(input, options(vector)).type, result.envelope.type);
        else assert.throws(() => portable.assertValidEnvelope(input, options(vector)), root.EnvelopeValidationError);
      }
    });
  }

  test("every listed difference is still one: the portable verdict differs from the corpus's", () => {
    const stale = [];
    for (const vector of vectors.filter((v) => differences.has(v.file))) {
      const text = "input_text" in vector ? vector.input_text : JSON.stringify(vector.input);
      const got = issueKeys(portable.envelopeIssues(text, options(vector)));
      if (got.join() === issueKeys(vector.expect.issues).join()) stale.push(vector.file);
      // The native core keeps the corpus verdict on these.
      assert.deepEqual(issueKeys(native.envelopeIssues(text, options(vector))), issueKeys(vector.expect.issues), vector.file);
    }
    assert.deepEqual(stale, [], "remove these from testdata/portable-differences.json: the portable build now agrees with the core");
  });

  test("the messages are the native core's, word for word, except for the JSON parser's own text", () => {
    // Beyond 15 significant digits a double is not the integer the text spelled.
    const exact = (message) => message.replace(/\d{16,}/g, "<integer beyond 2^53>");
    const differ = [];
    for (const vector of vectors.filter((v) => !differences.has(v.file))) {
      const text = "input_text" in vector ? vector.input_text : JSON.stringify(vector.input);
      const ours = portable.envelopeIssues(text, options(vector)).filter((i) => i.code !== "invalid_json" && i.code !== "too_deep");
      const theirs = native.envelopeIssues(text, options(vector)).filter((i) => i.code !== "invalid_json" && i.code !== "too_deep");
      const key = (i) => `${i.path} ${i.code} ${exact(i.message)}`;
      if (ours.map(key).sort().join("\n") !== theirs.map(key).sort().join("\n")) differ.push(vector.file);
    }
    assert.deepEqual(differ, []);
  });
});

describe("the API of ./validate/portable", () => {
  test("has every validation export of the native build", () => {
    const nativeOnly = new Set(["downgradeEnvelope", "upgradeEnvelope", "nativeContractsVersion"]);
    const missing = Object.keys(native).filter((k) => !nativeOnly.has(k) && !(k in portable));
    assert.deepEqual(missing, []);
    assert.equal(portable.VALIDATOR_BUILD, "portable");
    assert.equal(native.VALIDATOR_BUILD, "native");
  });

  test("bad options throw the native build's errors", () => {
    for (const [opts, pattern] of [
      [{ mode: "bogus" }, /unknown mode "bogus"/],
      [{ mode: "PRODUCER" }, /unknown mode/],
      [{ maxIssues: 0 }, /maxIssues must be at least 1/],
      [{ maxDepth: 0 }, /maxDepth must be at least 1/],
    ]) {
      assert.throws(() => native.envelopeIssues("{}", opts), pattern);
      assert.throws(() => portable.envelopeIssues("{}", opts), pattern);
    }
    assert.throws(() => portable.envelopeIssues("{}", { maxIssues: 1.5 }), /maxIssues must be a whole number/);
    assert.throws(() => portable.envelopeIssues(undefined), /not JSON-serialisable/);
    assert.throws(() => portable.makeEnvelope("TYPING_INDICATOR", undefined), /not JSON-serialisable/);
  });

  test("options are honoured like the native build: maxIssues, maxBytes, maxDepth, targetVersion, consumer mode", () => {
    const bad = '{"type": 1}';
    for (const build of [native, portable]) {
      assert.equal(build.envelopeIssues(bad, { maxIssues: 1 }).length, 1);
      assert.deepEqual(issueKeys(build.envelopeIssues(bad, { maxBytes: 2 })), [" too_large"]);
      assert.deepEqual(issueKeys(build.envelopeIssues("{not json")), [" invalid_json"]);
    }
    const payload = vectors.find((v) => v.file === "valid-goal-created.json").input.payload;
    const envelope = portable.makeEnvelope("GOAL_CREATED", payload);
    for (const opts of [{ maxDepth: 1 }, { maxDepth: 2 }, { maxDepth: 3 }, { maxIssues: 2, maxDepth: 1 }]) {
      assert.deepEqual(portable.envelopeIssues(envelope, opts), native.envelopeIssues(envelope, opts), JSON.stringify(opts));
    }
    const unknown = portable.envelopeIssues({ ...envelope, contracts_version: "0.0.9" }, { targetVersion: "0.0.9" });
    assert.deepEqual(unknown, native.envelopeIssues({ ...envelope, contracts_version: "0.0.9" }, { targetVersion: "0.0.9" }));
    assert.deepEqual(portable.envelopeIssues(envelope, { targetVersion: root.CONTRACTS_VERSION }), []);
    const extra = { ...envelope, extra_field: true };
    assert.deepEqual(issueKeys(portable.envelopeIssues(extra)), ["/extra_field unknown_field"]);
    assert.deepEqual(portable.envelopeIssues(extra, { mode: "consumer" }), []);
    // A multi-byte text is measured in UTF-8 bytes, as the core does.
    const wide = JSON.stringify({ ...envelope, payload: { ...payload, title: "é".repeat(1000) } });
    const limit = new TextEncoder().encode(wide).length - 1;
    assert.deepEqual(portable.envelopeIssues(wide, { maxBytes: limit }), native.envelopeIssues(wide, { maxBytes: limit }));
  });

  test("makeEnvelope builds the envelope the native build builds", () => {
    const payload = vectors.find((v) => v.file === "valid-typing-indicator.json").input.payload;
    const meta = { correlationId: "0192f0c1-7a52-7cc3-8d1e-00000000c0de", requestId: "req-1" };
    const a = portable.makeEnvelope("TYPING_INDICATOR", payload, meta);
    const b = native.makeEnvelope("TYPING_INDICATOR", payload, meta);
    assert.deepEqual(Object.keys(a), Object.keys(b));
    assert.deepEqual(Object.keys(a.meta), Object.keys(b.meta));
    assert.deepEqual(a.payload, b.payload);
    assert.match(a.meta.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(a.meta.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(native.isValidEnvelope(a), true);
    const ids = Array.from({ length: 2000 }, () => portable.makeEnvelope("TYPING_INDICATOR", payload).meta.event_id);
    assert.equal(new Set(ids).size, ids.length, "event ids repeat");
    assert.deepEqual([...ids].sort(), ids, "UUIDv7 ids made in a row sort in creation order");
    assert.throws(
      () => portable.makeEnvelope("NOT_AN_EVENT", {}),
      (e) => e instanceof root.EnvelopeValidationError && issueKeys(e.issues).join() === "/type unknown_event_type",
    );
    assert.equal(portable.payloadClass("TYPING_INDICATOR"), native.payloadClass("TYPING_INDICATOR"));
    assert.equal(portable.payloadClass("NOPE"), null);
  });

  test("object input that JSON cannot carry gets an issue at its path, not a coercion", () => {
    const payload = vectors.find((v) => v.file === "valid-transcript-segment-added.json").input.payload;
    const envelope = portable.makeEnvelope("TRANSCRIPT_SEGMENT_ADDED", payload);
    const withValue = (value) => ({ ...envelope, payload: { ...envelope.payload, confidence: value } });
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 10n, () => 1, Symbol("s")]) {
      const issues = portable.envelopeIssues(withValue(value));
      assert.deepEqual(issueKeys(issues), ["/payload/confidence wrong_type"], String(typeof value));
      assert.match(issues[0].message, /not a JSON (number|value)/);
    }
    // `undefined` is an absent field, as JSON.stringify would send it.
    assert.deepEqual(portable.envelopeIssues({ ...envelope, meta: { ...envelope.meta, actor_id: undefined } }), []);
    // A field named like an Object.prototype member is not read from the prototype.
    assert.deepEqual(issueKeys(portable.envelopeIssues({ ...envelope, constructor: 1 })), ["/constructor unknown_field"]);
    const cyclic = { ...envelope, payload: { ...envelope.payload } };
    cyclic.x_cycle = cyclic;
    assert.deepEqual(issueKeys(portable.envelopeIssues(cyclic, { mode: "consumer" })), [" too_deep"]);
  });
});

describe("the portable build runs where Node's APIs do not exist", () => {
  /** Every module the portable entry loads, read from the installed package. */
  function moduleGraph() {
    const base = join(project.dir, "node_modules", NAME);
    const seen = new Map();
    const visit = (file) => {
      if (seen.has(file)) return;
      const text = readFileSync(join(base, file), "utf8");
      seen.set(file, text);
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
        const spec = m[1];
        if (spec.startsWith(".")) visit(posix.normalize(posix.join(posix.dirname(file), spec)));
        else seen.set(`<external ${spec}>`, "");
      }
    };
    visit("lib/validate-portable.js");
    return seen;
  }

  test("its module graph imports nothing outside the package and uses no Node-only global, eval or Function", () => {
    const graph = moduleGraph();
    assert.ok(graph.has("lib/generated/validator.js") && graph.has("lib/portable/runtime.js"), [...graph.keys()].join());
    const external = [...graph.keys()].filter((k) => k.startsWith("<external"));
    assert.deepEqual(external, []);
    for (const [file, text] of graph) {
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "").replace(/"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '""');
      for (const forbidden of [/\bprocess\./, /\bBuffer\b/, /\brequire\(/, /\beval\(/, /\bnew Function\b/, /node:/, /\.node\b/]) {
        assert.doesNotMatch(code, forbidden, `${file} uses ${forbidden}`);
      }
    }
  });
});
