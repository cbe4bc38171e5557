// The testing kit in the browser (`testing.html?seed=…&runs=…`): the
// examples and the fast-check arbitraries of
// "@coach-app/coach-app-baml-client/testing[/arbitraries]", bundled for the
// browser like a frontend's own test bundle, run through the browser build of
// "./validate" (the generated JavaScript). Publishes `window.__testing` for
// test/testing.test.mjs, which also re-checks the published samples with the
// native core in Node.
import fc from "fast-check";
import { EVENT_TYPES, EnvelopeValidationError, type EventType } from "@coach-app/coach-app-baml-client";
import { envelopeIssues, payloadClass, VALIDATOR_BUILD, type ValidateOptions } from "@coach-app/coach-app-baml-client/validate";
import { exampleDto, exampleEnvelope, exampleVersions, type DtoName } from "@coach-app/coach-app-baml-client/testing";
import {
  dtoArb,
  envelopeArb,
  INVALID_ISSUE_CODES,
  invalidEnvelopeArb,
  type InvalidEnvelope,
} from "@coach-app/coach-app-baml-client/testing/arbitraries";

/** What the page publishes. */
interface Report {
  build: string;
  versions: string[];
  /** Property name -> runs, or the failure. */
  properties: Record<string, { runs: number; failure?: string }>;
  /** Generated values for Node to re-check with the core: `want` is the expected `path code` list. */
  samples: { envelope: unknown; mode: "producer" | "consumer"; want: string[] }[];
}

declare global {
  interface Window {
    __testing?: Report;
    __testingError?: string;
  }
}

const params = new URLSearchParams(location.search);
const seed = Number(params.get("seed") ?? 20260105);
const runs = Number(params.get("runs") ?? 200);

const keys = (input: unknown, options?: ValidateOptions): string[] =>
  envelopeIssues(input as object, options)
    .map((i) => `${i.path} ${i.code}`)
    .sort();

/** Checks the verdict on `input` as an object and as JSON text (a string is JSON text already). */
function expectKeys(input: unknown, want: string[], options?: ValidateOptions): void {
  const forms: [string, unknown][] = typeof input === "string" ? [["text", input]] : [["object", input], ["text", JSON.stringify(input)]];
  for (const [how, value] of forms) {
    const got = keys(value, options);
    if (got.join("\n") !== want.join("\n")) {
      throw new Error(`${how}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}: ${JSON.stringify(input)}`);
    }
  }
}

function run(report: Report): void {
  const property = <T>(name: string, arb: fc.Arbitrary<T>, check: (value: T) => void, numRuns = runs): void => {
    const out = fc.check(fc.property(arb, check), { seed, numRuns });
    report.properties[name] = out.failed
      ? { runs: out.numRuns, failure: `${String(out.errorInstance)} (counterexample ${JSON.stringify(out.counterexample)})` }
      : { runs: out.numRuns };
  };

  // Examples: every event type's, with and without a valid override; a bad override throws.
  property("exampleEnvelope", fc.constantFrom(...EVENT_TYPES), (type: EventType) => expectKeys(exampleEnvelope(type), []), EVENT_TYPES.length * 4);
  property("exampleEnvelope overrides", fc.uuid(), (id) => {
    const envelope = exampleEnvelope("SESSION_SUMMARY_READY", { payload: { session_id: id, content: { headline: "A good session" } } });
    expectKeys(envelope, []);
    if (envelope.payload.session_id !== id || envelope.payload.content.headline !== "A good session") throw new Error("override not merged");
    try {
      exampleEnvelope("SESSION_SUMMARY_READY", { payload: { session_id: id.toUpperCase() + "x" } });
    } catch (error) {
      if (error instanceof EnvelopeValidationError && error.issues.map((i) => `${i.path} ${i.code}`).join() === "/payload/session_id invalid_uuid") return;
      throw error;
    }
    throw new Error("a malformed UUID override did not throw");
  });
  property("exampleDto", fc.constantFrom(...EVENT_TYPES), (type) => {
    const name = payloadClass(type) as DtoName; // every payload class, placed in its event's envelope
    expectKeys({ ...exampleEnvelope(type), payload: exampleDto(name) }, []);
  }, EVENT_TYPES.length * 4);
  const goal = exampleDto("Goal", { title: "Run a 10k" });
  if (goal.title !== "Run a 10k") throw new Error("exampleDto override not merged");

  // Arbitraries: valid envelopes (both modes), DTOs as payloads, one planted issue per code.
  property("envelopeArb producer", envelopeArb(), (envelope) => expectKeys(envelope, []), runs * 3);
  property("envelopeArb consumer", envelopeArb({ mode: "consumer" }), (envelope) => expectKeys(envelope, [], { mode: "consumer" }));
  property("dtoArb SessionSummary", dtoArb("SessionSummary"), (summary) =>
    expectKeys({ ...exampleEnvelope("SESSION_SUMMARY_READY"), payload: summary }, []),
  );
  for (const code of INVALID_ISSUE_CODES) {
    property(`invalidEnvelopeArb ${code}`, invalidEnvelopeArb(code), ({ envelope, issue }: InvalidEnvelope) => {
      if (issue.code !== code) throw new Error(`asked for ${code}, got ${issue.code}`);
      // JSON.parse keeps the last of two equal keys: the one issue the portable build cannot see.
      expectKeys(envelope, code === "duplicate_key" ? [] : [`${issue.path} ${issue.code}`]);
    });
  }
  property("invalidEnvelopeArb consumer", fc.constantFrom(...INVALID_ISSUE_CODES.filter((c) => c !== "unknown_field" && c !== "duplicate_key")).chain((code) => invalidEnvelopeArb(code, { mode: "consumer" })), ({ envelope, issue }) =>
    expectKeys(envelope, [`${issue.path} ${issue.code}`], { mode: "consumer" }),
  );

  // Samples for the core, generated here (the browser's fast-check and kit, same seed).
  for (const envelope of fc.sample(envelopeArb(), { seed, numRuns: 50 })) report.samples.push({ envelope, mode: "producer", want: [] });
  for (const envelope of fc.sample(envelopeArb({ mode: "consumer" }), { seed, numRuns: 25 })) report.samples.push({ envelope, mode: "consumer", want: [] });
  for (const code of INVALID_ISSUE_CODES) {
    for (const { envelope, issue } of fc.sample(invalidEnvelopeArb(code), { seed, numRuns: 10 })) {
      report.samples.push({ envelope, mode: "producer", want: [`${issue.path} ${issue.code}`] });
    }
    if (code !== "unknown_field") {
      for (const { envelope, issue } of fc.sample(invalidEnvelopeArb(code, { mode: "consumer" }), { seed, numRuns: 5 })) {
        report.samples.push({ envelope, mode: "consumer", want: [`${issue.path} ${issue.code}`] });
      }
    }
  }
}

const report: Report = { build: VALIDATOR_BUILD, versions: exampleVersions(), properties: {}, samples: [] };
const build = document.getElementById("build");
if (build) build.textContent = VALIDATOR_BUILD;
const summary = document.getElementById("summary");
try {
  const started = performance.now();
  run(report);
  window.__testing = report;
  const failed = Object.values(report.properties).filter((p) => p.failure).length;
  if (summary) summary.textContent = `${Object.keys(report.properties).length} properties, ${failed} failed, in ${(performance.now() - started).toFixed(0)} ms`;
} catch (error) {
  window.__testingError = String(error instanceof Error ? error.stack ?? error.message : error);
  if (summary) summary.textContent = `failed: ${window.__testingError}`;
}
