// The testing kit ("./testing", "./testing/arbitraries") of the packed
// package, installed into a fresh project (support.mjs): the examples and the
// fast-check arbitraries, each value checked by both validators (the core
// through the native build on JSON text, and the generated JavaScript of the
// portable build on objects), the typing of the overrides in tsc, fast-check
// staying an optional peer dependency, and the examples of a released version
// on a throwaway tagged repository.
//
// FC_SEED / FC_RUNS change the seed and the size of the property tests.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { NAME, PKG, PKG_DIR, compileSources, issueKeys, makeProject, makeReleasedRepo } from "./support.mjs";

const SEED = Number(process.env.FC_SEED ?? 20260105);
const RUNS = Number(process.env.FC_RUNS ?? 200);
const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error"];
const FAST_CHECK = `fast-check@${PKG.devDependencies["fast-check"]}`;

let project;
let fc;
let testing;
let arbitraries;
let native;
let portable;
let shipped; // schemas/examples.json as the package ships it
let schema; // schemas/envelope.schema.json as the package ships it
let fastCheckAbsent;

before(async () => {
  project = makeProject({ baml: false });
  // Before fast-check is installed: "./testing" must load without it.
  fastCheckAbsent = {
    installed: existsSync(join(project.dir, "node_modules", "fast-check")),
    testing: project.node(["--input-type=module", "-e", `const m = await import(${JSON.stringify(`${NAME}/testing`)}); console.log(m.exampleEnvelope("TYPING_INDICATOR").type);`]),
    arbitraries: project.node(["--input-type=module", "-e", `await import(${JSON.stringify(`${NAME}/testing/arbitraries`)});`]),
  };
  execFileSync("npm", ["install", FAST_CHECK, ...NPM_QUIET], { cwd: project.dir, stdio: ["ignore", "pipe", "pipe"] });
  project.write("testing.mjs", `export * from ${JSON.stringify(`${NAME}/testing`)};\n`);
  project.write("arbitraries.mjs", `export * from ${JSON.stringify(`${NAME}/testing/arbitraries`)};\n`);
  // The project's fast-check: the one the arbitraries were built with.
  project.write("fc.mjs", `export { default } from "fast-check";\n`);
  fc = (await project.import("fc.mjs")).default;
  testing = await project.import("testing.mjs");
  arbitraries = await project.import("arbitraries.mjs");
  native = await project.import("native.mjs");
  portable = await project.import("portable.mjs");
  const require = createRequire(join(project.dir, "consumer.cjs"));
  shipped = JSON.parse(readFileSync(require.resolve(`${NAME}/schemas/examples.json`), "utf8"));
  schema = JSON.parse(readFileSync(require.resolve(`${NAME}/schemas/envelope.schema.json`), "utf8"));
});
after(() => project?.dispose());

/**
 * `path code` of every issue each validator reports on `envelope` (a value,
 * or JSON text for the text-level codes), producer mode unless `options` say
 * otherwise.
 */
function verdicts(envelope, options) {
  const isText = typeof envelope === "string";
  const text = isText ? envelope : JSON.stringify(envelope);
  return {
    core: issueKeys(native.envelopeIssues(text, options)), // contracts-core through napi, on JSON text
    portableText: issueKeys(portable.envelopeIssues(text, options)), // the generated JavaScript after JSON.parse
    ...(isText
      ? {}
      : {
          nativeObject: issueKeys(native.envelopeIssues(envelope, options)), // the native build on an object
          portableObject: issueKeys(portable.envelopeIssues(envelope, options)), // the generated JavaScript on an object
        }),
  };
}

/**
 * Throws unless every validator reports exactly `want` (sorted `path code`
 * strings); `portableWant` is what the builds that read with JSON.parse report
 * where it hides the issue (a duplicate key).
 */
function assertVerdicts(envelope, want, options, portableWant = want) {
  const got = verdicts(envelope, options);
  for (const [build, keys] of Object.entries(got)) {
    const expected = build === "core" ? want : portableWant;
    if (keys.join("\n") !== expected.join("\n")) {
      throw new Error(`${build}: ${JSON.stringify(keys)}, want ${JSON.stringify(expected)}\nenvelope: ${typeof envelope === "string" ? envelope : JSON.stringify(envelope)}`);
    }
  }
}

/** The JSON.parse difference of the portable build (testdata/portable-differences.json): it cannot see a duplicate key. */
const portableSees = (code) => code !== "duplicate_key";

