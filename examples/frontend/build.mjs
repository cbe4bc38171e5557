#!/usr/bin/env node
// Bundles the example for the browser: src/app.ts -> dist/app.js (ESM,
// minified, with source map) and dist/index.html. `npm run build`.
// esbuild picks the `browser` export condition, so
// "@coach-app/coach-app-baml-client/validate" is the portable (JavaScript) build.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? join(here, "dist");
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(here, "src", "app.ts")],
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  metafile: true,
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
for (const file of ["index.html", "favicon.svg"]) copyFileSync(join(here, file), join(out, file));
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`built ${out}: app.js ${bytes} bytes`);
