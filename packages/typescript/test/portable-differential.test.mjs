// Differential test: the portable build (generated JavaScript) against the native
// build (contracts-core through napi-rs) on generated envelopes, valid and mutated,
// in both modes and with the options that change verdicts (maxIssues, maxDepth,
// targetVersion), as JSON text and as parsed objects. Fixed seed (DIFF_SEED and
// DIFF_COUNT override it). Every disagreement must be one that
// testdata/portable-differences.json explains (what JSON.parse hides); today the
// generators only reach `integer-precision`. A control run against copies of the
// portable build with a deliberately broken rule proves that this test notices.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { NAME, PKG, issueKeys, loadVectors, makeProject } from "./support.mjs";
import { applyMutation, jsonArb, mutationArb, schemaArbitrary, schemaNodes } from "./schema-arbitrary.mjs";

const SEED = Number(process.env.DIFF_SEED ?? 20261201);
const COUNT = Number(process.env.DIFF_COUNT ?? 10000);
const VERSION = PKG.version;
const [MAJOR, MINOR] = VERSION.split(".").map(Number);

let project;
let native;
let portable;
let schema;
let cases;

/** Options that change verdicts, cycled through the cases. */
const OPTIONS = [
  { mode: "producer" },
  { mode: "consumer" },
  { mode: "producer", maxIssues: 1 },
  { mode: "consumer", maxIssues: 2 },
  { mode: "producer", maxDepth: 2 },
  { mode: "consumer", maxDepth: 3 },
  { mode: "producer", targetVersion: VERSION },
  { mode: "producer", targetVersion: "0.0.9" },
];

const VERSIONS = [
  `${MAJOR}.${MINOR + 1}.0`,
  `${MAJOR + 1}.0.0`,
  `${VERSION}-beta.1`,
  `${VERSION}+build.5`,
  `0${VERSION}`,
  `${MAJOR}.${MINOR}`,
  `${MAJOR}.${MINOR}.x`,
  `18446744073709551616.0.0`,
  "",
  "v1.0.0",
  7,
  null,
];

/** A node of `envelope` nested `depth` arrays/objects deep (around the JSON parser's limit of 127). */
function nested(depth, inArrays) {
  let value = inArrays ? [] : {};
  for (let i = 1; i < depth; i++) value = inArrays ? [value] : { n: value };
  return value;
}

/** Mutations the schema cannot describe: versions, deep nesting, unknown subtrees, another event type, big integers, case. */
const extraMutationArb = fc.record({
  kind: fc.constantFrom("version", "deep", "unknown-subtree", "other-event-type", "big-int", "uppercase"),
  pick: fc.nat(),
  depth: fc.integer({ min: 118, max: 132 }),
  inArrays: fc.boolean(),
  value: jsonArb,
});

function applyExtra(envelope, m) {
  const copy = structuredClone(envelope);
  // An earlier mutation may have replaced the whole envelope.
  if (copy === null || typeof copy !== "object" || Array.isArray(copy)) return copy;
  const nodes = schemaNodes(schema, copy).filter((n) => n.path.length > 0);
  if (nodes.length === 0) return copy;
  const node = nodes[m.pick % nodes.length];
  const set = (path, value) => {
    let target = copy;
    for (const key of path.slice(0, -1)) target = target[key];
    target[path[path.length - 1]] = value;
  };
  switch (m.kind) {
    case "version":
      copy.contracts_version = VERSIONS[m.pick % VERSIONS.length];
      return copy;
    case "deep":
      set(node.path, nested(m.depth - node.path.length, m.inArrays));
      return copy;
    case "unknown-subtree": {
      const objects = schemaNodes(schema, copy).filter((n) => n.value !== null && typeof n.value === "object" && !Array.isArray(n.value));
      if (objects.length === 0) return copy;
      const target = objects[m.pick % objects.length].value;
      target[`x_${m.pick % 7}`] = m.pick % 3 === 0 ? nested(m.depth - 3, m.inArrays) : m.value;
      return copy;
    }
    case "other-event-type": {
      const types = Object.keys(schema.discriminator.mapping);
      copy.type = types[m.pick % types.length];
      return copy;
    }
    case "uppercase": {
      const strings = schemaNodes(schema, copy).filter((n) => typeof n.value === "string" && n.path.length > 0);
      if (strings.length === 0) return copy;
      const n = strings[m.pick % strings.length];
      set(n.path, n.value.toUpperCase());
      return copy;
    }
    case "big-int": {
      const ints = schemaNodes(schema, copy).filter((n) => n.schema?.type === "integer");
      if (ints.length === 0) return copy;
      const values = [2 ** 53 + 2, -(2 ** 60), 9.21e18, 9.3e18, 1e300, 0.5e-300];
      set(ints[m.pick % ints.length].path, values[m.pick % values.length]);
      return copy;
    }
    default:
      throw new Error(`unknown mutation ${m.kind}`);
  }
}