const params = (numRuns = RUNS) => ({ seed: SEED, numRuns });
const payloadClassOf = (type) => schema.$defs[schema.discriminator.mapping[type].split("/").pop()].properties.payload.$ref.split("/").pop();
const classNames = () => Object.keys(shipped.versions[PKG.version].classes);

describe("the package", () => {
  test("ships ./testing and ./testing/arbitraries with their declarations", () => {
    const files = execFileSync("tar", ["-tzf", project.tarball], { encoding: "utf8" }).split("\n").map((f) => f.replace(/^package\//, ""));
    for (const f of ["lib/testing/index.js", "lib/testing/index.d.ts", "lib/testing/examples.js", "lib/testing/arbitraries.js", "lib/testing/arbitraries.d.ts", "lib/generated/examples.js", "lib/generated/json-schemas.js", "schemas/examples.json"]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
  });

  test("fast-check is an optional peer dependency: not installed with the package, needed by ./testing/arbitraries only", () => {
    assert.equal(fastCheckAbsent.installed, false, "npm installed fast-check with the package");
    const packed = JSON.parse(project.read(`node_modules/${NAME}/package.json`));
    assert.equal(packed.peerDependencies["fast-check"], PKG.peerDependencies["fast-check"]);
    assert.equal(packed.peerDependenciesMeta["fast-check"].optional, true);
    assert.equal(packed.dependencies?.["fast-check"], undefined);
    assert.equal(fastCheckAbsent.testing.status, 0, fastCheckAbsent.testing.stderr);
    assert.equal(fastCheckAbsent.testing.stdout.trim(), "TYPING_INDICATOR");
    assert.notEqual(fastCheckAbsent.arbitraries.status, 0);
    assert.match(fastCheckAbsent.arbitraries.stderr, /Cannot find package 'fast-check'/);
  });

  test("no production entry point loads the testing kit or fast-check", () => {
    project.write("hooks-testing.mjs", `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/\\/lib\\/testing\\/|\\/fast-check\\//.test(r.url)) throw new Error("FORBIDDEN LOAD " + r.url);
  return r;
}\n`);
    project.write("register-testing.mjs", `import { register } from "node:module";\nregister("./hooks-testing.mjs", import.meta.url);\n`);
    const probe = (specifier) => project.node(["--import", "./register-testing.mjs", "--input-type=module", "-e", `await import(${JSON.stringify(specifier)});`]);
    for (const specifier of [NAME, `${NAME}/validate`, `${NAME}/validate/portable`, `${NAME}/validate/native`, `${NAME}/cloudevents`]) {
      const r = probe(specifier);
      assert.equal(r.status, 0, `${specifier}: ${r.stderr}`);
    }
    // Control: the trap fires for the testing kit.
    const trapped = probe(`${NAME}/testing`);
    assert.notEqual(trapped.status, 0);
    assert.match(trapped.stderr, /FORBIDDEN LOAD/);
  });
});

describe("examples", () => {
  test("exampleVersions() lists the versions of schemas/examples.json, this one first", () => {
    assert.deepEqual(testing.exampleVersions(), Object.keys(shipped.versions));
    assert.equal(testing.exampleVersions()[0], PKG.version);
  });

  test("every event type's example is the compiler's, and valid in the core and in the portable build", () => {
    const events = shipped.versions[PKG.version].events;
    assert.deepEqual(Object.keys(events).sort(), Object.keys(schema.discriminator.mapping).sort());
    for (const [type, expected] of Object.entries(events)) {
      const envelope = testing.exampleEnvelope(type);
      assert.deepEqual(envelope, expected, type);
      assert.equal(envelope.contracts_version, PKG.version);
      assertVerdicts(envelope, []);
    }
  });

  test("every class's example is the compiler's and valid in the core; every enum's is its first value", () => {
    const { classes, enums } = shipped.versions[PKG.version];
    for (const [name, expected] of Object.entries(classes)) {
      const dto = testing.exampleDto(name);
      assert.deepEqual(dto, expected, name);
      const core = native.upgradeEnvelope(dto, { className: name, version: PKG.version });
      assert.equal(core.ok, true, `${name}: ${JSON.stringify(core.error)}`);
      assert.deepEqual(core.value, dto);
    }
    for (const [name, expected] of Object.entries(enums)) {
      assert.equal(testing.exampleEnum(name), expected);
      assert.equal(schema.$defs[name].enum[0], expected, name);
    }
  });

  test("each call returns a fresh copy: mutating one changes nothing else", () => {
    const first = testing.exampleEnvelope("SESSION_SCHEDULED");
    first.payload.agenda.push("mutated");
    first.meta.event_id = "changed";
    assert.deepEqual(testing.exampleEnvelope("SESSION_SCHEDULED"), shipped.versions[PKG.version].events.SESSION_SCHEDULED);
    const dto = testing.exampleDto("SessionSummary");
    dto.content.key_topics.length = 0;
    assert.deepEqual(testing.exampleDto("SessionSummary"), shipped.versions[PKG.version].classes.SessionSummary);
  });

  test("overrides merge deeply: objects field by field, arrays replace, undefined removes a field", () => {
    const base = shipped.versions[PKG.version].events.SESSION_SUMMARY_READY;
    const correlation = "0192f0c1-7a52-7cc3-8d1e-00000000c0de";
    const envelope = testing.exampleEnvelope("SESSION_SUMMARY_READY", {
      payload: { content: { headline: "A good session", key_topics: ["sleep", "focus"] } },
      meta: { correlation_id: correlation },
    });
    assert.equal(envelope.payload.content.headline, "A good session");
    assert.deepEqual(envelope.payload.content.key_topics, ["sleep", "focus"]);
    assert.equal(envelope.payload.content.overview, base.payload.content.overview, "a sibling field is kept");
    assert.equal(envelope.payload.id, base.payload.id);
    assert.deepEqual(envelope.meta, { ...base.meta, correlation_id: correlation });
    assertVerdicts(envelope, []);
    // An optional field can be set, and removed again with undefined.
    const started = testing.exampleEnvelope("MESSAGE_ADDED", { payload: { author: { id: base.payload.id, display_name: "Ada", role: "COACH" } } });
    assert.equal(started.payload.author.role, "COACH");
    assert.ok(!("correlation_id" in testing.exampleEnvelope("TYPING_INDICATOR", { meta: { correlation_id: undefined } }).meta));
    // A DTO: the same merge.
    const draft = testing.exampleDto("ActionItemDraft", { priority: "HIGH", details: "twice a week" });
    assert.deepEqual(draft, { ...shipped.versions[PKG.version].classes.ActionItemDraft, priority: "HIGH", details: "twice a week" });
  });

  test("an override that breaks a rule throws EnvelopeValidationError with the issues", async () => {
    const root = await project.import("root.mjs");
    const cases = [
      ["SESSION_SUMMARY_READY", { payload: { session_id: "not-a-uuid" } }, ["/payload/session_id invalid_uuid"]],
      ["SESSION_SUMMARY_READY", { payload: { content: { headline: 42 } } }, ["/payload/content/headline wrong_type"]],
      ["SESSION_SUMMARY_READY", { payload: { generated_at: "2026-01-05 09:30" }, meta: { timestamp: "yesterday" } }, ["/meta/timestamp invalid_timestamp", "/payload/generated_at invalid_timestamp"]],
      ["TYPING_INDICATOR", { payload: { is_typing: undefined, typo: 1 } }, ["/payload/is_typing missing_field", "/payload/typo unknown_field"]],
      ["MESSAGE_ADDED", { payload: { author_kind: "ROBOT" } }, ["/payload/author_kind invalid_enum_value"]],
    ];
    for (const [type, overrides, want] of cases) {
      assert.throws(
        () => testing.exampleEnvelope(type, overrides),
        (e) => e instanceof root.EnvelopeValidationError && assert.deepEqual(issueKeys(e.issues), want) === undefined,
        JSON.stringify(overrides),
      );
    }
    // A DTO's issues are relative to the DTO, found by placing it where an event carries its class.
    assert.throws(
      () => testing.exampleDto("ActionItemDraft", { due_date: "2026-02-30", priority: "URGENT" }),
      (e) =>
        e instanceof root.EnvelopeValidationError &&
        /^invalid ActionItemDraft \(2 issues\)/.test(e.message) &&
        assert.deepEqual(issueKeys(e.issues), ["/due_date invalid_date", "/priority invalid_enum_value"]) === undefined,
    );
    assert.throws(() => testing.exampleDto("TextContent", { kind: "html" }), (e) => assert.deepEqual(issueKeys(e.issues), ["/kind invalid_literal"]) === undefined);
  });

  test("bad arguments throw errors that name the choices", () => {
    assert.throws(() => testing.exampleEnvelope("SESSION_STARTD"), { name: "RangeError", message: /"SESSION_STARTD" is not an event type of contracts .*use one of SESSION_SCHEDULED/ });
    assert.throws(() => testing.exampleEnvelope("TYPING_INDICATOR", {}, { version: "0.0.1" }), { name: "RangeError", message: /version "0\.0\.1" is not a contracts version this package ships; use one of / });
    assert.throws(() => testing.exampleEnvelope("TYPING_INDICATOR", { type: "X" }), { name: "TypeError", message: /unknown override "type"; overrides take payload and meta/ });
    assert.throws(() => testing.exampleEnvelope("TYPING_INDICATOR", { payload: [] }), { name: "TypeError", message: /overrides.payload must be an object/ });
    assert.throws(() => testing.exampleDto("Nope"), { name: "RangeError", message: /"Nope" is not a class of contracts .*use one of / });
    assert.throws(() => testing.exampleDto("Goal", "x"), { name: "TypeError" });
    assert.throws(() => testing.exampleEnum("Role"), { name: "RangeError", message: /"Role" is not an enum/ });
  });
});

describe("arbitraries", () => {
  test(`envelopeArb(): valid producer envelopes in every build (${RUNS * 5} runs)`, (t) => {
    const seen = new Set();
    fc.assert(
      fc.property(arbitraries.envelopeArb(), (envelope) => {
        seen.add(envelope.type);
        assert.equal(envelope.contracts_version, PKG.version);
        assertVerdicts(envelope, []);
      }),
      params(RUNS * 5),
    );
    t.diagnostic(`event types generated: ${seen.size}`);
    assert.equal(seen.size, Object.keys(schema.discriminator.mapping).length, "every event type is generated");
  });

  test(`envelopeArb({mode: "consumer"}): accepted in consumer mode, with unknown fields and other versions of the MAJOR (${RUNS * 2} runs)`, () => {
    let unknownFields = 0;
    let otherVersions = 0;
    fc.assert(
      fc.property(arbitraries.envelopeArb({ mode: "consumer" }), (envelope) => {
        assertVerdicts(envelope, [], { mode: "consumer" });
        if (native.envelopeIssues(JSON.stringify(envelope)).some((i) => i.code === "unknown_field")) unknownFields++;
        if (envelope.contracts_version !== PKG.version) otherVersions++;
      }),
      params(RUNS * 2),
    );
    assert.ok(unknownFields > RUNS / 4, `too few envelopes with unknown fields: ${unknownFields}`);
    assert.ok(otherVersions > RUNS / 4, `too few other versions: ${otherVersions}`);
  });

  test("envelopeArb({type}) generates only those event types, with their payload class", () => {
    for (const type of [["TYPING_INDICATOR"], ["GOAL_CREATED", "MESSAGE_ADDED"]]) {
      const samples = fc.sample(arbitraries.envelopeArb({ type: type.length === 1 ? type[0] : type }), { seed: SEED, numRuns: 50 });
      assert.deepEqual([...new Set(samples.map((e) => e.type))].sort(), [...type].sort());
      for (const e of samples) assert.equal(native.payloadClass(e.type), payloadClassOf(e.type));
    }
  });

  test("dtoArb(name): valid in the core for every class, and as a payload in every build", (t) => {
    const payloadTypes = new Map(Object.keys(schema.discriminator.mapping).map((type) => [payloadClassOf(type), type]));
    for (const name of classNames()) {
      fc.assert(
        fc.property(arbitraries.dtoArb(name), (dto) => {
          const core = native.upgradeEnvelope(dto, { className: name, version: PKG.version });
          if (!core.ok) throw new Error(`${name}: ${JSON.stringify(core.error)}\n${JSON.stringify(dto)}`);
          const type = payloadTypes.get(name);
          if (type !== undefined) assertVerdicts({ ...testing.exampleEnvelope(type), payload: dto }, []);
        }),
        params(Math.max(20, RUNS / 5)),
      );
    }
    t.diagnostic(`${classNames().length} classes`);
  });

  const CODES = ["not_an_object", "missing_field", "unknown_field", "wrong_type", "invalid_enum_value", "invalid_literal", "unknown_event_type", "invalid_timestamp", "invalid_date", "invalid_uuid", "unsupported_version", "invalid_json", "duplicate_key", "too_deep"];
  for (const mode of ["producer", "consumer"]) {
    for (const code of CODES.filter((c) => mode === "producer" || c !== "unknown_field")) {
      const runs = mode === "producer" ? RUNS : Math.max(20, RUNS / 2);
      test(`invalidEnvelopeArb("${code}", {mode: "${mode}"}): exactly that one issue, at its path, in every build (${runs} runs)`, (t) => {
        assert.ok(arbitraries.INVALID_ISSUE_CODES.includes(code));
        const paths = new Set();
        fc.assert(
          fc.property(arbitraries.invalidEnvelopeArb(code, { mode }), ({ envelope, issue, mode: planted }) => {
            assert.equal(issue.code, code);
            assert.equal(planted, mode);
            assert.equal(typeof envelope === "string", arbitraries.TEXT_ISSUE_CODES.includes(code));
            paths.add(issue.path.replace(/\/\d+(?=\/|$)/g, "/*"));
            const want = [`${issue.path} ${issue.code}`];
            assertVerdicts(envelope, want, { mode }, portableSees(code) ? want : []);
          }),
          params(runs),
        );
        t.diagnostic(`${paths.size} distinct paths`);
      });
    }
  }

  test("invalidEnvelopeArb covers every issue code but too_large, and {type} narrows it", () => {
    const codes = new Set(["too_large"]);
    for (const code of arbitraries.INVALID_ISSUE_CODES) codes.add(code);
    // Every code of the error model (README "Error format").
    assert.deepEqual([...codes].sort(), ["duplicate_key", "invalid_date", "invalid_enum_value", "invalid_json", "invalid_literal", "invalid_timestamp", "invalid_uuid", "missing_field", "not_an_object", "too_deep", "too_large", "unknown_event_type", "unknown_field", "unsupported_version", "wrong_type"]);
    const samples = fc.sample(arbitraries.invalidEnvelopeArb("invalid_uuid", { type: "TYPING_INDICATOR" }), { seed: SEED, numRuns: 30 });
    for (const { envelope, issue } of samples) {
      assert.equal(envelope.type, "TYPING_INDICATOR");
      assertVerdicts(envelope, [`${issue.path} invalid_uuid`]);
    }
    // TYPING_INDICATOR has no calendar date anywhere.
    assert.throws(() => arbitraries.invalidEnvelopeArb("invalid_date", { type: "TYPING_INDICATOR" }), { name: "RangeError", message: /no envelope of TYPING_INDICATOR .* can carry invalid_date/ });
    assert.throws(() => arbitraries.invalidEnvelopeArb("too_large"), { name: "RangeError", message: /too_large needs an input above maxBytes/ });
    assert.throws(() => arbitraries.invalidEnvelopeArb("nope"), { name: "RangeError", message: /use one of not_an_object/ });
    assert.throws(() => arbitraries.invalidEnvelopeArb("unknown_field", { mode: "consumer" }), { name: "RangeError", message: /consumer mode ignores unknown fields/ });
    assert.throws(() => arbitraries.envelopeArb({ type: "NOPE" }), { name: "RangeError", message: /"NOPE" is not an event type/ });
    assert.throws(() => arbitraries.dtoArb("Nope"), { name: "RangeError", message: /"Nope" is not a class/ });
    assert.throws(() => arbitraries.envelopeArb({ mode: "consumer", version: "0.0.1" }), { name: "RangeError" });
  });

  test("a wrong expectation is caught and shrunk (the properties can fail)", () => {
    // A stand-in for a validator that misses leap seconds: the shrunk counterexample is a minimal timestamp.
    const out = fc.check(
      fc.property(arbitraries.envelopeArb({ type: "TYPING_INDICATOR" }), (e) => {
        if (e.meta.timestamp.includes(":60")) throw new Error("leap second");
      }),
      { seed: SEED, numRuns: 2000 },
    );
    assert.ok(out.failed, "no leap second generated in 2000 runs");
    assert.match(out.counterexample[0].meta.timestamp, /:60/);
  });
});

describe("types (tsc)", () => {
  const source = `import { exampleDto, exampleEnum, exampleEnvelope, type DeepPartial } from ${JSON.stringify(`${NAME}/testing`)};
import { dtoArb, envelopeArb, invalidEnvelopeArb, type InvalidEnvelope } from ${JSON.stringify(`${NAME}/testing/arbitraries`)};
import { UserRole, type ActionItemDraft, type EnvelopeOf, type SessionSummary } from ${JSON.stringify(NAME)};
import fc from "fast-check";

const ready: EnvelopeOf<"SESSION_SUMMARY_READY"> = exampleEnvelope("SESSION_SUMMARY_READY", { payload: { content: { headline: "x", key_topics: ["a"] } } });
export const headline: string = ready.payload.content.headline;
exampleEnvelope("MESSAGE_ADDED", { payload: { author: { role: "COACH" } } });
exampleEnvelope("MESSAGE_ADDED", { payload: { author: { role: UserRole.COACH } } });
exampleEnvelope("TYPING_INDICATOR", { meta: { correlation_id: "0192f0c1-7a52-7cc3-8d1e-00000000c0de", request_id: undefined } });
export const summary: SessionSummary = exampleDto("SessionSummary", { content: { sentiment: "POSITIVE" } });
export const draft: ActionItemDraft = exampleDto("ActionItemDraft", { priority: "HIGH" });
export const role: UserRole = exampleEnum("UserRole");
const released = exampleEnvelope("TYPING_INDICATOR", { payload: { anything: 1 } }, { version: "0.0.0" as string });
export const releasedVersion: string = released.contracts_version;
export const partial: DeepPartial<SessionSummary> = { content: { action_items: [{ title: "t", owner: "CLIENT", priority: "LOW" }] } };

export const typing: fc.Arbitrary<EnvelopeOf<"TYPING_INDICATOR">> = envelopeArb({ type: "TYPING_INDICATOR" });
export const two: fc.Arbitrary<EnvelopeOf<"GOAL_CREATED" | "MESSAGE_ADDED">> = envelopeArb({ type: ["GOAL_CREATED", "MESSAGE_ADDED"] });
export const drafts: fc.Arbitrary<ActionItemDraft> = dtoArb("ActionItemDraft");
export const invalid: fc.Arbitrary<InvalidEnvelope> = invalidEnvelopeArb("missing_field", { type: "GOAL_CREATED" });

// @ts-expect-error: headline is a string
exampleEnvelope("SESSION_SUMMARY_READY", { payload: { content: { headline: 42 } } });
// @ts-expect-error: TypingIndicatorPayload has no titel
exampleEnvelope("TYPING_INDICATOR", { payload: { titel: "x" } });
// @ts-expect-error: OWNER is not a UserRole
exampleEnvelope("MESSAGE_ADDED", { payload: { author: { role: "OWNER" } } });
// @ts-expect-error: not an event type
exampleEnvelope("SESSION_STARTD");
// @ts-expect-error: meta.event_id is a string
exampleEnvelope("TYPING_INDICATOR", { meta: { event_id: 1 } });
// @ts-expect-error: overrides take payload and meta
exampleEnvelope("TYPING_INDICATOR", { type: "GOAL_CREATED" });
// @ts-expect-error: an array override holds complete elements
exampleEnvelope("SESSION_SUMMARY_READY", { payload: { content: { action_items: [{ title: "only a title" }] } } });
// @ts-expect-error: not a class
exampleDto("SessionSumary");
// @ts-expect-error: URGENT is not a Priority
exampleDto("ActionItemDraft", { priority: "URGENT" });
// @ts-expect-error: not an enum
exampleEnum("Role");
// @ts-expect-error: a TYPING_INDICATOR arbitrary does not make GOAL_CREATED envelopes
export const wrong: fc.Arbitrary<EnvelopeOf<"GOAL_CREATED">> = envelopeArb({ type: "TYPING_INDICATOR" });
// @ts-expect-error: too_large is not generated
invalidEnvelopeArb("too_large");
// @ts-expect-error: not a class
dtoArb("Nope");
`;
  const EXPECTED_ERRORS = (source.match(/@ts-expect-error/g) ?? []).length;

  for (const resolution of ["bundler", "nodenext"]) {
    test(`overrides of the wrong type do not compile, the right ones do (moduleResolution ${resolution})`, () => {
      const file = `testing-${resolution}.ts`;
      project.write(file, source);
      const module = resolution === "bundler" ? { module: "ESNext", moduleResolution: "Bundler" } : { module: "NodeNext", moduleResolution: "NodeNext" };
      project.write(
        `tsconfig.testing-${resolution}.json`,
        JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], skipLibCheck: false, noEmit: true, exactOptionalPropertyTypes: true, ...module }, files: [file] }),
      );
      const r = project.tsc(["-p", `tsconfig.testing-${resolution}.json`]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }

  test("the @ts-expect-error lines are real errors: without the directives tsc reports each", () => {
    project.write("testing-unchecked.ts", source.replaceAll("// @ts-expect-error", "// (expected error)"));
    project.write(
      "tsconfig.testing-unchecked.json",
      JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], noEmit: true, module: "ESNext", moduleResolution: "Bundler" }, files: ["testing-unchecked.ts"] }),
    );
    const r = project.tsc(["-p", "tsconfig.testing-unchecked.json"]);
    const lines = (r.stdout + r.stderr).split("\n").filter((l) => /error TS\d+/.test(l));
    const errorLines = new Set(lines.map((l) => l.match(/\((\d+),\d+\)/)?.[1]));
    assert.equal(errorLines.size, EXPECTED_ERRORS, lines.join("\n"));
  });
});

