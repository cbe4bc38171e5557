// The AsyncAPI document `contracts gen` writes (schemas/asyncapi.json, the copy
// the npm package ships) checked with the official @asyncapi/parser, and its
// examples checked against its own schemas with ajv.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Parser, fromFile } from "@asyncapi/parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DOCUMENT = join(REPO, "packages", "typescript", "schemas", "asyncapi.json");
const IR = JSON.parse(readFileSync(join(REPO, "packages", "typescript", "schemas", "ir.json"), "utf8"));
const EVENT_TYPES = IR.enums.find((e) => e.name === "EventType").values.map((v) => v.name);
const VERSION = /\[workspace\.package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(readFileSync(join(REPO, "Cargo.toml"), "utf8"))[1];
const raw = JSON.parse(readFileSync(DOCUMENT, "utf8"));

// Spectral severities: 0 error, 1 warning, 2 information, 3 hint.
const SEVERITY = ["error", "warning", "information", "hint"];
// Diagnostics below warning level that are expected, with the reason.
const EXPLAINED = {
  // The issue asks for AsyncAPI 3.0, which more tools read than 3.1 (a minor
  // revision with nothing this document needs).
  "asyncapi-latest-version": "the document is 3.0.0 on purpose",
};

const parsed = await fromFile(new Parser(), DOCUMENT).parse();

test("the official parser reports no error and no warning", () => {
  const lines = parsed.diagnostics.map((d) => `${SEVERITY[d.severity]} ${d.code} at /${d.path.join("/")}: ${d.message}`);
  const serious = parsed.diagnostics.filter((d) => d.severity <= 1);
  assert.deepEqual(serious, [], lines.join("\n"));
  const unexplained = parsed.diagnostics.filter((d) => !(d.code in EXPLAINED));
  assert.deepEqual(unexplained, [], lines.join("\n"));
  assert.ok(parsed.document, "the parser returned no document");
});

test("it is AsyncAPI 3.0.0 at the contracts version", () => {
  assert.equal(parsed.document.version(), "3.0.0");
  assert.equal(parsed.document.info().version(), VERSION);
});

test("it names every event type: one message each, on the channel and the send operation", () => {
  const names = (list) => list.all().map((m) => m.name()).sort();
  const expected = [...EVENT_TYPES].sort();
  assert.deepEqual(names(parsed.document.messages()), expected);
  const channel = parsed.document.channels().get("events");
  assert.ok(channel, "no `events` channel");
  assert.deepEqual(names(channel.messages()), expected);
  const operation = parsed.document.operations().get("sendEvents");
  assert.equal(operation.action(), "send");
  assert.deepEqual(names(operation.messages()), expected);
});

test("each message's payload is its envelope: `type` is the event type, with EventMeta in `meta`", () => {
  for (const message of parsed.document.messages().all()) {
    const payload = message.payload().json();
    assert.equal(payload.properties.type.const, message.name(), message.name());
    assert.deepEqual(payload.required, ["type", "contracts_version", "payload", "meta"]);
    assert.equal(payload.properties.meta.title, "EventMeta");
    assert.equal(message.correlationId()?.location(), "$message.payload#/meta/correlation_id");
    assert.ok(message.summary(), `${message.name()} has no summary (the EventType @description)`);
  }
});

test("every message has an example envelope from the vector corpus, valid against its payload schema", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: { schemas: raw.components.schemas } }, "asyncapi");
  for (const [name, message] of Object.entries(raw.components.messages)) {
    assert.ok(message.examples?.length > 0, `${name} has no example`);
    const validate = ajv.compile({ $ref: `asyncapi${message.payload.$ref}` });
    for (const example of message.examples) {
      assert.match(example.name, /^valid-/, `${name}: ${example.name} is not a valid- vector`);
      assert.equal(example.payload.type, name);
      assert.equal(example.payload.contracts_version, VERSION);
      assert.ok(validate(example.payload), `${name} ${example.name}: ${ajv.errorsText(validate.errors)}`);
    }
  }
});

test("the examples' schemas would catch a broken example (the check can fail)", () => {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  ajv.addSchema({ components: { schemas: raw.components.schemas } }, "asyncapi");
  const [name, message] = Object.entries(raw.components.messages)[0];
  const validate = ajv.compile({ $ref: `asyncapi${message.payload.$ref}` });
  const broken = structuredClone(message.examples[0].payload);
  broken.meta.event_id = "not-a-uuid";
  assert.equal(validate(broken), false, `${name}: an invalid event_id passed`);
});
