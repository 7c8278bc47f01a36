// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks that each mask's scores show beside it: per cell and per column in the
// grid, the shown image's lines and curves in the single view. Run by
// tests/test_frontend_scores.py with the scores in the spec.
//
//   node tests/e2e_scores.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot FILE]
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, launchChromium, pluginFrame } from "./browser.mjs";
import { setRange, waitForCard } from "./dashboard_page.mjs";

const url = arg("url");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const LAST = String(spec.steps.at(-1));
const [SCORED, HTML, PLAIN] = spec.masks;
let failures = 0;

function check(name, ok, detail = "") {
  if (ok) console.log(`ok   ${name}`);
  else {
    failures++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
}

const three = (x) => String(Number(x.toPrecision(3)));

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  const card = frame.locator(`article[aria-label="${NAME}"]`);
  const grid = card.locator(".grid-view");

  // ------------------------------------------------------------ the grid
  await frame.waitForFunction(
    ([name, n]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      c?.scrollIntoView();
      const g = c?.querySelector(".grid-view");
      if (!g) return false;
      g.scrollTop += 200; // the rows below load as they come into view
      return Number(g.dataset.loaded) === n;
    },
    [NAME, spec.samples],
    { timeout: 30000, polling: 100 },
  );
  const last = spec.scores[LAST];
  const cellScores = await grid.evaluate((g) =>
    [...g.querySelectorAll(".grid-body .grid-row")].map((r) =>
      [...r.querySelectorAll(".grid-score")].map((s) => (s.hidden ? null : s.textContent)),
    ),
  );
  const expectedCells = Array.from({ length: spec.samples }, (_, i) => [
    null, // the image column has no score
    ...spec.masks.map((m) =>
      last[m] ? `del ${three(last[m].deletion_auc[i])} · ins ${three(last[m].insertion_auc[i])}` : null,
    ),
  ]);
  check(
    "each grid cell shows its image's deletion and insertion AUCs; the mask without scores none",
    JSON.stringify(cellScores) === JSON.stringify(expectedCells),
    JSON.stringify(cellScores),
  );
  const heads = await grid.evaluate((g) =>
    [...g.querySelectorAll(".grid-head .grid-batch-scores")].map((s) => (s.hidden ? null : s.textContent)),
  );
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const expectedHeads = spec.masks.map((m) =>
    last[m]
      ? `mean del ${three(mean(last[m].deletion_auc))} (random 0.6) · ins ${three(mean(last[m].insertion_auc))}`
      : null,
  );
  check(
    "each column title shows the batch means",
    JSON.stringify(heads) === JSON.stringify(expectedHeads),
    JSON.stringify(heads),
  );
  const names = await grid.locator(".grid-head .grid-mask-name").allTextContents();
  check(
    "a mask name holding HTML shows as text",
    names.includes(HTML) && (await grid.locator(".grid-head b").count()) === 0,
    names.join("|"),
  );
  const shot = arg("shot");
  if (shot) await card.screenshot({ path: `${shot}-grid.png` });

  // ------------------------------------------------------------ the single view
  const lines = () => card.locator(".card-scores .score-lines li").allTextContents();
  const panelFor = async (mask) =>
    frame.waitForFunction(
      ([name, m]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        return c?.querySelector(".card-scores")?.dataset.mask === m;
      },
      [NAME, mask],
    );
  const select = card.locator('select[aria-label="Mask"]');
  await waitForCard(frame, NAME);
  await select.selectOption(SCORED);
  await panelFor(SCORED);
  const sample = async (i) => {
    await setRange(card.locator('input[aria-label="Sample"]'), i);
    await waitForCard(frame, NAME, { sample: i, mask: SCORED });
  };
  await sample(2);
  let expected = [
    `deletion AUC ${three(last[SCORED].deletion_auc[2])} · random 0.6 (lower is better)`,
    `insertion AUC ${three(last[SCORED].insertion_auc[2])} (higher is better)`,
    `${HTML} 9`,
  ];
  check(
    "the single view lists the image's scores, the HTML name as text",
    JSON.stringify(await lines()) === JSON.stringify(expected),
    JSON.stringify(await lines()),
  );
  check("score names holding HTML make no elements", (await card.locator(".card-scores b").count()) === 0);

  await card.locator(".score-curves summary").click();
  const curve = async (name) =>
    card.locator(`.curve-chart polyline[data-curve="${name}"]`).evaluate((p) =>
      p
        .getAttribute("points")
        .split(" ")
        .map((xy) => xy.split(",").map(Number)),
    );
  const points = await curve("deletion");
  const stored = last[SCORED].deletion_curve[2];
  // y = HEIGHT - value * HEIGHT over the range [0, 1] (HEIGHT 110 in view/scores.js).
  const ys = stored.map((v) => Number((110 - v * 110).toFixed(2)));
  check(
    "the deletion curve's points follow the stored curve",
    points.length === stored.length && points.every((p, j) => Math.abs(p[1] - ys[j]) < 0.02),
    JSON.stringify(points),
  );
  check(
    "its random twin is drawn dashed",
    (await card.locator('polyline[data-curve="deletion_random"]').getAttribute("stroke-dasharray")) === "3 3",
  );
  if (shot) await card.screenshot({ path: `${shot}-single.png` });

  await sample(0);
  expected = `deletion AUC ${three(last[SCORED].deletion_auc[0])} · random 0.6 (lower is better)`;
  check("another image shows its own scores", (await lines())[0] === expected, (await lines())[0]);
  await setRange(card.locator('input[aria-label="Step"]'), 0);
  await waitForCard(frame, NAME, { step: 0, sample: 0, mask: SCORED });
  await page.waitForTimeout(300);
  expected = `deletion AUC ${three(spec.scores["0"][SCORED].deletion_auc[0])} · random 0.6 (lower is better)`;
  check("another step shows its own scores", (await lines())[0] === expected, (await lines())[0]);
  check("the curves panel stays open", await card.locator(".score-curves").evaluate((d) => d.open));

  await select.selectOption(PLAIN);
  await panelFor(PLAIN);
  check("a mask without scores shows no scores panel", await card.locator(".card-scores").evaluate((e) => e.hidden));
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
