// The example page in real headless Chromium (Debian's chromium through
// playwright-core): it runs every shared test vector through the portable
// validator in the browser (`?check=vectors`), and every verdict must be the
// corpus's, or the JSON.parse difference testdata/portable-differences.json lists.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PKG, issueKeys, loadPortableDifferences, loadVectors } from "../../../packages/typescript/test/support.mjs";
import { servedPage } from "./prepare.mjs";

const served = servedPage("dist");
const problems = [];

test("every shared vector gets the core's verdict in Chromium, as text and as a parsed object", async (t) => {
  const page = await served.browser.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${served.site.url}/index.html?check=vectors`);
  await page.waitForFunction(() => window.__verdicts !== undefined || window.__checkError !== undefined, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__checkError), undefined);
  const verdicts = await page.evaluate(() => window.__verdicts);
  const summary = await page.textContent("#check-summary");
  t.diagnostic(`${summary}; ${await page.evaluate(() => navigator.userAgent)}`);
  assert.equal(await page.textContent("#build"), "portable");

  const vectors = loadVectors(PKG.version);
  const differences = loadPortableDifferences();
  assert.equal(Object.keys(verdicts).length, vectors.length);
  const wrong = [];
  for (const v of vectors) {
    const want = issueKeys((differences.get(v.file)?.portable ?? v.expect).issues);
    const got = verdicts[v.file];
    const asKeys = (pairs) => pairs.map(([path, code]) => `${path} ${code}`).sort();
    if (asKeys(got.text).join() !== want.join()) wrong.push(`${v.file} (text): ${asKeys(got.text)} != ${want}`);
    if (got.object && asKeys(got.object).join() !== want.join()) wrong.push(`${v.file} (object): ${asKeys(got.object)} != ${want}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(Object.values(verdicts).filter((v) => v.object).length > vectors.length / 2, "too few vectors ran as objects");
  assert.deepEqual(problems, [], "the page logged errors (a CSP violation would show here)");
  await page.close();
});
