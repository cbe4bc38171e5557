// The argument policy of maxIssues / maxDepth / maxBytes: decided in
// contracts-core (ValidateOptions::set_limit), applied by the native addon and
// mirrored by the portable build, with the messages of
// testdata/options/limits.json, which contracts-core and pytest read too
// (Python names the options max_issues, JavaScript maxIssues; the messages are
// otherwise word for word the same). Runs against the installed tarball.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_DIR, makeProject } from "./support.mjs";

const LIMITS = JSON.parse(readFileSync(join(REPO_DIR, "testdata", "options", "limits.json"), "utf8"));

/** `max_issues` -> `maxIssues`. */
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

let project;
let builds;

before(async () => {
  project = makeProject();
  builds = { native: await project.import("native.mjs"), portable: await project.import("portable.mjs") };
});
after(() => project?.dispose());

describe("bad limits fail with the core's message in both builds", () => {
  for (const { option, value, message } of LIMITS.refused) {
    const name = camel(option);
    const expected = message.replace(option, name);
    test(`${name}: ${value}`, () => {
      for (const [build, api] of Object.entries(builds)) {
        for (const call of [() => api.envelopeIssues("{}", { [name]: value }), () => api.isValidEnvelope("{}", { [name]: value })]) {
          assert.throws(call, (e) => e instanceof Error && e.message === expected, `${build}: ${expected}`);
        }
      }
    });
  }
});

describe("limits within bounds are accepted by both builds", () => {
  for (const { option, value } of LIMITS.accepted) {
    const name = camel(option);
    test(`${name}: ${value}`, () => {
      for (const api of Object.values(builds)) {
        assert.ok(Array.isArray(api.envelopeIssues("{}", { [name]: value })));
      }
    });
  }
});

test("a fraction is refused the same way by both builds", () => {
  for (const api of Object.values(builds)) {
    assert.throws(() => api.envelopeIssues("{}", { maxIssues: 1.5 }), { message: "maxIssues must be a whole number, got 1.5" });
  }
});
