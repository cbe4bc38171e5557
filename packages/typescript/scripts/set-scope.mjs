#!/usr/bin/env node
// The npm scope is ONE setting: the scope of the `name` field in package.json.
// Everything else (the napi loader, the constants, the tests) reads it from
// there. This rewrites it, in package.json and package-lock.json:
//
//   npm run set-scope -- @my-org        -> @my-org/coach-app-baml-client
//
// Then rebuild (`npm run build`) so the generated loader picks it up.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const scope = process.argv[2];
if (!scope || !/^@[a-z0-9][a-z0-9._~-]*$/.test(scope)) {
  console.error("usage: npm run set-scope -- @scope   (lowercase npm scope, with the @)");
  process.exit(2);
}
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkgPath = join(pkgDir, "package.json");
const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
const bare = pkg.name.replace(/^@[^/]+\//, "");
const name = `${scope}/${bare}`;
const rename = (path, edit) => {
  if (!existsSync(path)) return;
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
};
rename(pkgPath, (j) => {
  j.name = name;
});
rename(join(pkgDir, "package-lock.json"), (j) => {
  j.name = name;
  if (j.packages?.[""]) j.packages[""].name = name;
});
console.log(`set-scope: ${pkg.name} -> ${name}`);