// ---------------------------------------------------------------------------
// The README's Vitest example, as written: the ```ts blocks of "## Testing your
// app against the contracts" whose first line is `// <path>` become those
// files of a project with the packed package, vitest and fast-check (from
// npm's cache, filled by `npm ci` here), type-checked and run with `vitest run`.

describe("README: Testing your app against the contracts", () => {
  const VITEST = `vitest@${PKG.devDependencies.vitest}`;
  let files;

  before(() => {
    const readme = readFileSync(join(PKG_DIR, "README.md"), "utf8");
    const start = readme.indexOf("\n## Testing your app against the contracts\n");
    assert.ok(start >= 0, "README.md has no section 'Testing your app against the contracts'");
    const end = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    files = [...section.matchAll(/```ts\n\/\/ ([^\n]+)\n([\s\S]*?)```/g)].map(([, path, body]) => ({
      path: path.trim(),
      // The README names the package by its published name; a re-scoped build (npm run set-scope) is another.
      body: `// ${path}\n${body}`.replaceAll("@coach-app/coach-app-baml-client", NAME),
    }));
    execFileSync("npm", ["install", VITEST, ...NPM_QUIET], { cwd: project.dir, stdio: ["ignore", "pipe", "pipe"] });
    mkdirSync(join(project.dir, "src"), { recursive: true });
    for (const { path, body } of files) project.write(path, body);
  });

  test("the section has the code and its tests", () => {
    assert.deepEqual(files.map((f) => f.path), ["src/session-feed.ts", "src/session-feed.test.ts"]);
  });

  test("the example type-checks (strict, moduleResolution bundler)", () => {
    project.write(
      "tsconfig.readme.json",
      JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], noEmit: true, module: "ESNext", moduleResolution: "Bundler", skipLibCheck: true }, files: files.map((f) => f.path) }),
    );
    const r = project.tsc(["-p", "tsconfig.readme.json"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("`vitest run` passes every test of the example", () => {
    const r = spawnSync(process.execPath, [join(project.dir, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=verbose"], {
      cwd: project.dir,
      encoding: "utf8",
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
      timeout: 180_000,
    });
    const output = r.stdout + r.stderr;
    assert.equal(r.status, 0, output);
    const tests = files.reduce((n, f) => n + (f.body.match(/^\s*test\(/gm) ?? []).length, 0);
    assert.match(output, new RegExp(`Tests\\s+${tests} passed \\(${tests}\\)`), output);
  });
});

// ---------------------------------------------------------------------------
// A released version: a throwaway repository tags these contracts as OLD,
// makes a MINOR change (UserRole gains a first value GUEST, TypingIndicatorPayload
// an optional `device`) as this version, and `contracts gen` writes examples,
// schemas and validator with that history; this package's sources are built
// with them (the portable build: the native addon here has no such history).

describe("a released version (throwaway tagged repository)", () => {
  const OLD = "0.1.0";
  const NEW = PKG.version;
  let dir;
  let kit;
  let arbs;
  let validator;

  before(async () => {
    assert.notEqual(OLD, NEW);
    dir = mkdtempSync(join(tmpdir(), "coach-testing-history-"));
    const repo = join(dir, "repo");
    makeReleasedRepo(repo, { released: OLD, current: NEW });

    // This package's sources with what that run generated, built as build:ts builds them.
    const pkg = join(dir, "pkg");
    const generated = join(repo, "packages", "typescript");
    cpSync(join(PKG_DIR, "src"), join(pkg, "src"), { recursive: true });
    for (const file of ["validator.ts", "examples.ts"]) cpSync(join(generated, "src", "generated", file), join(pkg, "src", "generated", file));
    writeFileSync(join(pkg, "src", "generated", "constants.ts"), `export const CONTRACTS_VERSION = "${NEW}";\nexport const PACKAGE_NAME = "history-test";\n`);
    cpSync(join(generated, "schemas"), join(pkg, "schemas"), { recursive: true });
    mkdirSync(join(pkg, "scripts"));
    cpSync(join(PKG_DIR, "scripts", "gen-json-schemas.mjs"), join(pkg, "scripts", "gen-json-schemas.mjs"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "history-test", version: NEW, type: "module" }));
    execFileSync(process.execPath, [join(pkg, "scripts", "gen-json-schemas.mjs")], { stdio: "pipe" });
    mkdirSync(join(pkg, "node_modules"));
    symlinkSync(join(PKG_DIR, "node_modules", "fast-check"), join(pkg, "node_modules", "fast-check"), "dir");
    compileSources(pkg, ["src/testing/index.ts", "src/testing/arbitraries.ts", "src/validate-portable.ts"]);
    const load = (file) => import(pathToFileURL(join(pkg, "lib", file)).href);
    kit = await load("testing/index.js");
    arbs = await load("testing/arbitraries.js");
    validator = await load("validate-portable.js");
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const issuesFor = (envelope, version) => issueKeys(validator.envelopeIssues(envelope, version === NEW ? undefined : { targetVersion: version }));

  test("exampleVersions() lists this version, then the released one", () => {
    assert.deepEqual(kit.exampleVersions(), [NEW, OLD]);
  });

  test("{version} gives what a client of the release receives: its values, its contracts_version, checked against it", () => {
    assert.equal(kit.exampleEnum("UserRole"), "GUEST");
    assert.equal(kit.exampleEnum("UserRole", { version: OLD }), "CLIENT");
    const current = kit.exampleEnvelope("SESSION_SCHEDULED");
    const old = kit.exampleEnvelope("SESSION_SCHEDULED", {}, { version: OLD });
    assert.equal(current.payload.client.role, "GUEST");
    assert.equal(old.payload.client.role, "CLIENT");
    assert.equal(old.contracts_version, OLD);
    assert.deepEqual(issuesFor(old, OLD), []);
    // The current example is not one the release can read (GUEST is new).
    assert.deepEqual(issuesFor({ ...current, contracts_version: OLD }, OLD), ["/payload/client/role invalid_enum_value", "/payload/coach/role invalid_enum_value"]);
    // A field added since the release is refused there, and accepted here.
    assert.equal(kit.exampleEnvelope("TYPING_INDICATOR", { payload: { device: "web" } }).payload.device, "web");
    assert.throws(
      () => kit.exampleEnvelope("TYPING_INDICATOR", { payload: { device: "web" } }, { version: OLD }),
      (e) => assert.deepEqual(issueKeys(e.issues), ["/payload/device unknown_field"]) === undefined,
    );
    assert.equal(kit.exampleDto("PersonRef", {}, { version: OLD }).role, "CLIENT");
  });

  test(`envelopeArb / dtoArb / invalidEnvelopeArb with {version}: valid for the release (targetVersion), one planted issue (${RUNS} runs each)`, () => {
    fc.assert(
      fc.property(arbs.envelopeArb({ version: OLD }), (envelope) => {
        assert.equal(envelope.contracts_version, OLD);
        assert.deepEqual(issuesFor(envelope, OLD), [], JSON.stringify(envelope));
        assert.ok(!("device" in (envelope.type === "TYPING_INDICATOR" ? envelope.payload : {})));
      }),
      params(),
    );
    fc.assert(fc.property(arbs.dtoArb("TypingIndicatorPayload", { version: OLD }), (dto) => assert.ok(!("device" in dto))), params());
    for (const code of ["missing_field", "invalid_enum_value", "unsupported_version", "wrong_type"]) {
      fc.assert(
        fc.property(arbs.invalidEnvelopeArb(code, { version: OLD }), ({ envelope, issue }) => {
          assert.deepEqual(issuesFor(envelope, OLD), [`${issue.path} ${code}`], JSON.stringify(envelope));
        }),
        params(Math.max(20, RUNS / 4)),
      );
    }
  });
});
