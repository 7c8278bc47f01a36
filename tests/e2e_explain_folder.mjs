// Drives the Saliency tab of a running TensorBoard in headless Chromium over
// the step `tensorboard-saliency explain` wrote for an image folder of three
// classes: the grid shows every image once, and sorted by confidence (the
// "Sort by" and "Sort order" controls) its rows come in confidence order, the
// confidence in each row's caption too, from the first row to the last. Run by
// tests/test_frontend_explain_folder.py with the step as read back: spec.run,
// spec.tag, and per image (in the step's order) spec.ids, spec.true,
// spec.confidence, spec.correct; spec.classes.
//
//   node tests/e2e_explain_folder.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//       [--viewport 800x1300]
//
// --shot writes PREFIX-sorted.png (the card, sorted by confidence). The
// default viewport is narrow and tall, so that five rows are in view.
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const N = spec.ids.length;
const [VIEW_W, VIEW_H] = (arg("viewport") ?? "800x1300").split("x").map(Number);
const { check, failures } = checker();

/** The step's rows by confidence (descending: `desc`), ties in the step's order. */
function byConfidence(desc) {
  const c = spec.confidence;
  return [...Array(N).keys()].sort((i, j) => (desc ? c[j] - c[i] : c[i] - c[j]) || i - j);
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: VIEW_W, height: VIEW_H } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  const card = () => frame.locator(`article[aria-label="${NAME}"]`);
  const control = (label) => card().getByLabel(label, { exact: true });

  /** Waits until the grid shows `N` rows, those in view painted. */
  const settled = () =>
    frame.waitForFunction(
      ([name, n]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const g = c?.querySelector(".grid-view");
        if (!g || Number(g.dataset.shown) !== n) return false;
        const view = g.getBoundingClientRect();
        const inView = [...g.querySelectorAll(".grid-body .grid-row")].filter((r) => {
          const b = r.getBoundingClientRect();
          return b.bottom > view.top && b.top < view.bottom;
        });
        return inView.length > 0 && inView.every((r) => r.dataset.loaded === "1");
      },
      [NAME, N],
      { timeout: 20000 },
    );
  /** The rows in view, top to bottom: each one's row and caption; and the summary. */
  const grid = () =>
    card().evaluate((c) => {
      const g = c.querySelector(".grid-view");
      const view = g.getBoundingClientRect();
      const rows = [...g.querySelectorAll(".grid-body .grid-row")]
        .filter((r) => {
          const b = r.getBoundingClientRect();
          return b.bottom > view.top && b.top < view.bottom;
        })
        .sort((x, y) => x.offsetTop - y.offsetTop);
      return {
        rows: rows.map((r) => Number(r.dataset.sample)),
        labels: rows.map((r) => r.querySelector(".grid-label").textContent),
        images: c.querySelector(".summary-images")?.textContent ?? null,
        accuracy: c.querySelector(".summary-accuracy")?.textContent ?? null,
      };
    });
  /** Whether the rows in view are the first of `order` (the last: `atEnd`), each
   * caption naming its image's true class and confidence, the confidences in
   * `desc` order. */
  const inOrder = (g, order, desc, atEnd = false) => {
    const shown = g.labels.map((text) => Number(text.match(/(\d+\.\d+)$/)?.[1]));
    const expected = atEnd ? order.slice(N - g.rows.length) : order.slice(0, g.rows.length);
    return (
      g.rows.length >= 3 &&
      g.rows.join(",") === expected.join(",") &&
      g.rows.every((row, k) => g.labels[k].startsWith(`true: ${spec.classes[spec.true[row]]} `)) &&
      g.rows.every((row, k) => Math.abs(shown[k] - spec.confidence[row]) <= 0.005) &&
      shown.every((x, k) => k === 0 || (desc ? shown[k - 1] >= x : shown[k - 1] <= x))
    );
  };

  // ------------------------------------------------------------ the step, every image once
  await card().scrollIntoViewIfNeeded();
  await settled();
  let g = await grid();
  const correct = spec.correct.filter(Boolean).length;
  const accuracy = `accuracy ${((100 * correct) / N).toFixed(1)}% (${correct} of ${N})`;
  check(
    `the grid of the folder's step: ${g.images}, ${g.accuracy}, in the step's order`,
    g.images === `${N} images` && g.accuracy === accuracy && g.rows[0] === 0,
    `${g.rows.slice(0, 5)}`,
  );

  // ------------------------------------------------------------ sorted by confidence
  const options = await control("Sort by").evaluate((s) => [...s.options].map((o) => o.value));
  await control("Sort by").selectOption("confidence");
  await control("Sort order").selectOption("desc");
  await settled();
  g = await grid();
  const desc = byConfidence(true);
  check(
    `sort by confidence, descending: the ${g.rows.length} rows in view in that order`,
    options.includes("confidence") && inOrder(g, desc, true),
    `${g.rows.slice(0, 5)} vs ${desc.slice(0, 5)}; ${g.labels.slice(0, 3).join(" | ")}`,
  );
  if (shot) await card().screenshot({ path: `${shot}-sorted.png` });
  const scrollTo = (end) =>
    card().evaluate((c, end) => {
      const view = c.querySelector(".grid-view");
      view.scrollTop = end ? view.scrollHeight : 0;
    }, end);
  await scrollTo(true);
  await frame.waitForFunction(
    ([name, last]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const row = c?.querySelector(`.grid-view .grid-body .grid-row[data-sample="${last}"]`);
      return row?.dataset.loaded === "1";
    },
    [NAME, desc[N - 1]],
    { timeout: 20000 },
  );
  await settled();
  g = await grid();
  check(
    `scrolled to the end: the least confident rows last (${g.rows.length} in view)`,
    inOrder(g, desc, true, true),
    `${g.rows.slice(-5)} vs ${desc.slice(-5)}; ${g.labels.slice(-3).join(" | ")}`,
  );
  await scrollTo(false);

  await control("Sort order").selectOption("asc");
  await settled();
  g = await grid();
  const asc = byConfidence(false);
  check(
    "sort by confidence, ascending: the least confident first",
    inOrder(g, asc, false),
    `${g.rows.slice(0, 5)} vs ${asc.slice(0, 5)}; ${g.labels.slice(0, 3).join(" | ")}`,
  );

  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
