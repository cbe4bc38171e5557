// The CloudEvents binding of the npm package (`./cloudevents`, installed from
// the tarball into a fresh project) against the official JavaScript SDK
// (`cloudevents` on npm): the SDK parses what we write, events the SDK builds
// convert back, and the shared cases of testdata/cloudevents/ give the same
// (path, code) pairs as in Rust and Python.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CloudEvent, HTTP } from "cloudevents";
import { NAME, REPO_DIR, loadVectors, makeProject } from "../../packages/typescript/test/support.mjs";

const SOURCE = "/coach-app/backend";
const OPTIONAL_META = ["correlation_id", "actor_id", "request_id"];
let project;
let ce;
let version;

before(async () => {
  project = makeProject();
  project.write("cloudevents.mjs", `export * from ${JSON.stringify(`${NAME}/cloudevents`)};\n`);
  ce = await project.import("cloudevents.mjs");
  version = (await project.import("root.mjs")).CONTRACTS_VERSION;
});
after(() => project?.dispose());

/** The valid producer envelopes of the vector corpus. */
function validEnvelopes() {
  return loadVectors(version)
    .filter((v) => v.mode === "producer" && v.expect.valid && v.target_version === undefined && v.input)
    .map((v) => ({ name: v.file, envelope: v.input }));
}

// JavaScript's Date has no leap second: the SDK's toJSON() throws on `…T23:59:60Z`,
// which the contract allows (our own round trip keeps it).
const forSdk = (list) => list.filter(({ envelope }) => !envelope.meta.timestamp.includes(":60"));
// What a CloudEvent carries back: no null meta field, and no meta.position (a position
// belongs to one delivery stream, not to the event).
const withoutNullMeta = (e) => ({
  ...e,
  meta: Object.fromEntries(Object.entries(e.meta).filter(([k, v]) => v !== null && k !== "position")),
});
const instant = (s) => new Date(s).getTime();

describe("our events", () => {
  test("every valid envelope of the corpus round-trips exactly", () => {
    const list = validEnvelopes();
    assert.ok(list.length >= 18, "a valid vector per event type");
    for (const { name, envelope } of list) {
      const made = ce.toCloudEvent(envelope, { source: SOURCE });
      assert.ok(made.ok, `${name}: ${JSON.stringify(made.issues)}`);
      assert.equal(made.event.type, `${ce.CLOUDEVENT_TYPE_PREFIX}${envelope.type}`);
      assert.equal(made.event.id, envelope.meta.event_id);
      assert.equal(made.event.time, envelope.meta.timestamp);
      assert.equal(made.event.contractsversion, version);
      assert.equal(made.event.dataschema, `urn:coach-app:contracts:${version}:events:${envelope.type}`);
      const back = ce.fromCloudEvent(made.event, { mode: "producer" });
      assert.ok(back.ok, `${name}: ${JSON.stringify(back.issues)}`);
      assert.deepEqual(back.envelope, withoutNullMeta(envelope), name);
    }
  });

  test("the SDK parses what we write (HTTP structured mode)", () => {
    for (const { name, envelope } of forSdk(validEnvelopes())) {
      const body = ce.toCloudEventJson(envelope, { source: SOURCE });
      const event = HTTP.toEvent({ headers: { "content-type": ce.CLOUDEVENT_STRUCTURED_CONTENT_TYPE }, body });
      assert.ok(event instanceof CloudEvent, name);
      assert.equal(event.specversion, "1.0");
      assert.equal(event.id, envelope.meta.event_id);
      assert.equal(event.source, SOURCE);
      assert.equal(event.type, `com.coach-app.${envelope.type}`);
      assert.equal(instant(event.time), instant(envelope.meta.timestamp), name);
      assert.deepEqual(event.data, envelope.payload, name);
      assert.equal(event.contractsversion, version);
      for (const field of OPTIONAL_META) {
        assert.equal(event[field.replaceAll("_", "")], envelope.meta[field] ?? undefined, `${name} ${field}`);
      }
      assert.ok(event.validate(), name);
    }
  });

  test("an invalid envelope is an error value; a bad source throws", () => {
    const made = ce.toCloudEvent({ type: "GOAL_CREATED" }, { source: SOURCE });
    assert.equal(made.ok, false);
    assert.ok(made.issues.some((i) => i.path === "/payload" && i.code === "missing_field"));
    assert.throws(() => ce.toCloudEventOrThrow({ type: "GOAL_CREATED" }, { source: SOURCE }), ce.EnvelopeValidationError);
    const [first] = validEnvelopes();
    assert.throws(() => ce.toCloudEvent(first.envelope, { source: "not a uri" }), /URI-reference/);
  });
});

describe("events the SDK builds", () => {
  /** What a producer using the SDK directly builds for `envelope`. */
  function sdkEvent(envelope) {
    const extensions = Object.fromEntries(
      OPTIONAL_META.filter((f) => envelope.meta[f] != null).map((f) => [f.replaceAll("_", ""), envelope.meta[f]]),
    );
    return new CloudEvent({
      type: `com.coach-app.${envelope.type}`,
      source: "https://coach-app.example/jobs",
      id: envelope.meta.event_id,
      time: envelope.meta.timestamp,
      datacontenttype: "application/json",
      subject: "an attribute the envelope has no place for",
      contractsversion: envelope.contracts_version,
      ...extensions,
      data: envelope.payload,
    });
  }

  for (const [mode, encode] of [
    ["structured", (event) => HTTP.structured(event)],
    ["binary, decoded by the SDK", (event) => ({ body: JSON.stringify(HTTP.toEvent(HTTP.binary(event))) })],
  ]) {
    test(`convert back to validated envelopes (${mode})`, () => {
      for (const { name, envelope } of forSdk(validEnvelopes())) {
        const { body } = encode(sdkEvent(envelope));
        const back = ce.fromCloudEvent(body, { mode: "producer" });
        assert.ok(back.ok, `${name}: ${JSON.stringify(back.issues)}`);
        assert.equal(back.envelope.type, envelope.type);
        assert.deepEqual(back.envelope.payload, envelope.payload, name);
        assert.equal(back.envelope.meta.event_id, envelope.meta.event_id);
        // The SDK re-serialises `time` as toISOString(): the same instant, spelled in UTC.
        assert.equal(instant(back.envelope.meta.timestamp), instant(envelope.meta.timestamp), name);
        for (const field of OPTIONAL_META) assert.equal(back.envelope.meta[field], envelope.meta[field] ?? undefined);
      }
    });
  }
});

describe("shared cases (testdata/cloudevents)", () => {
  const dir = join(REPO_DIR, "testdata", "cloudevents");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  test("the corpus is present", () => assert.ok(files.length >= 10, `${dir} holds ${files.length} cases`));
  for (const file of files) {
    test(file, () => {
      const major = Number(version.split(".")[0]);
      const text = readFileSync(join(dir, file), "utf8")
        .replaceAll("{{CONTRACTS_VERSION}}", version)
        .replaceAll("{{NEXT_MAJOR}}", `${major + 1}.0.0`);
      const spec = JSON.parse(text);
      const input = "event_text" in spec ? spec.event_text : JSON.stringify(spec.event);
      const result = ce.fromCloudEvent(input, { mode: spec.mode });
      const pairs = (list) => list.map((i) => `${i.path} ${i.code}`).sort();
      assert.deepEqual(result.ok ? [] : pairs(result.issues), pairs(spec.expect.issues));
      assert.equal(result.ok, spec.expect.valid);
      if (result.ok && spec.expect.envelope) assert.deepEqual(result.envelope, spec.expect.envelope);
    });
  }
});
