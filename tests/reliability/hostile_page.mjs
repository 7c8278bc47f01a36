// Hostile names (hostile.py): every card's run, tag, label and mask name must show
// as text; nothing from the data may run or load. Records every request.
//
//   node hostile_page.mjs --url http://127.0.0.1:PORT --spec cards.json

import { readFileSync } from "node:fs";
import { arg, launchChromium, pluginFrame } from "../browser.mjs";
import { cardStates, waitForCard } from "../dashboard_page.mjs";
const url = arg("url");
const origin = new URL(url).origin;
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
const problems = [];
const requests = [];
const fail = (m) => problems.push(m);
page.on("dialog", (d) => {
  fail(`dialog opened: ${d.message()}`);
  d.dismiss().catch(() => {});
});
page.on("pageerror", (e) => fail(`page error: ${e.message}`));
context.on("request", (r) => {
  requests.push(r.url());
  const u = r.url();
  if (!(u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:")))
    fail(`request to an unexpected URL: ${u}`);
});

let checked = 0;
try {
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  await frame
    .waitForFunction((n) => document.querySelectorAll("article.card").length >= n, spec.cards.length, {
      timeout: 30000,
    })
    .catch(() => fail("fewer cards than expected"));
  for (const want of spec.cards) {
    // A card is the article named "run / tag"; once painted it carries data-step.
    const name = `${want.run} / ${want.tag}`;
    const loaded = await waitForCard(frame, name).then(
      () => true,
      () => false,
    );
    const labelled = loaded && (await cardStates(frame))[name]?.label;
    if (!labelled) {
      fail(`card ${JSON.stringify(want.tag).slice(0, 80)} did not load`);
      continue;
    }
    const seen = await frame.evaluate((name) => {
      const root = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const q = (s) => root.querySelector(s);
      return {
        run: q(".card-run") && q(".card-run").textContent,
        tag: q(".card-tag") && q(".card-tag").textContent,
        label: q(".card-label") && q(".card-label").textContent,
        masks: [...root.querySelectorAll("select option")].map((o) => o.textContent),
        error: q(".card-error") && !q(".card-error").hidden ? q(".card-error").textContent : null,
      };
    }, name);
    const short = JSON.stringify(want.tag).slice(0, 60);
    if (seen.run !== want.run) fail(`run of ${short} shows ${JSON.stringify(seen.run).slice(0, 80)}`);
    if (seen.tag !== want.tag) fail(`tag ${short} shows ${JSON.stringify(seen.tag).slice(0, 80)}`);
    if (seen.label !== want.label) fail(`label of ${short} shows ${JSON.stringify(seen.label).slice(0, 80)}`);
    if (!seen.masks.includes(want.mask))
      fail(`mask name of ${short} not among ${JSON.stringify(seen.masks).slice(0, 120)}`);
    if (seen.error) fail(`card ${short} shows an error: ${seen.error}`);
    checked++;
  }
  // Open the per-card details, hover and toggle side by side, where more text shows.
  await frame
    .getByRole("region", { name: "Settings" })
    .getByLabel("Side by side", { exact: true })
    .check()
    .catch(() => {});
  await page.waitForTimeout(1500);
  const injected = await frame.evaluate(() => ({
    pwned: window.__pwned || null,
    imgX: document.querySelectorAll('img[src="x"]').length,
    scripts: [...document.querySelectorAll("script")].filter(
      (s) => /pwned|alert/.test(s.textContent) || (s.src && !s.src.startsWith(location.origin)),
    ).length,
    iframes: document.querySelectorAll("iframe").length,
    svg: document.querySelectorAll("svg[onload]").length,
  }));
  const top = await page.evaluate(() => window.__pwned || null);
  if (injected.pwned || top) fail(`window.__pwned set: ${injected.pwned || top}`);
  if (injected.imgX || injected.scripts || injected.iframes || injected.svg)
    fail(`injected elements: ${JSON.stringify(injected)}`);
} catch (e) {
  fail(`unexpected: ${e.stack || e}`);
} finally {
  await browser.close();
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(
  `RESULT ${checked}/${spec.cards.length} cards shown as text, ${requests.length} requests all same-origin, 0 dialogs: ${problems.length ? "NO" : "yes"}`,
);
process.exit(problems.length ? 1 : 0);
