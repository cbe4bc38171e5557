// Shared set-up of the package tests: find (or make) the tarball, install it
// into a fresh temporary project, and run node/tsc there. The tests only ever
// use the *installed* package, never ../lib directly.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const PKG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = resolve(PKG_DIR, "..", "..");
export const PKG = JSON.parse(readFileSync(join(PKG_DIR, "package.json"), "utf8"));
export const NAME = PKG.name;
export const VECTORS_DIR = join(REPO_DIR, "testdata", "vectors");
const TSC = join(PKG_DIR, "node_modules", "typescript", "bin", "tsc");
const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error"];

/** `npm pack` file name of this package: @scope/name@1.2.3 -> scope-name-1.2.3.tgz */
export const TARBALL_NAME = `${NAME.replace(/^@/, "").replace("/", "-")}-${PKG.version}.tgz`;

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * The tarball under test: $COACH_APP_NPM_TARBALL, else dist/<name>-<version>.tgz
 * (what `npm pack --pack-destination ../../dist` wrote), else a fresh `npm pack`
 * of the built package into `scratch`.
 */
export function findTarball(scratch) {
  const fromEnv = process.env.COACH_APP_NPM_TARBALL;
  if (fromEnv) return { tarball: resolve(fromEnv), source: "COACH_APP_NPM_TARBALL" };
  const inDist = join(REPO_DIR, "dist", TARBALL_NAME);
  if (existsSync(inDist)) return { tarball: inDist, source: "dist/" };
  const out = run("npm", ["pack", "--pack-destination", scratch, "--json", "--loglevel=error"], PKG_DIR);
  return { tarball: join(scratch, JSON.parse(out)[0].filename), source: "npm pack (no tarball in dist/)" };
}

/** The pinned BAML runtime: the package's optional peer dependency. */
export const BAML = `@boundaryml/baml@${PKG.peerDependencies["@boundaryml/baml"]}`;

/**
 * A temporary ESM project with the tarball installed; `dispose()` removes it.
 * With `baml: true` (the default) the optional peer dependency @boundaryml/baml
 * is installed too (from npm's cache, which `npm ci` of this package filled),
 * as a project that calls `./baml_client` would; `baml: false` is a frontend
 * project that only validates.
 */
