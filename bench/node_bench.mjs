// Node benchmarks of the installed npm tarball next to its baselines,
// interleaved in one process (run by tools/bench.py):
//   BENCH_NODE_PROJECT=<dir with deps.mjs> node bench/node_bench.mjs ENVELOPES.json [rounds] [batchMs]
// Prints one JSON document: the vector checks of zod/valibot/ajv, and per
// envelope the median ns per call of every candidate and the median of the
// per-round ratios to validateEnvelope(string), to portable
// validateEnvelope(object) and to portable validateEnvelope(string)
// (`ratio_to_portable_string` of "native validateEnvelope(string)": issue 25's goal 1).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkVectors, typeboxSchema, valibotSchema, zodSchema } from "./node_models.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCHEMAS = join(REPO, "crates", "contracts-core", "schemas");
const deps = await import(pathToFileURL(join(process.env.BENCH_NODE_PROJECT, "deps.mjs")).href);
const { validate, portable, native, Ajv2020, addFormats, z, v, Type, TypeCompiler, versions } = deps;
const [envelopesFile, roundsArg, batchArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 15);
const BATCH_NS = Number(batchArg ?? 20) * 1e6;
const VERSION = validate.nativeContractsVersion();

export function loadVectors(version) {
  const dir = join(REPO, "testdata", "vectors");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, ...JSON.parse(readFileSync(join(dir, file), "utf8").replaceAll("{{CONTRACTS_VERSION}}", version)) }));
}

function makeAjv(allErrors) {
  const ajv = new Ajv2020({ strict: true, allErrors });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "discriminator" });
  return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, "envelope.schema.json"), "utf8")));
}

function perBatch(fn) {
  let n = 1;
  let elapsed = 0;
  while (elapsed < BATCH_NS / 4) {
    n *= 2;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return Math.max(1, Math.round((n * BATCH_NS) / elapsed));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median over rounds of the per-round ratio of `a`'s time to `b`'s. */
const ratio = (times, a, b) => median(times[a].map((t, i) => t / times[b][i]));

function interleaved(candidates, reference, portableReference, portableTextReference) {
  const names = Object.keys(candidates);
  const sizes = Object.fromEntries(names.map((n) => [n, perBatch(candidates[n])]));
  const times = Object.fromEntries(names.map((n) => [n, []]));
  let seed = 1125;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let r = -1; r < ROUNDS; r++) {
    const order = [...names].sort(() => rand() - 0.5);
    for (const name of order) {
      const fn = candidates[name];
      const n = sizes[name];
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      if (r >= 0) times[name].push(Number(process.hrtime.bigint() - start) / n); // round -1: warm-up
    }
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        ns: median(times[n]),
        ratio_to_ours: ratio(times, n, reference),
        ratio_to_portable: ratio(times, n, portableReference),
        // Issue 25 goal 1: the native build's text validation against the portable build's.
        ratio_to_portable_string: ratio(times, n, portableTextReference),
        spread: (Math.max(...times[n]) - Math.min(...times[n])) / median(times[n]),
      },
    ]),
  );
}

const ir = JSON.parse(readFileSync(join(SCHEMAS, "ir.json"), "utf8"));
const zod = zodSchema(z, ir, VERSION);
const vali = valibotSchema(v, ir, VERSION);
const typebox = TypeCompiler.Compile(typeboxSchema(Type, ir, VERSION));
const ajv = makeAjv(false);
const ajvAll = makeAjv(true);
const vectors = loadVectors(VERSION);
const results = {
  versions: { node: process.versions.node, ...versions },
  vector_diffs: {
    zod: checkVectors(vectors, (t) => zod.safeParse(JSON.parse(t)).success),
    valibot: checkVectors(vectors, (t) => v.safeParse(vali, JSON.parse(t)).success),
    ajv: checkVectors(vectors, (t) => ajv(JSON.parse(t))),
    typebox: checkVectors(vectors, (t) => typebox.Check(JSON.parse(t))),
  },
  cases: {},
};

const envelopes = JSON.parse(readFileSync(envelopesFile, "utf8"));
for (const name of ["small_valid", "large_valid", "small_invalid", "large_invalid"]) {
  const text = envelopes[name];
  const buffer = Buffer.from(text);
  const object = JSON.parse(text);
  const valid = !name.includes("invalid");
  for (const [lib, ok] of [
    ["ours", validate.isValidEnvelope(text)],
    ["ajv", ajv(object)],
    ["zod", zod.safeParse(object).success],
    ["valibot", v.safeParse(vali, object).success],
    ["typebox", typebox.Check(object)],
    ["portable", portable.isValidEnvelope(object)],
  ]) {
    if (ok !== valid) throw new Error(`${lib} says ${ok} for ${name}`);
  }
  const candidates = {
    // Already parsed objects (what a browser has after JSON.parse, or a Node service building envelopes).
    "portable validateEnvelope(object)": () => portable.validateEnvelope(object),
    "portable isValidEnvelope(object)": () => portable.isValidEnvelope(object),
    "native envelopeIssues(JSON.stringify(object))": () => native.envelopeIssues(JSON.stringify(object)),
    "zod 4 safeParse(object)": () => zod.safeParse(object),
    "valibot safeParse(object)": () => v.safeParse(vali, object),
    "TypeBox compiled Check(object)": () => typebox.Check(object),
    // JSON text (a WebSocket frame).
    "portable validateEnvelope(string)": () => portable.validateEnvelope(text),
    "TypeBox compiled Check(JSON.parse)": () => typebox.Check(JSON.parse(text)),
    "validateEnvelope(string)": () => validate.validateEnvelope(text),
    "native validateEnvelope(string)": () => native.validateEnvelope(text),
    "validateEnvelope(Buffer)": () => validate.validateEnvelope(buffer),
    "validateEnvelope(object)": () => validate.validateEnvelope(object),
    "isValidEnvelope(string)": () => validate.isValidEnvelope(text),
    "ajv(JSON.parse)": () => ajv(JSON.parse(text)),
    "ajv allErrors(JSON.parse)": () => ajvAll(JSON.parse(text)),
    "ajv(object)": () => ajv(object),
    "zod 4 safeParse(JSON.parse)": () => zod.safeParse(JSON.parse(text)),
    "valibot safeParse(JSON.parse)": () => v.safeParse(vali, JSON.parse(text)),
    "JSON.parse alone": () => JSON.parse(text),
  };
  if (!valid) {
    candidates["TypeBox compiled Errors(object), all"] = () => [...typebox.Errors(object)];
    candidates["zod 4 safeParse(object), all issues"] = () => zod.safeParse(object).error?.issues.length;
    // The valid envelope of the same shape, interleaved with the invalid one: its
    // ratio_to_portable is (portable valid / portable invalid) within each round.
    const twin = JSON.parse(envelopes[name.replace("invalid", "valid")]);
    candidates["portable validateEnvelope(valid twin object)"] = () => portable.validateEnvelope(twin);
  }
  const issues = valid ? 0 : validate.envelopeIssues(text).length;
  const portableIssues = valid ? 0 : portable.envelopeIssues(object).length;
  if (issues !== portableIssues) throw new Error(`native finds ${issues} issues in ${name}, portable ${portableIssues}`);
  results.cases[name] = {
    bytes: buffer.length,
    issues,
    timings: interleaved(candidates, "validateEnvelope(string)", "portable validateEnvelope(object)", "portable validateEnvelope(string)"),
  };
  process.stderr.write(`${name}: done\n`);
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
