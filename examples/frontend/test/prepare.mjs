// Builds the example as a frontend project would get it, for the browser
// tests: a temporary copy with only the packed npm tarball installed (no
// @boundaryml/baml; esbuild and TypeScript linked from the repository's own
// installs, so nothing is fetched), type-checked with tsc and bundled with
// build.mjs, plus the test vectors (vectors.json) and the benchmark
// envelopes (bench.json) next to the page.
//
//   node examples/frontend/test/prepare.mjs OUT_DIR [ENVELOPES.json]
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../../../tools/browser/chromium.mjs";
import { serveDirectory } from "../../../tools/browser/static.mjs";
import { findTarball, loadVectors, PKG } from "../../../packages/typescript/test/support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const example = resolve(here, "..");
const repo = resolve(example, "..", "..");

/**
 * A temporary project holding only the packed npm tarball (installed offline:
 * it has no dependencies, and the BAML runtime is an optional peer), with the
 * repository's esbuild and TypeScript linked in. `dispose()` removes it.
 */
export function frontendProject() {
  const project = mkdtempSync(join(tmpdir(), "coach-frontend-"));
  const { tarball } = findTarball(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "frontend-under-test", private: true, type: "module", dependencies: { [PKG.name]: `file:${tarball}` } }));
  execFileSync("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, stdio: ["ignore", "ignore", "inherit"] });
  const modules = join(project, "node_modules");
  symlinkSync(join(repo, "tools", "browser", "node_modules", "esbuild"), join(modules, "esbuild"), "dir");
  symlinkSync(join(repo, "packages", "typescript", "node_modules", "typescript"), join(modules, "typescript"), "dir");
  return { dir: project, dispose: () => rmSync(project, { recursive: true, force: true }) };
}

/** Builds the page into `out` (type-checked, bundled, with vectors.json and bench.json); returns `out`. */
export function prepare(out, envelopes) {
  const project = frontendProject();
  try {
    for (const entry of ["src", "index.html", "favicon.svg", "build.mjs", "tsconfig.json"]) cpSync(join(example, entry), join(project.dir, entry), { recursive: true });
    const tsc = join(project.dir, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project.dir, stdio: "inherit" });
    execFileSync(process.execPath, ["build.mjs", out], { cwd: project.dir, stdio: ["ignore", "ignore", "inherit"] });
  } finally {
    project.dispose();
  }
  const vectors = loadVectors(PKG.version).map((v) => ({
    file: v.file,
    mode: v.mode,
    ...(v.target_version === undefined ? {} : { target_version: v.target_version }),
    text: "input_text" in v ? v.input_text : JSON.stringify(v.input),
  }));
  writeFileSync(join(out, "vectors.json"), JSON.stringify(vectors));
  if (envelopes) copyFileSync(envelopes, join(out, "bench.json"));
  return out;
}

/**
 * For a node:test file: before its tests, the page built (`prepare`), served on loopback and a
 * headless Chromium launched; after them, all three gone. Read `.site.url` and `.browser`
 * of what it returns inside the tests.
 */
export function servedPage(name) {
  const page = { site: undefined, browser: undefined };
  let out;
  before(async () => {
    out = prepare(mkdtempSync(join(tmpdir(), `coach-frontend-${name}-`)));
    page.site = await serveDirectory(out);
    page.browser = await launchChromium();
  });
  after(async () => {
    await page.browser?.close();
    await page.site?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });
  return page;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, envelopes] = process.argv.slice(2);
  if (!out) {
    console.error("usage: node examples/frontend/test/prepare.mjs OUT_DIR [ENVELOPES.json]");
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  prepare(resolve(out), envelopes && resolve(envelopes));
}
