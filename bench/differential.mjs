// Step 2 of the three-way differential (see bench/differential.py): adds the
// Node binding's isValidEnvelope and ajv (Ajv2020 + ajv-formats on the shipped
// schema, after JSON.parse) to every generated envelope.
//   BENCH_NODE_PROJECT=<dir with deps.mjs> node bench/differential.mjs IN.jsonl OUT.jsonl
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { validate, Ajv2020, addFormats } = await import(
  pathToFileURL(join(process.env.BENCH_NODE_PROJECT, "deps.mjs")).href
);
const [input, output] = process.argv.slice(2);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
ajv.addKeyword({ keyword: "discriminator" });
const check = ajv.compile(
  JSON.parse(readFileSync(join(REPO, "crates", "contracts-core", "schemas", "envelope.schema.json"), "utf8")),
);
const out = [];
for (const line of readFileSync(input, "utf8").split("\n")) {
  if (!line) continue;
  const row = JSON.parse(line);
  row.core_node = validate.isValidEnvelope(row.text);
  row.ajv = check(JSON.parse(row.text));
  out.push(JSON.stringify(row));
}
writeFileSync(output, `${out.join("\n")}\n`);
