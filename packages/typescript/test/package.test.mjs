// Tests of the packed npm package, installed from its tarball into a fresh
// temporary project (see support.mjs). Run with `npm test`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { NAME, PKG, PKG_DIR, REPO_DIR, issueKeys, loadVectors, makeProject } from "./support.mjs";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, posix } from "node:path";

const CORRELATION_ID = "0192f0c1-7a52-7cc3-8d1e-00000000c0de";

let project;
let root;
let validate;

before(async () => {
  project = makeProject();
  root = await project.import("root.mjs");
});
after(() => project?.dispose());

describe("tarball", () => {
  test("contains the compiled JS, the declarations, the BAML client and a native addon", (t) => {
    t.diagnostic(`tarball: ${project.tarball} (${project.source})`);
    const files = execFileSync("tar", ["-tzf", project.tarball], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));
    for (const f of [
      "package.json",
      "README.md",
      "lib/index.js",
      "lib/index.d.ts",
      "lib/validate.js",
      "lib/validate.d.ts",
      "lib/validate-portable.js",
      "lib/validate-portable.d.ts",
      "lib/generated/validator.js",
      "lib/portable/runtime.js",
      "lib/baml-client.js",
      "lib/baml_client/index.js",
      "lib/baml_client/index.d.ts",
      "lib/baml_client/types.js",
      "lib/baml_client/types.d.ts",
      "native/index.js",
      "native/index.d.ts",
      "schemas/envelope.schema.json",
      "schemas/ir.json",
      "schemas/events/TYPING_INDICATOR.schema.json",
      "schemas/asyncapi.json",
      "lib/cloudevents.js",
      "lib/cloudevents.d.ts",
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
    assert.ok(files.some((f) => /^native\/[^/]+\.node$/.test(f)), "no native/*.node in the tarball");
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "sources or tests were packed");
  });

  test("publint finds nothing in the tarball (strict, every level)", async () => {
    const { publint } = await import("publint");
    const { formatMessage } = await import("publint/utils");
    const buffer = readFileSync(project.tarball);
    const tarball = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball }, level: "suggestion", strict: true });
    const lines = messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`);
    assert.deepEqual(lines, []);
  });

  test("the shipped declarations only reference shipped files and declared dependencies", () => {
    const base = join(project.dir, "node_modules", NAME);
    const files = execFileSync("tar", ["-tzf", project.tarball], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));
    const shipped = new Set(files);
    const deps = Object.keys({ ...PKG.dependencies, ...PKG.peerDependencies });
    const problems = [];
    for (const file of files.filter((f) => f.endsWith(".d.ts"))) {
      const text = readFileSync(join(base, file), "utf8");
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/(?!\/\s*<reference).*$/gm, "$1");
      const specifiers = [
        ...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g),
        ...code.matchAll(/\/\/\/\s*<reference\s+(?:path|types)="([^"]+)"/g),
      ].map((m) => m[1]);
      for (const spec of specifiers) {
        if (spec.startsWith(".")) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec));
          const candidates = [target, target.replace(/\.js$/, ".d.ts"), `${target}.d.ts`, `${target}/index.d.ts`];
          if (!candidates.some((c) => shipped.has(c))) problems.push(`${file}: ${spec} is not in the tarball`);
        } else if (spec.startsWith("#")) {
          problems.push(`${file}: ${spec} (package "imports" types point at unshipped sources)`);
        } else if (!(spec === NAME || spec.startsWith(`${NAME}/`) || deps.some((d) => spec === d || spec.startsWith(`${d}/`)))) {
          problems.push(`${file}: ${spec} is not a dependency`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("./schemas/* resolves to the shipped JSON Schema files", () => {
    const require = createRequire(join(project.dir, "consumer.cjs"));
    const envelope = JSON.parse(readFileSync(require.resolve(`${NAME}/schemas/envelope.schema.json`), "utf8"));
    assert.equal(envelope.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.deepEqual(Object.keys(envelope.discriminator.mapping).sort(), [...root.EVENT_TYPES].sort());
    for (const type of root.EVENT_TYPES) {
      const event = JSON.parse(readFileSync(require.resolve(`${NAME}/schemas/events/${type}.schema.json`), "utf8"));
      assert.equal(event.properties.type.const, type);
    }
  });

  test("its version equals the workspace version in Cargo.toml", () => {
    const cargo = readFileSync(join(REPO_DIR, "Cargo.toml"), "utf8");
    const version = cargo.split(/^\[/m).find((s) => s.startsWith("workspace.package]")).match(/^version\s*=\s*"([^"]+)"/m)[1];
    const packed = JSON.parse(project.read(`node_modules/${NAME}/package.json`));
    assert.equal(packed.version, version);
    // The BAML runtime is an optional peer: only ./baml_client needs it.
    assert.equal(packed.dependencies?.["@boundaryml/baml"], undefined);
    assert.equal(packed.peerDependencies["@boundaryml/baml"], PKG.peerDependencies["@boundaryml/baml"]);
    assert.equal(packed.peerDependenciesMeta["@boundaryml/baml"].optional, true);
  });
});

describe("ESM imports", () => {
  before(async () => {
    root = await project.import("root.mjs");
    validate = await project.import("validate.mjs");
  });

  test(". exports the constants, the enums and the helpers", () => {
    assert.equal(root.CONTRACTS_VERSION, PKG.version);
    assert.equal(root.PACKAGE_NAME, NAME);
    assert.ok(root.EVENT_TYPES.length >= 15);
    assert.deepEqual([...root.EVENT_TYPES], Object.values(root.EventType));
    assert.ok(Object.isFrozen(root.EVENT_TYPES));
    assert.equal(root.isEventType("SESSION_SCHEDULED"), true);
    assert.equal(root.isEventType("NOPE"), false);
    assert.equal(typeof root.EnvelopeValidationError, "function");
  });

  test("./validate agrees with . on the version and the event types", () => {
    assert.equal(validate.VALIDATOR_BUILD, "native", "Node resolves ./validate through the `node` condition");
    assert.equal(validate.nativeContractsVersion(), root.CONTRACTS_VERSION);
    for (const type of root.EVENT_TYPES) assert.equal(typeof validate.payloadClass(type), "string", type);
    assert.equal(validate.payloadClass("NOPE"), null);
  });

  test("importing . or ./validate/portable loads neither a native addon nor @boundaryml/baml", () => {
    const hooks = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/@boundaryml|\\/native\\//.test(r.url)) throw new Error("FORBIDDEN LOAD " + r.url);
  return r;
}\n`;
    project.write("hooks.mjs", hooks);
    project.write("register.mjs", `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
    const probe = (specifier) =>
      project.node([
        "--import",
        "./register.mjs",
        "--input-type=module",
        "-e",
        `process.dlopen = () => { throw new Error("FORBIDDEN DLOPEN"); };
         const m = await import(${JSON.stringify(specifier)});
         console.log("OK", Object.keys(m).length);`,
      ]);
    const ok = probe(NAME);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^OK \d+/);
    // The portable build of ./validate needs neither.
    const portable = probe(`${NAME}/validate/portable`);
    assert.equal(portable.status, 0, portable.stderr);
    // Control: the traps do fire for the entry points that need native code.
    for (const specifier of [`${NAME}/validate`, `${NAME}/validate/native`, `${NAME}/baml_client`]) {
      const trapped = probe(specifier);
      assert.notEqual(trapped.status, 0, `${specifier} loaded without native code?`);
      assert.match(trapped.stderr, /FORBIDDEN/);
    }
  });

  test("./baml_client loads the generated client on the pinned BAML runtime", () => {
    const r = project.node([
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(`${NAME}/baml_client`)});
       console.log(m.version, typeof m.b);`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${PKG.peerDependencies["@boundaryml/baml"]} object`);
  });
});

describe("validation", () => {
  before(async () => {
    root ??= await project.import("root.mjs");
    validate ??= await project.import("validate.mjs");
  });

  const vectors = loadVectors(PKG.version);

  test("the vector corpus is present", () => {
    assert.ok(vectors.length > 0, "no testdata/vectors/*.json");
  });

  for (const v of vectors) {
    test(`vector ${v.file}`, () => {
      const input = "input_text" in v ? v.input_text : v.input;
      const options = { mode: v.mode };
      if (v.target_version !== undefined) options.targetVersion = v.target_version;
      if (v.max_issues !== undefined) options.maxIssues = v.max_issues;
      const issues = validate.envelopeIssues(input, options);
      const result = validate.validateEnvelope(input, options);
      assert.equal(result.ok, v.expect.valid, `${v.description}: ${JSON.stringify(issues)}`);
      assert.equal(validate.isValidEnvelope(input, options), v.expect.valid);
      assert.deepEqual(issueKeys(issues), issueKeys(v.expect.issues ?? []), v.description);
      for (const i of issues) {
        assert.equal(typeof i.message, "string");
        assert.ok(i.message.length > 0);
      }
      if (typeof input === "string") {
        // The same text as UTF-8 bytes gives the same issues.
        assert.deepEqual(validate.envelopeIssues(Buffer.from(input, "utf8"), options), issues);
      }
      if (result.ok) {
        assert.equal(validate.assertValidEnvelope(input, options).type, result.envelope.type);
      } else {
        assert.throws(
          () => validate.assertValidEnvelope(input, options),
          (e) => e instanceof root.EnvelopeValidationError && e.issues.length === issues.length,
        );
      }
    });
  }

  test("makeEnvelope builds a valid envelope for every event type", () => {
    const payloads = new Map();
    for (const v of vectors) {
      const input = v.input;
      if (v.mode === "producer" && v.expect.valid && input && typeof input === "object" && !Array.isArray(input)) {
        if (root.isEventType(input.type) && !payloads.has(input.type)) payloads.set(input.type, input.payload);
      }
    }
    const missing = root.EVENT_TYPES.filter((t) => !payloads.has(t));
    assert.deepEqual(missing, [], "event types without a valid producer vector to take a payload from");
    for (const [type, payload] of payloads) {
      const envelope = validate.makeEnvelope(type, payload, { correlationId: CORRELATION_ID, requestId: "req-1" });
      assert.equal(envelope.type, type);
      assert.equal(envelope.contracts_version, root.CONTRACTS_VERSION);
      assert.deepEqual(envelope.payload, payload);
      assert.equal(envelope.meta.correlation_id, CORRELATION_ID);
      assert.equal(envelope.meta.request_id, "req-1");
      assert.match(envelope.meta.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      const result = validate.validateEnvelope(envelope);
      assert.equal(result.ok, true, `${type}: ${JSON.stringify(result.issues)}`);
      assert.equal(validate.validateEnvelope(JSON.stringify(envelope)).ok, true);
    }
  });

  test("makeEnvelope throws EnvelopeValidationError listing the issues", () => {
    assert.throws(
      () => validate.makeEnvelope("NOT_AN_EVENT", {}),
      (e) =>
        e instanceof root.EnvelopeValidationError &&
        e instanceof Error &&
        e.name === "EnvelopeValidationError" &&
        issueKeys(e.issues).join() === "/type unknown_event_type" &&
        /\/type: unknown_event_type: /.test(e.message),
    );
  });

  test("bad options throw a clear error instead of crashing", () => {
    assert.throws(() => validate.envelopeIssues("{}", { mode: "bogus" }), /unknown mode "bogus"/);
    assert.throws(() => validate.isValidEnvelope("{}", { mode: "PRODUCER" }), /unknown mode/);
    assert.throws(() => validate.envelopeIssues("{}", { maxIssues: 0 }), /maxIssues must be at least 1/);
    assert.throws(() => validate.envelopeIssues(undefined), /not JSON-serialisable/);
    assert.throws(() => validate.makeEnvelope("TYPING_INDICATOR", undefined), /not JSON-serialisable/);
  });

  test("options are honoured: maxIssues, maxBytes, targetVersion, consumer mode", () => {
    const bad = '{"type": 1}';
    assert.ok(validate.envelopeIssues(bad).length > 1);
    assert.equal(validate.envelopeIssues(bad, { maxIssues: 1 }).length, 1);
    assert.deepEqual(issueKeys(validate.envelopeIssues(bad, { maxBytes: 2 })), [" too_large"]);
    assert.deepEqual(issueKeys(validate.envelopeIssues("{not json")), [" invalid_json"]);
    const envelope = validate.makeEnvelope(root.EVENT_TYPES[0], firstPayload(vectors, root.EVENT_TYPES[0]));
    const older = { ...envelope, contracts_version: "0.0.9" };
    assert.deepEqual(issueKeys(validate.envelopeIssues(older)), ["/contracts_version unsupported_version"]);
    // 0.0.9 is not in the schema history: one issue that lists the known versions.
    const unknown = validate.envelopeIssues(older, { targetVersion: "0.0.9" });
    assert.deepEqual(issueKeys(unknown), ["/contracts_version unsupported_version"]);
    assert.match(unknown[0].message, new RegExp(root.CONTRACTS_VERSION.replaceAll(".", "\\.")));
    assert.deepEqual(validate.envelopeIssues(envelope, { targetVersion: root.CONTRACTS_VERSION }), []);
    const extra = { ...envelope, extra_field: true };
    assert.deepEqual(issueKeys(validate.envelopeIssues(extra)), ["/extra_field unknown_field"]);
    assert.deepEqual(validate.envelopeIssues(extra, { mode: "consumer" }), []);
  });
});

describe("downgradeEnvelope", () => {
  before(async () => {
    root ??= await project.import("root.mjs");
    validate ??= await project.import("validate.mjs");
  });

  test("to the current version is the identity; an unknown version is an error value", () => {
    const envelope = validate.makeEnvelope(root.EVENT_TYPES[0], firstPayload(loadVectors(PKG.version), root.EVENT_TYPES[0]));
    assert.deepEqual(validate.downgradeEnvelope(envelope, root.CONTRACTS_VERSION), { ok: true, envelope });
    assert.deepEqual(validate.downgradeEnvelope(JSON.stringify(envelope), root.CONTRACTS_VERSION), { ok: true, envelope });
    const result = validate.downgradeEnvelope(envelope, "0.0.9");
    assert.equal(result.ok, false);
    assert.equal(result.error.ruleId, "unknown-version");
    assert.equal(result.error.path, "");
    assert.match(result.error.message, /0\.0\.9/);
    assert.match(result.error.message, new RegExp(root.CONTRACTS_VERSION.replaceAll(".", "\\.")));
    assert.equal(validate.downgradeEnvelope("{not json", "0.0.9").error.ruleId, "invalid-envelope");
  });
});

describe("upgradeEnvelope", () => {
  before(async () => {
    root ??= await project.import("root.mjs");
    validate ??= await project.import("validate.mjs");
  });

  test("an envelope or a DTO of the current version comes back unchanged; errors are data", () => {
    const envelope = validate.makeEnvelope(root.EVENT_TYPES[0], firstPayload(loadVectors(PKG.version), root.EVENT_TYPES[0]));
    assert.deepEqual(validate.upgradeEnvelope(envelope), { ok: true, value: envelope });
    assert.deepEqual(validate.upgradeEnvelope(JSON.stringify(envelope)), { ok: true, value: envelope });
    const old = validate.upgradeEnvelope({ ...envelope, contracts_version: "0.0.1" });
    assert.equal(old.ok, false);
    assert.equal(old.error.ruleId, "unknown-version");
    assert.match(old.error.message, new RegExp(root.CONTRACTS_VERSION.replaceAll(".", "\\.")));
    assert.equal(validate.upgradeEnvelope("{not json").error.ruleId, "invalid-envelope");

    const draft = { title: "Book the gym", owner: "CLIENT", priority: "HIGH" };
    const dto = { className: "ActionItemDraft", version: root.CONTRACTS_VERSION };
    assert.deepEqual(validate.upgradeEnvelope(draft, dto), { ok: true, value: draft });
    const bad = validate.upgradeEnvelope({ ...draft, priority: "URGENT" }, dto);
    assert.deepEqual([bad.ok, bad.error.ruleId, bad.error.path], [false, "invalid-value", "/priority"]);
    assert.equal(validate.upgradeEnvelope(draft, { ...dto, className: "Nope" }).error.ruleId, "unknown-class");
  });
});

describe("contractsProtocols", () => {
  test("announces the package's contracts version; the close codes follow HTTP", async () => {
    root ??= await project.import("root.mjs");
    assert.deepEqual(root.contractsProtocols(), [`coach-contracts.${root.CONTRACTS_VERSION}`]);
    assert.deepEqual(root.contractsProtocols("1.2.3"), ["coach-contracts.1.2.3"]);
    assert.equal(root.CONTRACTS_SUBPROTOCOL_PREFIX, "coach-contracts.");
    assert.deepEqual(root.CloseCode, {
      SERVICE_RESTART: 1012,
      TRY_AGAIN_LATER: 1013,
      RESTART: 4012,
      RETRY_LATER: 4013,
      BAD_REQUEST: 4400,
      UNAUTHENTICATED: 4401,
      FORBIDDEN: 4403,
      UNSUPPORTED_VERSION: 4406,
      FRAME_TOO_LARGE: 4413,
    });
  });

  test("the Python package announces and expects the same subprotocol", () => {
    const python = readFileSync(join(REPO_DIR, "packages/python/src/coach_app_baml_client/protocols.py"), "utf8");
    assert.match(python, /^SUBPROTOCOL_PREFIX = "coach-contracts\."$/m);
    for (const [name, code] of Object.entries(root.CloseCode)) {
      assert.match(python, new RegExp(`^    ${name} = ${code}$`, "m"), `${name} = ${code} in protocols.py`);
    }
  });
});

function firstPayload(vectors, type) {
  const v = vectors.find((x) => x.mode === "producer" && x.expect.valid && x.input?.type === type);
  assert.ok(v, `no valid producer vector of ${type}`);
  return v.input.payload;
}

describe("TypeScript consumers", () => {
  const consumer = (name) => `import type { EventEnvelope, SessionStartedEvent, PayloadOf } from ${JSON.stringify(name)};
import { EventType, EVENT_TYPES, CONTRACTS_VERSION } from ${JSON.stringify(name)};
import { validateEnvelope, makeEnvelope, EnvelopeValidationError } from ${JSON.stringify(`${name}/validate`)};

export function describeEvent(e: EventEnvelope): string {
  switch (e.type) {
    case "SESSION_SCHEDULED":
      return e.payload.title + e.payload.coach.display_name; // CoachingSession only
    case "TYPING_INDICATOR":
      return String(e.payload.is_typing); // TypingIndicatorPayload only
    default:
      return e.type;
  }
}

export function firstTitle(input: string): string | undefined {
  const result = validateEnvelope(input, { mode: "consumer" });
  if (!result.ok) return result.issues.map((i) => i.path + i.code + i.message).join();
  return result.envelope.type === EventType.SESSION_SCHEDULED ? result.envelope.payload.title : undefined;
}

export const typing = makeEnvelope("TYPING_INDICATOR", { thread_id: "t", user_id: "u", is_typing: true });
export const isTyping: boolean = typing.payload.is_typing;
export const all: readonly EventType[] = EVENT_TYPES;
export const version: string = CONTRACTS_VERSION;
export const err: readonly { path: string; code: string }[] = new EnvelopeValidationError([]).issues;
export type Typing = PayloadOf<"TYPING_INDICATOR">;

// @ts-expect-error: a SESSION_STARTED payload does not have the shape of a typing indicator
export const wrong: SessionStartedEvent = { type: "SESSION_STARTED", contracts_version: "1", payload: { is_typing: true }, meta: { event_id: "e", timestamp: "t" } };

// @ts-expect-error: makeEnvelope checks the payload against the event type
makeEnvelope("TYPING_INDICATOR", { thread_id: "t" });

export function noPayloadField(e: EventEnvelope): unknown {
  // @ts-expect-error: \`title\` exists only on some payloads, so not before narrowing
  return e.payload.title;
}
`;

  const typeOnly = (name) => `import type { EventEnvelope, EventType } from ${JSON.stringify(name)};
export function kind(e: EventEnvelope): EventType | string { return e.type; }
`;

  const tsconfig = (resolution, extra = {}) =>
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        lib: ["ES2022"],
        types: [],
        skipLibCheck: false,
        noEmit: true,
        ...(resolution === "bundler"
          ? { module: "ESNext", moduleResolution: "Bundler" }
          : { module: "NodeNext", moduleResolution: "NodeNext" }),
        ...extra,
      },
    });

  test("src/native.d.ts (the #native import) matches the d.ts generated by napi", () => {
    // Its one relative import (the generated IssueCode) resolves from the installed package here.
    const declared = readFileSync(join(PKG_DIR, "src", "native.d.ts"), "utf8").replace('"./generated/issue-codes.js"', JSON.stringify(NAME));
    project.write("declared-native.d.ts", declared);
    project.write(
      "native-compat.ts",
      `import type * as Generated from "./node_modules/${NAME}/native/index.js";
import type * as Declared from "./declared-native.js";
export const toDeclared = (g: typeof Generated): typeof Declared => g;
export const toGenerated = (d: typeof Declared): typeof Generated => d;
`,
    );
    project.write("tsconfig.native.json", JSON.stringify({ ...JSON.parse(tsconfig("nodenext")), files: ["native-compat.ts"] }));
    const r = project.tsc(["-p", "tsconfig.native.json"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  for (const resolution of ["bundler", "nodenext"]) {
    test(`every entry point's declarations type-check with skipLibCheck: false (${resolution})`, (t) => {
      const file = `entry-points-${resolution}.ts`;
      project.write(
        file,
        `import * as rootApi from ${JSON.stringify(NAME)};
import * as validateApi from ${JSON.stringify(`${NAME}/validate`)};
import * as bamlApi from ${JSON.stringify(`${NAME}/baml_client`)};
export const apis = [rootApi, validateApi, bamlApi] as const;
export const checked: boolean = validateApi.isValidEnvelope("{}", { mode: "consumer" });
`,
      );
      // lib "DOM" for the fetch/Response types of @boundaryml/baml's declarations.
      const config = JSON.parse(tsconfig(resolution, { lib: ["ES2022", "DOM"] }));
      project.write(`tsconfig.entry-${resolution}.json`, JSON.stringify({ ...config, files: [file] }));
      const r = project.tsc(["-p", `tsconfig.entry-${resolution}.json`]);
      const errors = (r.stdout + r.stderr).split("\n").filter((l) => /error TS\d+/.test(l));
      // Upstream: @boundaryml/baml 0.220.0's stream.d.ts imports "../native" (it means
      // "./native"), so its own declarations fail under skipLibCheck: false. Only that is
      // tolerated; nothing may point at this package's files.
      const upstream = (l) => l.startsWith("node_modules/@boundaryml/baml/stream.d.ts") && l.includes("'../native'");
      for (const l of errors.filter(upstream)) t.diagnostic(`upstream, tolerated: ${l}`);
      assert.deepEqual(errors.filter((l) => !upstream(l)), []);
      assert.equal(r.status, errors.length === 0 ? 0 : 2, r.stdout + r.stderr);
    });

    test(`narrowing and payload checks type-check (moduleResolution ${resolution})`, () => {
      project.write(`consumer-${resolution}.ts`, consumer(NAME));
      project.write(`tsconfig.${resolution}.json`, JSON.stringify({ ...JSON.parse(tsconfig(resolution)), files: [`consumer-${resolution}.ts`] }));
      const r = project.tsc(["-p", `tsconfig.${resolution}.json`]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    test(`import type emits no runtime import (verbatimModuleSyntax, ${resolution})`, () => {
      const outDir = `out-${resolution}`;
      project.write(`types-only-${resolution}.ts`, typeOnly(NAME));
      const config = JSON.parse(tsconfig(resolution, { noEmit: false, verbatimModuleSyntax: true, outDir }));
      project.write(`tsconfig.types-${resolution}.json`, JSON.stringify({ ...config, files: [`types-only-${resolution}.ts`] }));
      const r = project.tsc(["-p", `tsconfig.types-${resolution}.json`]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const js = project.read(`${outDir}/types-only-${resolution}.js`);
      assert.doesNotMatch(js, /\bimport\b|require\(/);
      assert.doesNotMatch(js, /coach-app/);
    });
  }
});
