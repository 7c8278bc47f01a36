// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks that each mask's scores show beside it: per cell and per column in the
// grid, the shown image's lines and curves in the single view, each mask's
// AUCs side by side. Run by tests/test_frontend_scores.py with the scores in
// the spec.
//
//   node tests/e2e_scores.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// --shot writes PREFIX-grid.png and PREFIX-single.png (the card in each view).
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { setRange, waitForCard } from "./dashboard_page.mjs";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const LAST = String(spec.steps.at(-1));
const [SCORED, HTML, PLAIN] = spec.masks;
const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
const { check, failures } = checker();

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
/** A number as the page writes it: 3 significant digits. */
const three = (x) => String(Number(x.toPrecision(3)));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The names of a mask's scores (per image lists) that belong to no curve kind and are numbers. */
const others = (s) =>
  Object.keys(s).filter((n) => !/^(deletion|insertion)_(random_)?(auc|curve)$/.test(n) && typeof s[n][0] === "number");

/** What the page should list for `scores` (one mask, one image). */
function expectedLines(s, i) {
  const lines = [];
  for (const [kind, better] of [
    ["deletion", "lower"],
    ["insertion", "higher"],
  ]) {
    const random = s[`${kind}_random_auc`] ? ` · random ${three(s[`${kind}_random_auc`][i])}` : "";
    lines.push(`${kind} AUC ${three(s[`${kind}_auc`][i])}${random} (${better} is better)`);
  }
  for (const name of others(s)) lines.push(`${name} ${three(s[name][i])}`);
  return lines;
}

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
      [...r.querySelectorAll(".grid-cell")].map((c) => {
        const s = c.querySelector(".grid-score");
        return s && !s.hidden ? [s.textContent, s.title] : null;
      }),
    ),
  );
  const expectedCells = Array.from({ length: spec.samples }, (_, i) => [
    null, // the image column has no score
    ...spec.masks.map((m) =>
      last[m]
        ? [
            `del ${three(last[m].deletion_auc[i])} · ins ${three(last[m].insertion_auc[i])}`,
            expectedLines(last[m], i).join("\n"),
          ]
        : null,
    ),
  ]);
  check(
    "each grid cell shows its image's deletion and insertion AUCs (all its scores in the title); the mask without scores none",
    same(cellScores, expectedCells),
    JSON.stringify(cellScores),
  );
  const heads = await grid.evaluate((g) =>
    [...g.querySelectorAll(".grid-head .grid-title:has(.grid-mask-name)")].map((t) => {
      const b = t.querySelector(".grid-batch-scores");
      return b.hidden ? null : [...b.children].map((l) => l.textContent);
    }),
  );
  const expectedHeads = spec.masks.map((m) => {
    const s = last[m];
    if (!s) return null;
    const line = (kind, short) => {
      const random = s[`${kind}_random_auc`] ? ` · random ${three(mean(s[`${kind}_random_auc`]))}` : "";
      return `${short} ${three(mean(s[`${kind}_auc`]))}${random}`;
    };
    return [
      "batch mean",
      line("deletion", "del"),
      line("insertion", "ins"),
      ...others(s).map((n) => `${n} ${three(mean(s[n]))}`),
    ];
  });
  check(
    "each column title shows the batch means with their random baselines",
    same(heads, expectedHeads),
    JSON.stringify(heads),
  );
  const names = await grid.locator(".grid-head .grid-mask-name").allTextContents();
  check(
    "a mask or score name holding HTML shows as text",
    names.includes(HTML) &&
      heads.flat().includes(`${HTML} ${three(mean(last[SCORED][HTML]))}`) &&
      (await grid.locator("b").count()) === 0,
    names.join("|"),
  );
  if (shot) {
    await grid.evaluate((g) => (g.scrollTop = 0));
    await card.screenshot({ path: `${shot}-grid.png` });
  }

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
  const show = async (step, sample) => {
    await setRange(card.locator('input[aria-label="Step"]'), spec.steps.indexOf(step));
    await setRange(card.locator('input[aria-label="Sample"]'), sample);
    await waitForCard(frame, NAME, { step, sample, mask: SCORED });
  };
  await show(spec.steps.at(-1), 2);
  check(
    "the single view lists the image's scores with their direction, the HTML name as text",
    same(await lines(), expectedLines(last[SCORED], 2)),
    JSON.stringify(await lines()),
  );
  check("score names holding HTML make no elements", (await card.locator(".card-scores b").count()) === 0);
  check(
    "the curves are closed at first",
    !(await card.locator(".score-curves").evaluate((d) => d.open)) && !(await card.locator(".curve-chart").isVisible()),
  );

  await card.locator(".score-curves summary").click();
  // Every curve drawn: its points evenly over the frame's width, y where the stored values put them.
  const curvesFollow = async (scores, i) => {
    const drawn = await card.locator(".curve-chart").evaluate((svg) => {
      const frame = svg.querySelector(".chart-frame");
      const out = { width: Number(frame.getAttribute("width")), height: Number(frame.getAttribute("height")) };
      for (const p of svg.querySelectorAll("polyline"))
        out[p.dataset.curve] = p
          .getAttribute("points")
          .split(" ")
          .map((xy) => xy.split(",").map(Number));
      return out;
    });
    const bad = [];
    for (const name of ["deletion", "deletion_random", "insertion", "insertion_random"]) {
      const stored = scores[`${name}_curve`][i];
      const points = drawn[name] ?? [];
      const n = stored.length;
      const ok =
        points.length === n &&
        points.every(
          ([x, y], j) =>
            Math.abs(x - (j / (n - 1)) * drawn.width) < 0.02 && Math.abs(y - (1 - stored[j]) * drawn.height) < 0.02,
        );
      if (!ok) bad.push(`${name}: ${JSON.stringify(points)} for ${JSON.stringify(stored)}`);
    }
    return bad;
  };
  let bad = await curvesFollow(last[SCORED], 2);
  check(
    "each curve and its random twin have one point per stored value, at its height",
    bad.length === 0,
    bad.join("; "),
  );
  const dashed = await card
    .locator(".curve-chart polyline")
    .evaluateAll((ps) => ps.map((p) => [p.dataset.curve, p.getAttribute("stroke-dasharray")]));
  check(
    "the random twins are dashed, the curves solid",
    dashed.length === 4 && dashed.every(([n, d]) => n.endsWith("_random") === (d !== null)),
    JSON.stringify(dashed),
  );
  const chartText = await card
    .locator(".curve-chart")
    .evaluate((svg) => [...svg.querySelectorAll("text")].map((t) => t.firstChild.textContent));
  const legend = [
    `deletion AUC ${three(last[SCORED].deletion_auc[2])}`,
    `random ${three(last[SCORED].deletion_random_auc[2])}`,
    `insertion AUC ${three(last[SCORED].insertion_auc[2])}`,
    `random ${three(last[SCORED].insertion_random_auc[2])}`,
  ];
  check(
    "the chart names its axes and has a legend with each curve's AUC",
    ["fraction of pixels", "probability", ...legend].every((t) => chartText.includes(t)),
    JSON.stringify(chartText),
  );
  if (shot) await card.screenshot({ path: `${shot}-single.png` });

  await show(spec.steps.at(-1), 0);
  check(
    "another image shows its own scores",
    same(await lines(), expectedLines(last[SCORED], 0)),
    JSON.stringify(await lines()),
  );
  bad = await curvesFollow(last[SCORED], 0);
  check("and its own curves", bad.length === 0, bad.join("; "));
  const first = spec.scores[String(spec.steps[0])];
  await show(spec.steps[0], 0);
  check(
    "another step shows its own scores",
    same(await lines(), expectedLines(first[SCORED], 0)),
    JSON.stringify(await lines()),
  );
  bad = await curvesFollow(first[SCORED], 0);
  check("and its own curves", bad.length === 0, bad.join("; "));
  check("the curves stay open", await card.locator(".score-curves").evaluate((d) => d.open));
  const remembered = await frame.evaluate(
    (key) => JSON.parse(localStorage.getItem(key) || "{}").scoreCurves,
    STORAGE_KEY,
  );
  check("whether they are open is remembered across reloads", remembered === true, String(remembered));

  await select.selectOption(HTML);
  await panelFor(HTML);
  check(
    "the other scored mask lists its own scores (no insertion baseline, its other score)",
    same(await lines(), expectedLines(first[HTML], 0)),
    JSON.stringify(await lines()),
  );

  // ------------------------------------------------------------ side by side
  await card.locator('input[aria-label="Side by side"]').check();
  await frame.waitForFunction(
    ([name, n]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return c?.querySelectorAll(".panels figure.panel").length === n;
    },
    [NAME, spec.masks.length + 1],
  );
  const captions = await card
    .locator(".panels figure.panel figcaption")
    .evaluateAll((fs) =>
      fs.map((f) => [f.firstChild.textContent, f.querySelector(".panel-scores")?.textContent ?? null]),
    );
  const expectedCaptions = [
    ["image", null],
    ...spec.masks.map((m) => [
      m,
      first[m] ? `del ${three(first[m].deletion_auc[0])} · ins ${three(first[m].insertion_auc[0])}` : null,
    ]),
  ];
  check(
    "side by side, each mask's panel shows its image's AUCs",
    same(captions, expectedCaptions),
    JSON.stringify(captions),
  );
  await card.locator('input[aria-label="Side by side"]').uncheck();

  await select.selectOption(PLAIN);
  await panelFor(PLAIN);
  check(
    "a mask without scores shows no scores and no curves",
    (await card.locator(".card-scores").evaluate((e) => e.hidden)) &&
      !(await card.locator(".card-scores").isVisible()) &&
      (await card.locator(".score-lines li").count()) === 0 &&
      (await card.locator(".curve-chart").count()) === 0,
  );
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