export function makeProject({ baml = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "coach-app-npm-test-"));
  const { tarball, source } = findTarball(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", version: "0.0.0", private: true, type: "module" }, null, 2),
  );
  run("npm", ["install", tarball, ...(baml ? [BAML] : []), ...NPM_QUIET], dir);
  // Re-exports resolved from inside the project, so the tests go through the
  // installed package's real `exports` map with ESM resolution.
  writeFileSync(join(dir, "root.mjs"), `export * from ${JSON.stringify(NAME)};\n`);
  writeFileSync(join(dir, "validate.mjs"), `export * from ${JSON.stringify(`${NAME}/validate`)};\n`);
  writeFileSync(join(dir, "native.mjs"), `export * from ${JSON.stringify(`${NAME}/validate/native`)};\n`);
  writeFileSync(join(dir, "portable.mjs"), `export * from ${JSON.stringify(`${NAME}/validate/portable`)};\n`);
  return {
    dir,
    tarball,
    source,
    import: (file) => import(pathToFileURL(join(dir, file)).href),
    /** Runs `node args…` in the project; returns {status, stdout, stderr}. */
    node: (args) => spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" }),
    /** Runs the package's own TypeScript compiler in the project. */
    tsc: (args) => spawnSync(process.execPath, [TSC, ...args], { cwd: dir, encoding: "utf8" }),
    write: (file, text) => writeFileSync(join(dir, file), text),
    read: (file) => readFileSync(join(dir, file), "utf8"),
    dispose: () => {
      if (!process.env.KEEP_TEST_PROJECT) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The corpus's version placeholders, computed from `version`. */
export function expandPlaceholders(raw, version) {
  const [major, minor] = version.split(/[-+]/)[0].split(".").map(Number);
  return raw
    .replaceAll("{{CONTRACTS_VERSION}}", version)
    .replaceAll("{{NEXT_MINOR}}", `${major}.${minor + 1}.0`)
    .replaceAll("{{NEXT_MAJOR}}", `${major + 1}.0.0`)
    .replaceAll("{{MAJOR}}", String(major));
}

/** Every vector of testdata/vectors with its version placeholders substituted. */
export function loadVectors(version) {
  if (!existsSync(VECTORS_DIR)) return [];
  return readdirSync(VECTORS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const raw = readFileSync(join(VECTORS_DIR, file), "utf8");
      const vector = JSON.parse(raw);
      const sub = (s) => expandPlaceholders(s, version);
      if (typeof vector.input_text === "string") vector.input_text = sub(vector.input_text);
      if ("input" in vector) vector.input = JSON.parse(sub(JSON.stringify(vector.input)));
      return { file, ...vector };
    });
}

/**
 * The vectors where the portable (JavaScript) validator may differ from the core,
 * by file name (testdata/portable-differences.json): only what JSON.parse hides.
 */
export function loadPortableDifferences() {
  const doc = JSON.parse(readFileSync(join(REPO_DIR, "testdata", "portable-differences.json"), "utf8"));
  return new Map(doc.differences.map((d) => [d.vector, d]));
}

/** Sorted `path code` strings: compares issue lists as multisets of (path, code). */
export const issueKeys = (issues) => issues.map((i) => `${i.path} ${i.code}`).sort();

/** The contracts compiler (`contracts`) as `make generate` builds it. */
export const CONTRACTS = join(REPO_DIR, "target", "debug", "contracts");

function git(cwd, ...args) {
  const identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"];
  execFileSync("git", [...identity, ...args], { cwd, stdio: "pipe" });
}

const cargoToml = (version) => `[workspace]\nmembers = []\n\n[workspace.package]\nversion = "${version}"\n`;

/**
 * A throwaway git repository at `repo` with a release behind it: this
 * repository's baml_src committed and tagged `v${released}`, then a MINOR
 * change committed as `current` (TypingIndicatorPayload gains an optional
 * `device`, UserRole a first value GUEST), and `contracts gen` run, so that
 * what it writes under `repo` (validator, examples, schemas) carries the
 * history of both versions.
 */
export function makeReleasedRepo(repo, { released, current }) {
  assert.ok(existsSync(CONTRACTS), `${CONTRACTS} is missing: run \`make generate\` first`);
  const bamlSrc = join(repo, "baml_src");
  cpSync(join(REPO_DIR, "baml_src"), bamlSrc, { recursive: true });
  writeFileSync(join(repo, "Cargo.toml"), cargoToml(released));
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", released);
  git(repo, "tag", `v${released}`);
  const edit = (file, from, to) => {
    const path = join(bamlSrc, "types", file);
    const text = readFileSync(path, "utf8");
    const changed = text.replace(from, to);
    assert.notEqual(changed, text, `${from} not found in ${file}`);
    writeFileSync(path, changed);
  };
  edit("chat.baml", /class TypingIndicatorPayload \{\n/, "class TypingIndicatorPayload {\n  device string?\n");
  edit("common.baml", /enum UserRole \{\n/, "enum UserRole {\n  GUEST\n");
  writeFileSync(join(repo, "Cargo.toml"), cargoToml(current));
  git(repo, "commit", "-q", "-am", current);
  const gen = spawnSync(CONTRACTS, ["gen", "--root", repo, "--from", bamlSrc], { encoding: "utf8" });
  assert.equal(gen.status, 0, `contracts gen: ${gen.stdout}${gen.stderr}`);
}

/**
 * Compiles the copy of this package's sources at `pkg` (its `src/`, with
 * whatever generated files the test put there) as build:ts does, but only
 * `files` and what they import, into `pkg/lib`.
 */
export function compileSources(pkg, files) {
  const config = JSON.parse(readFileSync(join(PKG_DIR, "tsconfig.json"), "utf8"));
  writeFileSync(join(pkg, "tsconfig.json"), JSON.stringify({ ...config, include: undefined, files }));
  cpSync(join(PKG_DIR, "node_modules", "@types"), join(pkg, "node_modules", "@types"), { recursive: true });
  const built = spawnSync(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: pkg, encoding: "utf8" });
  assert.equal(built.status, 0, `tsc: ${built.stdout}${built.stderr}`);
}
