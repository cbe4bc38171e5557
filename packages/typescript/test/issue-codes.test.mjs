// IssueCode / ISSUE_CODES: the union `contracts gen` writes from contracts-core's
// enum. Every code the shared vectors expect is one of them, and a consumer's
// exhaustive switch over them type-checks while a misspelt code does not.
// Runs against the installed tarball.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { NAME, PKG, loadVectors, makeProject } from "./support.mjs";

let project;
let root;

before(async () => {
  project = makeProject();
  root = await project.import("root.mjs");
});
after(() => project?.dispose());

test("ISSUE_CODES lists every code the vectors expect, once", () => {
  const codes = new Set(root.ISSUE_CODES);
  assert.equal(codes.size, root.ISSUE_CODES.length);
  assert.ok(Object.isFrozen(root.ISSUE_CODES));
  const seen = new Set(loadVectors(PKG.version).flatMap((v) => v.expect.issues.map((i) => i.code)));
  assert.ok(seen.size > 10, "the corpus exercises most codes");
  assert.deepEqual([...seen].filter((c) => !codes.has(c)), []);
});

test("ValidationIssue.code is an IssueCode: exhaustive switches type-check, misspelt codes do not", () => {
  const source = (extra) => `import type { IssueCode, ValidationIssue } from ${JSON.stringify(NAME)};
import { ISSUE_CODES } from ${JSON.stringify(NAME)};
export function retry(issue: ValidationIssue): boolean {
  const code: IssueCode = issue.code;
  switch (code) {
    case "too_large": case "too_deep": return false;
    case "invalid_json": case "not_an_object": case "missing_field": case "unknown_field": case "wrong_type":
    case "invalid_enum_value": case "invalid_literal": case "unknown_event_type": case "invalid_timestamp":
    case "invalid_date": case "invalid_uuid": case "unsupported_version": case "duplicate_key":
      return ISSUE_CODES.includes(code);
    default: { const never: never = code; return never; }
  }
}
${extra}
`;
  const check = (name, extra) => {
    project.write(`${name}.ts`, source(extra));
    project.write(
      `tsconfig.${name}.json`,
      JSON.stringify({
        compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022"], types: [], noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", skipLibCheck: true },
        files: [`${name}.ts`],
      }),
    );
    return project.tsc(["-p", `tsconfig.${name}.json`]);
  };
  const ok = check("issue-codes-ok", "");
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const misspelt = check("issue-codes-misspelt", `export const bad: IssueCode = "missing_feild";`);
  assert.notEqual(misspelt.status, 0);
  assert.match(misspelt.stdout + misspelt.stderr, /missing_feild/);
});
