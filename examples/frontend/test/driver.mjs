// Drives one headless Chromium page for a test written in another language
// (the Django example's browser test, in Python): one JSON command per line on
// stdin, one JSON reply per line on stdout.
//
//   {"op": "open", "url": "...", "cookies": [{"name", "value", "url"}]}  -> {"ok": true}
//   {"op": "wait", "expression": "JS returning truthy", "timeout": 10000} -> {"ok": true}
//   {"op": "eval", "expression": "JS"}                                   -> {"ok": true, "value": ...}
//   {"op": "screenshot", "path": "/tmp/x.png"}                           -> {"ok": true}
//   {"op": "errors"}          -> {"ok": true, "value": [page errors and console errors so far]}
//   {"op": "close"}           -> {"ok": true}, then exits
// A failure is {"ok": false, "error": "..."}; the driver keeps going.
import { createInterface } from "node:readline";
import { launchChromium } from "../../../tools/browser/chromium.mjs";

const context = await launchChromium();
const page = await context.newPage();
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  if (m.type() === "error") problems.push(`console: ${m.text()}`);
});

// Expressions become functions here, in Node: the page's Content-Security-Policy
// forbids evaluating strings in it, and must stay on to prove the validator needs no eval.
// eslint-disable-next-line no-new-func
const asFunction = (expression) => new Function(`return (${expression});`);

const ops = {
  async open({ url, cookies = [] }) {
    if (cookies.length > 0) await context.addCookies(cookies);
    await page.goto(url);
  },
  async wait({ expression, timeout = 10_000 }) {
    await page.waitForFunction(asFunction(expression), null, { timeout });
  },
  eval: ({ expression }) => page.evaluate(asFunction(expression)),
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: true });
  },
  errors: () => [...problems],
};

const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let command;
  try {
    command = JSON.parse(line);
  } catch (e) {
    reply({ ok: false, error: `not JSON: ${e.message}` });
    continue;
  }
  if (command.op === "close") break;
  const op = ops[command.op];
  if (!op) {
    reply({ ok: false, error: `unknown op ${JSON.stringify(command.op)}: use ${Object.keys(ops).join(", ")} or close` });
    continue;
  }
  try {
    const value = await op(command);
    reply(value === undefined ? { ok: true } : { ok: true, value });
  } catch (e) {
    reply({ ok: false, error: String(e?.message ?? e) });
  }
}
await context.close();
reply({ ok: true });
