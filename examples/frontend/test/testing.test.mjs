// The testing kit ("./testing" and "./testing/arbitraries" with fast-check) in
// real headless Chromium: test/testing-page/testing.ts, bundled for the browser
// from the packed tarball like a frontend's own test bundle (type-checked, esbuild
// `platform: "browser"`, so "./validate" is the generated JavaScript), runs the
// examples and every arbitrary through the browser build under a strict CSP;
// every property must hold there, and the values it generated must get the same
// verdicts from the native core back in Node.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium } from "../../../tools/browser/chromium.mjs";
import { serveDirectory } from "../../../tools/browser/static.mjs";
import { PKG, issueKeys } from "../../../packages/typescript/test/support.mjs";
import { frontendProject } from "./prepare.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..", "..");
const SEED = Number(process.env.FC_SEED ?? 20260105);
const RUNS = Number(process.env.FC_RUNS ?? 200);

let project;
let site;
let browser;
let native;
let inputs;

before(async () => {
  project = frontendProject();
  // fast-check, the kit's optional peer dependency, as a frontend's devDependency (the repository's copy: offline).
  symlinkSync(join(repo, "packages", "typescript", "node_modules", "fast-check"), join(project.dir, "node_modules", "fast-check"), "dir");
  cpSync(join(here, "testing-page"), join(project.dir, "testing-page"), { recursive: true });
  writeFileSync(
    join(project.dir, "tsconfig.testing.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ES2022", "DOM"], types: [], strict: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true, isolatedModules: true },
      include: ["testing-page/*.ts"],
    }),
  );
  execFileSync(process.execPath, [join(project.dir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.testing.json"], { cwd: project.dir, stdio: "inherit" });
  const { build } = await import(pathToFileURL(join(project.dir, "node_modules", "esbuild", "lib", "main.js")).href);
  const out = join(project.dir, "out");
  mkdirSync(out);
  const result = await build({
    absWorkingDir: project.dir,
    entryPoints: [join(project.dir, "testing-page", "testing.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    metafile: true,
    outfile: join(out, "testing.js"),
    logLevel: "warning",
  });
  inputs = Object.keys(result.metafile.inputs);
  copyFileSync(join(here, "testing-page", "index.html"), join(out, "index.html"));
  copyFileSync(join(here, "..", "favicon.svg"), join(out, "favicon.svg"));
  writeFileSync(join(project.dir, "native.mjs"), `export * from ${JSON.stringify(`${PKG.name}/validate/native`)};\n`);
  native = await import(pathToFileURL(join(project.dir, "native.mjs")).href);
  site = await serveDirectory(out);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await site?.close();
  project?.dispose();
});

test("the bundle takes the portable build, the kit and fast-check, and no native code", () => {
  assert.ok(inputs.some((f) => f.endsWith("lib/validate-portable.js")), inputs.join(", "));
  assert.ok(inputs.some((f) => f.endsWith("lib/testing/arbitraries.js")));
  assert.ok(inputs.some((f) => f.includes("fast-check")));
  assert.ok(!inputs.some((f) => f.endsWith("lib/validate.js") || f.includes("/native/")), "the native build was bundled");
});

test(`examples and arbitraries hold in Chromium, and the core agrees on what the browser generated (seed ${SEED}, ${RUNS} runs)`, async (t) => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${site.url}/index.html?seed=${SEED}&runs=${RUNS}`);
  await page.waitForFunction(() => window.__testing !== undefined || window.__testingError !== undefined, null, { timeout: 180_000 });
  assert.equal(await page.evaluate(() => window.__testingError), undefined);
  const report = await page.evaluate(() => window.__testing);
  t.diagnostic(`${await page.textContent("#summary")}; ${await page.evaluate(() => navigator.userAgent)}`);
  assert.equal(report.build, "portable");
  assert.equal(report.versions[0], PKG.version);

  const failed = Object.entries(report.properties).filter(([, p]) => p.failure).map(([name, p]) => `${name}: ${p.failure}`);
  assert.deepEqual(failed, []);
  for (const name of ["exampleEnvelope", "exampleEnvelope overrides", "exampleDto", "envelopeArb producer", "envelopeArb consumer", "dtoArb SessionSummary"]) {
    assert.ok(report.properties[name]?.runs > 0, `${name} did not run`);
  }
  const codes = Object.keys(report.properties).filter((n) => n.startsWith("invalidEnvelopeArb ") && n !== "invalidEnvelopeArb consumer").map((n) => n.slice("invalidEnvelopeArb ".length));
  assert.ok(codes.length >= 14, `invalid codes run: ${codes.join(", ")}`);
  assert.ok(report.properties["invalidEnvelopeArb consumer"]?.runs > 0);

  // What the browser generated, through contracts-core (the native build reads JSON text with the core).
  const wrong = [];
  for (const { envelope, mode, want } of report.samples) {
    const text = typeof envelope === "string" ? envelope : JSON.stringify(envelope); // the text codes come as JSON text
    const got = issueKeys(native.envelopeIssues(text, { mode }));
    if (got.join("\n") !== [...want].sort().join("\n")) wrong.push(`${JSON.stringify(got)} != ${JSON.stringify(want)}: ${text}`);
  }
  assert.deepEqual(wrong, []);
  // 50 producer and 25 consumer envelopes, 10 per code in producer mode and 5 per code but unknown_field in consumer mode.
  assert.equal(report.samples.length, 75 + codes.length * 10 + (codes.length - 1) * 5);
  assert.deepEqual(problems, [], "the page logged errors (a CSP violation would show here)");
  await page.close();
});
