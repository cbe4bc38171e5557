// The package as a frontend gets it: installed without the optional BAML runtime,
// bundled for the browser with esbuild, validating with the portable build, and
// typed event handling (createEnvelopeHandler) at run time and in tsc.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BAML, NAME, PKG, REPO_DIR, issueKeys, loadVectors, makeProject } from "./support.mjs";

const ESBUILD = join(REPO_DIR, "tools", "browser", "node_modules", "esbuild", "bin", "esbuild");
const MAX_INSTALL_BYTES = 15 * 1024 * 1024;

let project;
let root;
let builds;

before(async () => {
  project = makeProject({ baml: false });
  root = await project.import("root.mjs");
  builds = { native: await project.import("native.mjs"), portable: await project.import("portable.mjs") };
});
after(() => project?.dispose());

function treeSize(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeSize(path) : entry.isFile() ? statSync(path).size : 0;
  }
  return total;
}

const payloadOf = (file) => loadVectors(PKG.version).find((v) => v.file === file).input.payload;

describe("a frontend install: the tarball without @boundaryml/baml", () => {
  test(`npm brings no @boundaryml/* package and node_modules stays under ${MAX_INSTALL_BYTES / 2 ** 20} MB`, (t) => {
    const modules = join(project.dir, "node_modules");
    assert.equal(existsSync(join(modules, "@boundaryml")), false, "the LLM runtime was installed");
    const lock = JSON.parse(project.read("package-lock.json"));
    const bamlPackages = Object.keys(lock.packages).filter((p) => p.includes("@boundaryml/"));
    assert.deepEqual(bamlPackages, []);
    const size = treeSize(modules);
    t.diagnostic(`node_modules: ${(size / 2 ** 20).toFixed(2)} MB in ${Object.keys(lock.packages).length - 1} packages`);
    assert.ok(size < MAX_INSTALL_BYTES, `node_modules is ${size} bytes`);
  });

  test("the root, ./validate (both builds) and `import type` work without it", () => {
    assert.equal(root.CONTRACTS_VERSION, PKG.version);
    const payload = payloadOf("valid-typing-indicator.json");
    for (const build of Object.values(builds)) {
      const envelope = build.makeEnvelope("TYPING_INDICATOR", payload);
      assert.deepEqual(build.envelopeIssues(JSON.stringify(envelope), { mode: "consumer" }), []);
    }
    project.write("types-only.ts", `import type { EventEnvelope } from ${JSON.stringify(NAME)};\nexport const kind = (e: EventEnvelope): string => e.type;\n`);
    project.write(
      "tsconfig.types-only.json",
      JSON.stringify({ compilerOptions: { strict: true, module: "ESNext", moduleResolution: "Bundler", target: "ES2022", lib: ["ES2022"], types: [], skipLibCheck: false, noEmit: true }, files: ["types-only.ts"] }),
    );
    const r = project.tsc(["-p", "tsconfig.types-only.json"]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("./baml_client fails with a message that says what to install", () => {
    const r = project.node(["--input-type=module", "-e", `await import(${JSON.stringify(`${NAME}/baml_client`)});`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`npm install ${BAML.replaceAll(".", "\\.")}`));
    assert.match(r.stderr, /optional peer dependency/);
  });
});

describe("bundled for the browser (esbuild --platform=browser)", () => {
  test("a file importing ./validate bundles to code with no Node import, no addon and no eval, and validates", (t) => {
    project.write(
      "app.ts",
      `import { validateEnvelope, VALIDATOR_BUILD } from ${JSON.stringify(`${NAME}/validate`)};
import { CONTRACTS_VERSION } from ${JSON.stringify(NAME)};
const input = (globalThis as { INPUT?: string }).INPUT ?? "{}";
const result = validateEnvelope(input, { mode: "consumer" });
(globalThis as { RESULT?: unknown }).RESULT = { build: VALIDATOR_BUILD, version: CONTRACTS_VERSION, ok: result.ok, issues: result.ok ? [] : result.issues };
`,
    );
    const r = spawnSync(process.execPath, [ESBUILD, "app.ts", "--bundle", "--platform=browser", "--format=esm", "--minify", "--outfile=app.js"], {
      cwd: project.dir,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const bundle = project.read("app.js");
    t.diagnostic(`bundle: ${bundle.length} bytes minified`);
    for (const forbidden of [/node:/, /\.node\b/, /\beval\(/, /new Function/, /@boundaryml/, /napi/i]) {
      assert.doesNotMatch(bundle, forbidden);
    }
    // Run the browser bundle where only web globals exist.
    const envelope = builds.portable.makeEnvelope("TYPING_INDICATOR", payloadOf("valid-typing-indicator.json"));
    const script = `globalThis.INPUT = ${JSON.stringify(JSON.stringify({ ...envelope, payload: { ...envelope.payload, is_typing: "yes" } }))};
delete globalThis.process; delete globalThis.Buffer; delete globalThis.require;
await import("./app.js");
console.log(JSON.stringify(globalThis.RESULT));`;
    const run = project.node(["--input-type=module", "-e", script]);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.build, "portable");
    assert.equal(result.version, PKG.version);
    assert.deepEqual(issueKeys(result.issues), ["/payload/is_typing wrong_type"]);
  });
});

describe("createEnvelopeHandler", () => {
  for (const name of ["native", "portable"]) {
    test(`dispatches by event type with the narrowed payload, skips unknown types, reports invalid frames (${name})`, async () => {
      const build = builds[name];
      const typing = build.makeEnvelope("TYPING_INDICATOR", payloadOf("valid-typing-indicator.json"));
      const goal = build.makeEnvelope("GOAL_CREATED", payloadOf("valid-goal-created.json"));
      const seen = [];
      const handler = build.createEnvelopeHandler(
        {
          TYPING_INDICATOR: (payload, envelope) => seen.push(["typing", payload.is_typing, envelope.meta.event_id]),
          SESSION_STARTED: () => seen.push(["started"]),
        },
        {
          onUnknown: (type) => seen.push(["unknown", type]),
          onInvalid: (issues) => seen.push(["invalid", issueKeys(issues).join()]),
          onUnhandled: (envelope) => seen.push(["unhandled", envelope.type]),
        },
      );
      const text = JSON.stringify(typing);
      const bytes = new TextEncoder().encode(text);
      await handler(text);
      await handler(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      await handler(bytes);
      await handler(new Blob([text]));
      await handler(new MessageEvent("message", { data: text }));
      await handler(JSON.stringify(goal));
      // A newer producer's event type: skipped; a newer MINOR's extra field: tolerated.
      await handler(JSON.stringify({ ...typing, type: "FUTURE_EVENT" }));
      await handler(JSON.stringify({ ...typing, contracts_version: `${root.CONTRACTS_VERSION.split(".")[0]}.99.0`, extra: 1 }));
      await handler(JSON.stringify({ ...typing, payload: { ...typing.payload, is_typing: "yes" } }));
      await handler("{not json");
      const typed = ["typing", typing.payload.is_typing, typing.meta.event_id];
      assert.deepEqual(seen, [
        typed,
        typed,
        typed,
        typed,
        typed,
        ["unhandled", "GOAL_CREATED"],
        ["unknown", "FUTURE_EVENT"],
        typed,
        ["invalid", "/payload/is_typing wrong_type"],
        ["invalid", " invalid_json"],
      ]);
    });

    test(`rejects loudly without hooks, and routes a throwing handler to onError (${name})`, async () => {
      const build = builds[name];
      const typing = build.makeEnvelope("TYPING_INDICATOR", payloadOf("valid-typing-indicator.json"));
      const quiet = build.createEnvelopeHandler({ TYPING_INDICATOR: () => {} });
      await assert.rejects(quiet("[]"), root.EnvelopeValidationError);
      await assert.rejects(quiet(42), /must be text, an ArrayBuffer/);
      const failing = build.createEnvelopeHandler({
        TYPING_INDICATOR: () => {
          throw new Error("render failed");
        },
      });
      await assert.rejects(failing(JSON.stringify(typing)), /render failed/);
      const errors = [];
      const caught = build.createEnvelopeHandler(
        { TYPING_INDICATOR: async () => Promise.reject(new Error("async render failed")) },
        { onError: (error, envelope) => errors.push([error.message, envelope.type]) },
      );
      await caught(JSON.stringify(typing));
      assert.deepEqual(errors, [["async render failed", "TYPING_INDICATOR"]]);
    });
  }
});

describe("createEnvelopeHandler in tsc", () => {
  const source = `import { createEnvelopeHandler, type EnvelopeHandlers } from ${JSON.stringify(`${NAME}/validate`)};
import type { ValidationIssue } from ${JSON.stringify(NAME)};

export const handle = createEnvelopeHandler(
  {
    SESSION_STARTED: (payload, envelope) => {
      const id: string = payload.session_id;
      const type: "SESSION_STARTED" = envelope.type;
      return id + type;
    },
    TYPING_INDICATOR: (payload) => {
      const typing: boolean = payload.is_typing;
      return typing;
    },
    MESSAGE_ADDED: (payload) => {
      if (payload.content.kind === "text") return payload.content.text;
      return payload.content.attachment.url;
    },
  },
  { onInvalid: (issues: readonly ValidationIssue[]) => issues.length, onUnknown: (type: string) => type },
);

declare const socket: { onmessage: ((event: MessageEvent) => unknown) | null };
socket.onmessage = handle;

// @ts-expect-error: a misspelled event type is not a key of the handler map
createEnvelopeHandler({ SESSION_STARTD: () => 1 });

createEnvelopeHandler({
  // @ts-expect-error: a TYPING_INDICATOR payload has no \`title\`
  TYPING_INDICATOR: (payload) => payload.title,
});

createEnvelopeHandler({
  // @ts-expect-error: the payload of SESSION_STARTED is not the payload of GOAL_CREATED
  SESSION_STARTED: (payload: { goal_id: string }) => payload.goal_id,
});

export const typed: EnvelopeHandlers = { GOAL_CREATED: (goal) => goal.title };
`;

  for (const resolution of ["bundler", "nodenext"]) {
    test(`narrows each payload and rejects misspelled types and wrong fields (moduleResolution ${resolution})`, () => {
      const file = `handler-${resolution}.ts`;
      project.write(file, source);
      const module = resolution === "bundler" ? { module: "ESNext", moduleResolution: "Bundler" } : { module: "NodeNext", moduleResolution: "NodeNext" };
      project.write(
        `tsconfig.handler-${resolution}.json`,
        JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], skipLibCheck: false, noEmit: true, ...module }, files: [file] }),
      );
      const r = project.tsc(["-p", `tsconfig.handler-${resolution}.json`]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }

  test("the @ts-expect-error lines are real errors: without the directives tsc reports each", () => {
    project.write("handler-unchecked.ts", source.replaceAll("// @ts-expect-error", "// (expected error)"));
    project.write(
      "tsconfig.handler-unchecked.json",
      JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], noEmit: true, module: "ESNext", moduleResolution: "Bundler" }, files: ["handler-unchecked.ts"] }),
    );
    const r = project.tsc(["-p", "tsconfig.handler-unchecked.json"]);
    const errors = (r.stdout + r.stderr).split("\n").filter((l) => /error TS\d+/.test(l));
    assert.equal(errors.length, 3, errors.join("\n"));
  });
});

test("bundlers resolve ./validate to the portable build for browsers, workers and Deno; Node gets the native one", () => {
  project.write("which.ts", `export { VALIDATOR_BUILD } from ${JSON.stringify(`${NAME}/validate`)};\n`);
  for (const [platform, conditions] of [["browser", []], ["neutral", ["worker"]], ["neutral", ["deno"]], ["neutral", []]]) {
    const args = [ESBUILD, "which.ts", "--bundle", `--platform=${platform}`, "--format=esm", "--metafile=meta.json", "--outfile=which.js", "--log-level=error"];
    if (conditions.length > 0) args.push(`--conditions=${conditions.join(",")}`);
    execFileSync(process.execPath, args, { cwd: project.dir, encoding: "utf8" });
    const inputs = Object.keys(JSON.parse(project.read("meta.json")).inputs);
    const label = `${platform} ${conditions.join(",")}`;
    assert.ok(inputs.some((f) => f.endsWith("lib/validate-portable.js")), `${label}: ${inputs.join(", ")}`);
    assert.ok(!inputs.some((f) => f.endsWith("lib/validate.js")), `${label}: the native build was bundled`);
  }
  const node = project.node(["--input-type=module", "-e", `const m = await import(${JSON.stringify(`${NAME}/validate`)}); console.log(m.VALIDATOR_BUILD);`]);
  assert.equal(node.stdout.trim(), "native", node.stderr);
});
