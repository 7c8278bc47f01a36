// Keeps TensorBoard's Saliency tab open while a writer appends data (live.py).
// Clicks TensorBoard's reload button every second (TensorBoard then tells the
// dashboard with its DataReloaded message), and records page errors, dialogs, failed plugin requests and card errors. When
// the --spec file appears (the writer is done), checks that every card lists
// every written step and shows the latest one. Prints "RESULT ..." and exits 1 on
// any problem.
//
//   node live_page.mjs --url http://127.0.0.1:PORT --spec done.json
//
// Touches done.json.ready once the tab has loaded.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { arg, launchChromium, pluginFrame } from "../browser.mjs";
import { cardStates } from "../dashboard_page.mjs";
const url = arg("url");
const specPath = arg("spec");

const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1400, height: 2000 } })).newPage();
const problems = [];
let requests = 0;
page.on("dialog", (d) => {
  problems.push(`dialog: ${d.message()}`);
  d.dismiss().catch(() => {});
});
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  if (m.type() === "error") problems.push(`console: ${m.text()}`);
});
page.on("response", (r) => {
  if (!r.url().includes("/data/plugin/saliency/")) return;
  requests++;
  if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
});

const cardErrors = (frame) =>
  frame.evaluate(() =>
    [...document.querySelectorAll(".card-error")].filter((e) => !e.hidden).map((e) => e.textContent),
  );
// Scrolls each card into view in turn, as a user looks at them: a card loads
// (and follows a reload) while it is in view.
async function visitCards(frame) {
  const cards = frame.locator("article.card");
  for (let i = 0; i < (await cards.count()); i++) {
    await cards.nth(i).scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
  }
}

// TensorBoard's own reload button, as a user clicks it.
const reload = () => page.locator("button.reload-button").click();

let reloads = 0;
let cardsSeen = 0;
try {
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  writeFileSync(`${specPath}.ready`, "ready"); // the writer starts now
  while (!existsSync(specPath)) {
    await reload();
    reloads++;
    for (const e of await cardErrors(frame)) problems.push(`card error: ${e}`);
    await page.waitForTimeout(1000);
  }
  const spec = JSON.parse(readFileSync(specPath, "utf8"));
  const want = spec.cards;
  const deadline = Date.now() + 30000;
  let state = null;
  while (Date.now() < deadline) {
    await reload();
    reloads++;
    await page.waitForTimeout(1000);
    await visitCards(frame);
    state = Object.fromEntries(
      Object.entries(await cardStates(frame)).map(([name, c]) => [name, { steps: c.steps, shown: c.step }]),
    );
    const done = Object.entries(want).every(
      ([k, steps]) =>
        state[k] &&
        state[k].steps &&
        state[k].steps.join() === steps.join() &&
        state[k].shown === steps[steps.length - 1],
    );
    if (done) break;
  }
  cardsSeen = Object.keys(state || {}).length;
  for (const [k, steps] of Object.entries(want)) {
    const s = state && state[k];
    if (!s || !s.steps || s.steps.join() !== steps.join() || s.shown !== steps[steps.length - 1]) {
      problems.push(`card ${k}: shows ${JSON.stringify(s)}, written ${steps}`);
    }
  }
  for (const e of await cardErrors(frame)) problems.push(`card error: ${e}`);
} catch (e) {
  problems.push(`unexpected: ${e.stack || e}`);
} finally {
  await browser.close();
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(
  `RESULT page: ${reloads} reloads, ${requests} plugin requests, ${cardsSeen} cards, ${problems.length} errors`,
);
process.exit(problems.length ? 1 : 0);
