// `targetVersion` in the portable build: the generated validator carries a
// registry per released version (the schema history), as the core does. A
// throwaway git repository tags this baml_src as v0.1.0 (whatever the current
// version), then makes a MINOR change (a new optional payload field, a new
// enum value) and bumps; `contracts gen` there writes a validator.ts with both
// registries, which is compiled next to this package's sources and exercised.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { PKG_DIR, compileSources, issueKeys, loadVectors, makeReleasedRepo, PKG } from "./support.mjs";

const OLD = "0.1.0";
const NEW = "0.2.0";

let dir;
let portable;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "coach-portable-history-"));
  const repo = join(dir, "repo");
  // A MINOR change: TypingIndicatorPayload gains an optional field, UserRole a value.
  makeReleasedRepo(repo, { released: OLD, current: NEW });

  // This package's sources with that validator, built as the package builds them.
  const pkg = join(dir, "pkg");
  cpSync(join(PKG_DIR, "src"), join(pkg, "src"), { recursive: true });
  cpSync(join(repo, "packages", "typescript", "src", "generated", "validator.ts"), join(pkg, "src", "generated", "validator.ts"));
  writeFileSync(join(pkg, "src", "generated", "constants.ts"), `export const CONTRACTS_VERSION = "${NEW}";\nexport const PACKAGE_NAME = "history-test";\n`);
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ type: "module" }));
  // The portable entry and what it imports (not the native build, whose addon is not here).
  compileSources(pkg, ["src/validate-portable.ts"]);
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

async function load() {
  portable ??= await import(pathToFileURL(join(dir, "pkg", "lib", "validate-portable.js")).href);
  return portable;
}

function typing(version, payload = {}) {
  const base = loadVectors(PKG.version).find((v) => v.file === "valid-typing-indicator.json").input;
  return { ...base, contracts_version: version, payload: { ...base.payload, ...payload } };
}

test("the generated validator holds a registry per released version", () => {
  const source = readFileSync(join(dir, "repo", "packages", "typescript", "src", "generated", "validator.ts"), "utf8");
  assert.match(source, /export const REGISTRY_v0_1_0: rt\.Registry/);
  assert.match(source, /export const HISTORY: readonly rt\.Registry\[\] = \[REGISTRY_v0_1_0\];/);
});

test("targetVersion validates against that release's contracts, producer mode only", async () => {
  const { envelopeIssues } = await load();
  assert.deepEqual(envelopeIssues(typing(NEW, { device: "web" })), []);
  assert.deepEqual(envelopeIssues(typing(OLD), { targetVersion: OLD }), []);
  // The field is new since the release: unknown to a client of it.
  assert.deepEqual(issueKeys(envelopeIssues(typing(OLD, { device: "web" }), { targetVersion: OLD })), ["/payload/device unknown_field"]);
  // The envelope must carry the targeted version.
  assert.deepEqual(issueKeys(envelopeIssues(typing(NEW), { targetVersion: OLD })), ["/contracts_version unsupported_version"]);
  // Consumer mode ignores targetVersion and tolerates the newer field.
  assert.deepEqual(envelopeIssues(typing(OLD, { device: "web" }), { mode: "consumer", targetVersion: OLD }), []);
});

test("a new enum value is invalid for the release that did not have it", async () => {
  const { envelopeIssues } = await load();
  const message = loadVectors(PKG.version).find((v) => v.file === "valid-message-added-text.json").input;
  const guest = { ...message, payload: { ...message.payload, author: { ...message.payload.author, role: "GUEST" } } };
  assert.deepEqual(envelopeIssues({ ...guest, contracts_version: NEW }), []);
  assert.deepEqual(issueKeys(envelopeIssues({ ...guest, contracts_version: OLD }, { targetVersion: OLD })), ["/payload/author/role invalid_enum_value"]);
});

test("an unknown targetVersion is one issue naming the known versions", async () => {
  const { envelopeIssues } = await load();
  const issues = envelopeIssues(typing("0.0.9"), { targetVersion: "0.0.9" });
  assert.deepEqual(issueKeys(issues), ["/contracts_version unsupported_version"]);
  assert.match(issues[0].message, /known versions: 0\.2\.0, 0\.1\.0/);
});
