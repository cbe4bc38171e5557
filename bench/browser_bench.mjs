// The browser side of `make bench` (run by tools/bench.py):
//   node bench/browser_bench.mjs ENVELOPES.json
// Prints one JSON document:
// - bundle: "./validate" for the whole contract (every export) and the example
//   frontend, bundled by esbuild for the browser, minified, and gzip -9'd;
// - chromium: in headless Chromium (Debian's, through playwright-core), the
//   example page's `?check=bench`: the median time of one pass over the shared
//   vectors (text and object input) and envelopes per second on the large
//   envelope (validateEnvelope of the JSON text, and of the parsed object).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { launchChromium } from "../tools/browser/chromium.mjs";
import { serveDirectory } from "../tools/browser/static.mjs";
import { frontendProject, prepare } from "../examples/frontend/test/prepare.mjs";
import { PKG } from "../packages/typescript/test/support.mjs";

const [envelopes] = process.argv.slice(2);
if (!envelopes) {
  console.error("usage: node bench/browser_bench.mjs ENVELOPES.json");
  process.exit(2);
}

function sizes(file) {
  const code = readFileSync(file);
  return { minified_bytes: code.length, gzip_bytes: gzipSync(code, { level: 9 }).length };
}

const project = frontendProject();
let validateBundle;
try {
  writeFileSync(join(project.dir, "entry.js"), `export * from "${PKG.name}/validate";\n`);
  const esbuild = join(project.dir, "node_modules", "esbuild", "bin", "esbuild");
  execFileSync(process.execPath, [esbuild, "entry.js", "--bundle", "--platform=browser", "--format=esm", "--minify", "--outfile=validate.js", "--log-level=error"], { cwd: project.dir });
  validateBundle = sizes(join(project.dir, "validate.js"));
} finally {
  project.dispose();
}

const out = prepare(mkdtempSync(join(tmpdir(), "coach-browser-bench-")), resolve(envelopes));
const site = await serveDirectory(out);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${site.url}/index.html?check=bench`);
  await page.waitForFunction(() => window.__bench !== undefined || window.__checkError !== undefined, null, { timeout: 120_000 });
  const error = await page.evaluate(() => window.__checkError);
  if (error) throw new Error(error);
  const chromium = await page.evaluate(() => ({ ...window.__bench, user_agent: navigator.userAgent }));
  process.stdout.write(`${JSON.stringify({ bundle: { validate: validateBundle, example_app: sizes(join(out, "app.js")) }, chromium }, null, 1)}\n`);
} finally {
  await browser.close();
  await site.close();
  rmSync(out, { recursive: true, force: true });
}