/** Valid envelopes from the schema and from the valid vectors, then 0–3 mutations of either kind. */
function generate() {
  const arbitrary = schemaArbitrary(schema);
  const fromVectors = loadVectors(VERSION).filter((v) => v.mode === "producer" && v.expect.valid && v.input && typeof v.input === "object");
  const valid = fc
    .oneof(
      arbitrary(schema),
      fc.tuple(fc.constantFrom(...fromVectors.map((v) => v.input)), arbitrary({ $ref: "#/$defs/EventMeta" })).map(([e, meta]) => ({ ...structuredClone(e), meta })),
    )
    .map((e) => ({ ...e, contracts_version: VERSION }));
  const mutation = fc.oneof({ arbitrary: mutationArb(schema), weight: 3 }, { arbitrary: extraMutationArb, weight: 1 });
  const arb = fc.tuple(valid, fc.array(mutation, { minLength: 0, maxLength: 3 }));
  return fc.sample(arb, { seed: SEED, numRuns: COUNT }).map(([envelope, mutations], i) => ({
    envelope: mutations.reduce((e, m) => ("depth" in m ? applyExtra(e, m) : applyMutation(schema, e, m)), envelope),
    options: OPTIONS[i % OPTIONS.length],
  }));
}

const LONG_INTEGER = /(?<![\d.eE])-?\d{16,}(?![\d.eE])/g;

/**
 * The JSON.parse-hidden difference (testdata/portable-differences.json kinds)
 * that explains a disagreement on `text`, proven by removing it: the
 * disagreement must vanish once every integer beyond 2^53 is replaced by 0.
 */
function explained(ours, text, options) {
  const plain = text.replace(LONG_INTEGER, "0");
  if (plain === text) return null;
  const same = issueKeys(native.envelopeIssues(plain, options)).join() === issueKeys(ours.envelopeIssues(plain, options)).join();
  return same ? "integer-precision" : null;
}

/** Runs every case through `ours` and the native build; returns the counts and the unexplained disagreements. */
function compare(ours) {
  const stats = { cases: 0, valid: 0, invalid: 0, issues: 0, explained: {}, unexplained: [] };
  for (const { envelope, options } of cases) {
    const text = JSON.stringify(envelope);
    const want = native.envelopeIssues(text, options);
    const wantValid = native.isValidEnvelope(text, options);
    stats.cases += 1;
    stats[wantValid ? "valid" : "invalid"] += 1;
    stats.issues += want.length;
    const got = [["text", ours.envelopeIssues(text, options), ours.isValidEnvelope(text, options)]];
    // A parsed string would be read as JSON text again: objects, arrays and scalars only.
    const parsed = JSON.parse(text);
    if (typeof parsed !== "string") got.push(["object", ours.envelopeIssues(parsed, options), ours.isValidEnvelope(parsed, options)]);
    for (const [kind, issues, valid] of got) {
      const same = valid === wantValid && (issues.length === 0) === valid && issueKeys(issues).join("\n") === issueKeys(want).join("\n");
      if (same) continue;
      const why = explained(ours, text, options);
      if (why) stats.explained[why] = (stats.explained[why] ?? 0) + 1;
      else stats.unexplained.push({ kind, options, text, native: issueKeys(want), portable: issueKeys(issues), valid: [wantValid, valid] });
    }
  }
  return stats;
}

before(async () => {
  project = makeProject({ baml: false });
  native = await project.import("native.mjs");
  portable = await project.import("portable.mjs");
  const require = createRequire(join(project.dir, "consumer.cjs"));
  schema = JSON.parse(readFileSync(require.resolve(`${NAME}/schemas/envelope.schema.json`), "utf8"));
  cases = generate();
});
after(() => project?.dispose());

describe(`portable vs native on ${COUNT} generated envelopes (seed ${SEED})`, () => {
  test("0 unexplained disagreements, text and object input", (t) => {
    const stats = compare(portable);
    t.diagnostic(
      `cases: ${stats.cases} (native: ${stats.valid} valid, ${stats.invalid} invalid, ${stats.issues} issues); ` +
        `explained: ${JSON.stringify(stats.explained)}; unexplained: ${stats.unexplained.length}`,
    );
    assert.ok(stats.valid >= COUNT / 10 && stats.invalid >= COUNT / 2, `too one-sided: ${stats.valid} valid, ${stats.invalid} invalid`);
    assert.ok(stats.issues >= COUNT, "the mutations produce too few issues to compare");
    assert.deepEqual(stats.unexplained.slice(0, 5), []);
  });
});

describe("the differential notices a broken rule", () => {
  /** A copy of the installed portable build with one source edit, imported fresh. */
  async function brokenCopy(name, file, from, to) {
    const dir = mkdtempSync(join(tmpdir(), `coach-broken-${name}-`));
    cpSync(join(project.dir, "node_modules", NAME, "lib"), join(dir, "lib"), { recursive: true });
    const path = join(dir, "lib", file);
    const source = readFileSync(path, "utf8");
    assert.ok(source.includes(from), `${file} no longer contains ${from}: update the control`);
    writeFileSync(path, source.replace(from, to));
    return { dir, module: await import(pathToFileURL(join(dir, "lib", "validate-portable.js")).href) };
  }

  const controls = [
    ["uuid-not-anchored-at-the-start", "portable/runtime.js", "const UUID = /^", "const UUID = /"],
    ["union-last-member-wins-a-tie", "generated/validator.js", "if (y.issues.length < best.issues.length)", "if (y.issues.length <= best.issues.length)"],
    ["fast-path-misses-extra-keys", "portable/runtime.js", "if (count === n)", "if (count >= n)"],
  ];
  for (const [name, file, from, to] of controls) {
    test(`control: ${name}`, async (t) => {
      const { dir, module } = await brokenCopy(name, file, from, to);
      try {
        const stats = compare(module);
        t.diagnostic(`${stats.unexplained.length} disagreements found`);
        assert.ok(stats.unexplained.length > 0, `the differential did not notice ${name}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
