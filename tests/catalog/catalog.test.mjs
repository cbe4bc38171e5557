// The event catalog (`dist/catalog/`, written by `make dist`) in real headless
// Chromium (Debian's, through playwright-core: tools/browser/chromium.mjs),
// opened from disk as a user would: the index lists every event type, the
// search narrows it, an event page shows its payload fields and an example.
// Screenshots of the pages go to dist/screenshots/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium } from "../../tools/browser/chromium.mjs";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CATALOG = join(REPO, "dist", "catalog");
const SCREENSHOTS = join(REPO, "dist", "screenshots");
const IR = JSON.parse(readFileSync(join(REPO, "crates", "contracts-core", "schemas", "ir.json"), "utf8"));
const EVENT_TYPES = IR.enums.find((e) => e.name === "EventType").values.map((v) => v.name);
const classNamed = (name) => IR.classes.find((c) => c.name === name);
const payloadOf = (eventType) =>
  classNamed(IR.classes.find((c) => c.fields.some((f) => f.name === "type" && f.type.value === eventType)).name).fields.find(
    (f) => f.name === "payload",
  ).type.name;
const url = (page) => pathToFileURL(join(CATALOG, page)).href;

let context;
let page;
const consoleErrors = [];

before(async () => {
  assert.ok(existsSync(join(CATALOG, "index.html")), `no catalog in ${CATALOG}: run \`make dist\` first`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  context = await launchChromium({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // Everything the catalog needs is on disk: any other request is a bug.
  await context.route(/^(?!file:)/, (route) => {
    consoleErrors.push(`network request to ${route.request().url()}`);
    return route.abort();
  });
});
after(async () => {
  await context?.close();
});

// What the user sees (rendered, not merely flagged `hidden`).
const visibleEvents = () =>
  page.$$eval('li.entry[data-kind="event"]', (items) => items.filter((i) => i.checkVisibility()).map((i) => i.dataset.name));

test("the index lists every event type, each linking to its page", async () => {
  await page.goto(url("index.html"));
  assert.deepEqual(await visibleEvents(), EVENT_TYPES);
  const links = await page.$$eval('li.entry[data-kind="event"] a.name', (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(links, EVENT_TYPES.map((t) => `events/${t}.html`));
  assert.match(await page.textContent("#count"), new RegExp(`^\\d+ entries$`));
  await page.screenshot({ path: join(SCREENSHOTS, "catalog-index.png"), fullPage: false });
});

// The documented rule: an event matches on its type, its payload class and the
// payload's field names.
const eventsMatching = (word) =>
  EVENT_TYPES.filter((t) =>
    [t, payloadOf(t), ...classNamed(payloadOf(t)).fields.map((f) => f.name)].some((n) => n.toLowerCase().includes(word)),
  );

test("typing in the search box narrows the index to the matching names", async () => {
  await page.goto(url("index.html"));
  await page.fill("#q", "goal_created");
  assert.deepEqual(await visibleEvents(), ["GOAL_CREATED"]);
  await page.fill("#q", "goal_");
  const expected = eventsMatching("goal_");
  assert.ok(expected.length > 2 && expected.length < EVENT_TYPES.length, `${expected}`);
  assert.deepEqual(await visibleEvents(), expected);
  assert.match(await page.textContent("#count"), /match “goal_”/);
  // Sections without a match are hidden; the DTO with a goal_* field stays.
  const dtos = await page.$$eval('li.entry[data-kind="class"]', (items) => items.filter((i) => i.checkVisibility()).map((i) => i.dataset.name));
  assert.ok(dtos.includes("CoachingSession"), `CoachingSession (goal_ids) not found: ${dtos}`);
  assert.ok(!dtos.includes("ChatMessage"), "an unrelated DTO stayed visible");
  await page.screenshot({ path: join(SCREENSHOTS, "catalog-search.png") });
  await page.fill("#q", "no-such-name-anywhere");
  assert.deepEqual(await visibleEvents(), []);
  assert.equal(await page.isVisible("#nothing"), true);
  await page.fill("#q", "");
  assert.deepEqual(await visibleEvents(), EVENT_TYPES);
});

test("the search of another page opens the index pre-filtered", async () => {
  await page.goto(url("events/TYPING_INDICATOR.html"));
  await page.fill("form.jump input", "session_sch");
  await Promise.all([page.waitForURL(/index\.html\?q=session_sch/), page.press("form.jump input", "Enter")]);
  assert.deepEqual(await visibleEvents(), ["SESSION_SCHEDULED"]);
});

test("an event page shows its payload fields, its metadata and an example envelope", async () => {
  await page.goto(url("index.html"));
  await Promise.all([page.waitForURL(/events\/GOAL_CREATED\.html$/), page.click('li.entry[data-name="GOAL_CREATED"] a.name')]);
  assert.match(await page.textContent("h1"), /GOAL_CREATED/);
  const payload = classNamed(payloadOf("GOAL_CREATED"));
  const rows = await page.$$eval("#payload tr[data-field]", (trs) => trs.map((tr) => tr.dataset.field));
  assert.deepEqual(rows, payload.fields.map((f) => f.name));
  for (const field of payload.fields.filter((f) => f.description)) {
    const cell = await page.textContent(`#payload tr[data-field="${field.name}"] td:nth-child(4)`);
    assert.equal(cell, field.description);
  }
  const required = await page.textContent(`#payload tr[data-field="${payload.fields[0].name}"] td:nth-child(3)`);
  assert.equal(required, payload.fields[0].type.kind === "optional" ? "optional" : "required");
  const meta = await page.$$eval("#meta tr[data-field]", (trs) => trs.map((tr) => tr.dataset.field));
  assert.deepEqual(meta, classNamed("EventMeta").fields.map((f) => f.name));
  const example = JSON.parse(await page.textContent("#examples pre code"));
  assert.equal(example.type, "GOAL_CREATED");
  await page.screenshot({ path: join(SCREENSHOTS, "catalog-event.png"), fullPage: true });
});

test("type links lead to the DTO and enum pages", async () => {
  await page.goto(url("events/GOAL_CREATED.html"));
  await Promise.all([page.waitForURL(/types\/Goal\.html$/), page.click("#payload h2 a.type")]);
  const enumLink = await page.$("table.fields a.type[href$='GoalStatus.html']");
  assert.ok(enumLink, "Goal's status field does not link to GoalStatus");
  await Promise.all([page.waitForURL(/types\/GoalStatus\.html$/), enumLink.click()]);
  const values = await page.$$eval("tr[data-value]", (trs) => trs.map((tr) => tr.dataset.value));
  assert.deepEqual(values, IR.enums.find((e) => e.name === "GoalStatus").values.map((v) => v.name));
});

test("no page logged an error or asked the network for anything", () => {
  assert.deepEqual(consoleErrors, []);
});
