// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks the grid of a whole validation set: its summary bar, sort, filter,
// group, a confusion-matrix cell as a filter, the view kept in the URL, the
// CSV export, the compared run lined up by image id, the windowing, and a
// step without fields. Run by tests/test_frontend_table.py: runs `a` and `b`
// with one step of the same 300 images (b's shuffled, spec.orderB), each
// image's colour naming it (spec.colours), with fields, ids and a score.
//
//   node tests/e2e_table.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// The exported CSV is also written to SPEC.csv (beside the spec file).
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync, writeFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const NAME = `a / ${spec.tag}`;
const N = spec.ids.length;
const { check, failures } = checker();

/** Row indices of run a, filtered by `keep`, sorted by `key` (descending: `desc`), stable. */
function expected(keep = () => true, key = null, desc = false) {
  const rows = [...Array(N).keys()].filter(keep);
  if (key) rows.sort((i, j) => (desc ? spec[key][j] - spec[key][i] : spec[key][i] - spec[key][j]) || i - j);
  return rows;
}

/** The rows of a CSV text (RFC 4180), each a list of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (row.push(field), (field = ""));
    else if (c === "\r" && text[i + 1] === "\n") {
      (row.push(field), rows.push(row), (row = []), (field = ""), i++);
    } else field += c;
  }
  return rows;
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  /** Every /sample request of the tag: {run, sample}. */
  const samples = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith("/data/plugin/saliency/sample") && u.searchParams.get("tag") === spec.tag) {
      samples.push({ run: u.searchParams.get("run"), sample: Number(u.searchParams.get("sample")) });
    }
  });
  await page.goto(`${url}/#saliency`);
  let frame = await pluginFrame(page);
  const card = () => frame.locator(`article[aria-label="${NAME}"]`);
  const control = (label) => card().getByLabel(label, { exact: true });

  /** What the grid shows: rows shown (its table), rows painted, windowed, the
   * row elements in display order with their row and state, headers, summary. */
  const grid = () =>
    card().evaluate((c) => {
      const g = c.querySelector(".grid-view");
      const body = g.querySelector(".grid-body");
      const rows = [...body.querySelectorAll(".grid-row")].sort((x, y) => x.offsetTop - y.offsetTop);
      const view = g.getBoundingClientRect();
      const text = (sel) => c.querySelector(sel)?.textContent ?? null;
      return {
        shown: Number(g.dataset.shown),
        loaded: Number(g.dataset.loaded),
        sources: Number(g.dataset.sources),
        windowed: g.classList.contains("grid-windowed"),
        elements: rows.length,
        rows: rows.map((r) => ({ id: Number(r.dataset.sample), loaded: r.dataset.loaded === "1" })),
        visible: rows
          .filter((r) => {
            const b = r.getBoundingClientRect();
            return b.bottom > view.top && b.top < view.bottom;
          })
          .map((r) => Number(r.dataset.sample)),
        headers: [...body.querySelectorAll(".grid-group-header")].map((h) => h.textContent),
        images: text(".summary-images"),
        shownText: text(".summary-shown"),
        accuracy: text(".summary-accuracy"),
      };
    });
  /** Waits until the grid shows `n` rows and its first visible row is painted. */
  const settled = (n) =>
    frame.waitForFunction(
      ([name, n]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const g = c?.querySelector(".grid-view");
        if (!g || Number(g.dataset.shown) !== n) return false;
        const rows = [...g.querySelectorAll(".grid-body .grid-row")].sort((x, y) => x.offsetTop - y.offsetTop);
        return n === 0 || rows.slice(0, 2).every((r) => r.dataset.loaded === "1");
      },
      [NAME, n],
      { timeout: 20000 },
    );
  const first = (rows, k = 3) => rows.slice(0, k).join(",");
  /** Whether the rows in view are the first of `rows` (at least two of them in view). */
  const leads = (visible, rows) =>
    visible.length >= Math.min(2, rows.length) && first(rows, visible.length) === visible.join(",");
  const accuracyOf = (rows) => {
    const c = rows.filter((i) => spec.correct[i]).length;
    return `accuracy ${((100 * c) / rows.length).toFixed(1)}% (${c} of ${rows.length})`;
  };

  // ------------------------------------------------------------ the summary and the windowing
  await card().scrollIntoViewIfNeeded();
  await settled(N);
  await page.waitForTimeout(300); // anything else that would load, loads
  let g = await grid();
  const all = expected();
  check(
    `the summary bar: images, shown, accuracy (${g.images} · ${g.shownText} · ${g.accuracy})`,
    g.images === `${N} images` && g.shownText === `${N} shown` && g.accuracy === accuracyOf(all),
  );
  const asked = samples.filter((s) => s.run === "a").length;
  check(
    `${N} rows are windowed: ${g.elements} row elements, ${asked} rows fetched`,
    g.windowed && g.elements < 40 && asked < 40 && leads(g.visible, all),
  );

  // ------------------------------------------------------------ sort
  await control("Sort by").selectOption("loss");
  await control("Sort order").selectOption("desc");
  const byLoss = expected(() => true, "loss", true);
  await settled(N);
  g = await grid();
  check(
    "sort by loss, descending: the rows in that order",
    leads(g.visible, byLoss),
    `${g.visible.slice(0, 5)} vs ${byLoss.slice(0, 5)}`,
  );

  // Grouped and windowed: the headers in view at their place, each group's rows under it.
  await control("Group by").selectOption("true");
  await settled(N);
  g = await grid();
  const circles = byLoss.filter((i) => spec.true[i] === 0);
  check(
    "group by true class, windowed: the first group's header with its count, its rows by loss",
    g.windowed && g.headers[0] === `true ${spec.classes[0]} (${circles.length})` && leads(g.visible, circles),
    `${g.headers} / ${g.visible.slice(0, 3)} vs ${circles.slice(0, 3)}`,
  );
  await control("Group by").selectOption("none");

  // ------------------------------------------------------------ filter
  await control("Show rows").selectOption("wrong");
  const wrong = expected((i) => !spec.correct[i], "loss", true);
  await settled(wrong.length);
  g = await grid();
  check(
    `filter wrong: ${g.shown} rows shown, still by loss, accuracy 0`,
    g.shown === wrong.length && leads(g.visible, wrong) && g.accuracy === `accuracy 0.0% (0 of ${wrong.length})`,
    `${g.visible.slice(0, 5)} vs ${wrong.slice(0, 5)}; ${g.accuracy}`,
  );

  // ------------------------------------------------------------ group
  await control("Group by").selectOption("true");
  await settled(wrong.length);
  g = await grid();
  const counts = spec.classes.map((_, t) => wrong.filter((i) => spec.true[i] === t).length);
  const heads = spec.classes.map((name, t) => `true ${name} (${counts[t]})`).filter((_, t) => counts[t] > 0);
  const grouped = [0, 1, 2].flatMap((t) => wrong.filter((i) => spec.true[i] === t));
  check(
    "group by true class: a header with its count over each class's rows",
    g.headers.join("|") === heads.join("|") &&
      first(
        g.rows.map((r) => r.id),
        4,
      ) === first(grouped, 4),
    `${g.headers} vs ${heads}`,
  );
  if (shot) await card().screenshot({ path: `${shot}-grid.png` });
  await control("Group by").selectOption("none");

  // ------------------------------------------------------------ a confusion-matrix cell
  const [t, p] = [1, 0];
  const pair = wrong.filter((i) => spec.true[i] === t && spec.predicted[i] === p);
  const cellName = `true ${spec.classes[t]}, predicted ${spec.classes[p]}: ${pair.length}`;
  await card().getByRole("button", { name: cellName, exact: true }).click();
  await settled(pair.length);
  g = await grid();
  check(
    `a confusion-matrix cell filters to its pair (${cellName})`,
    g.shown === pair.length &&
      (await control("True class").inputValue()) === String(t) &&
      (await control("Predicted class").inputValue()) === String(p) &&
      leads(g.visible, pair),
    `${g.shown} shown; ${g.visible.slice(0, 5)} vs ${pair.slice(0, 5)}`,
  );

  // ------------------------------------------------------------ the view in the URL
  const link = page.url();
  const again = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  await again.goto(link);
  const before = frame;
  frame = await pluginFrame(again);
  await card().scrollIntoViewIfNeeded();
  await settled(pair.length);
  const reloaded = await grid();
  check(
    "the URL reproduces the view (sort, filters) on a new page",
    link.includes("p.saliency.grid") &&
      reloaded.shown === pair.length &&
      leads(reloaded.visible, pair) &&
      (await control("Sort by").inputValue()) === "loss" &&
      (await control("Sort order").inputValue()) === "desc" &&
      (await control("Show rows").inputValue()) === "wrong",
    `${link}: ${reloaded.shown} shown`,
  );
  await again.close();
  frame = before;

  // ------------------------------------------------------------ CSV export
  await card().getByRole("button", { name: "True class" }).count(); // the controls are there
  await control("True class").selectOption("");
  await control("Predicted class").selectOption("");
  await settled(wrong.length);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    card().getByRole("button", { name: "Export CSV", exact: true }).click(),
  ]);
  const csvText = readFileSync(await download.path(), "utf8");
  writeFileSync(`${arg("spec")}.csv`, csvText); // the Python runner reads it back with pandas
  const csv = parseCsv(csvText);
  const header = [
    "id",
    "label",
    "true",
    "true_name",
    "predicted",
    "predicted_name",
    "confidence",
    "loss",
    "correct",
    "site",
    "m/deletion_auc",
  ];
  const body = csv.slice(1);
  check(
    `the CSV export holds the ${wrong.length} rows shown, in order, every field and score`,
    csv[0].join(",") === header.join(",") &&
      body.length === wrong.length &&
      body.every(
        (r, k) =>
          r[0] === spec.ids[wrong[k]] &&
          Number(r[2]) === spec.true[wrong[k]] &&
          r[3] === spec.classes[spec.true[wrong[k]]] &&
          Number(r[7]) === spec.loss[wrong[k]] &&
          r[8] === "false" &&
          r[9] === spec.site[wrong[k]] &&
          Number(r[10]) === spec.auc[wrong[k]],
      ),
    `${csv[0]}; ${body.length} rows; first ${body[0]}`,
  );

  // ------------------------------------------------------------ compare runs, by image id
  await card().getByRole("button", { name: "Clear view", exact: true }).click();
  await control("Compare runs").check();
  await frame.waitForFunction(
    (name) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const g = c?.querySelector(".grid-view");
      const rows = [...(g?.querySelectorAll(".grid-body .grid-row") ?? [])].sort((x, y) => x.offsetTop - y.offsetTop);
      return g?.dataset.sources === "2" && rows.length > 3 && rows.slice(0, 3).every((r) => r.dataset.loaded === "1");
    },
    NAME,
    { timeout: 20000 },
  );
  const pairs = await card().evaluate((c) => {
    const rows = [...c.querySelectorAll(".grid-view .grid-body .grid-row")].filter((r) => r.dataset.loaded === "1");
    const centre = (canvas) => {
      const [r, g, b] = canvas
        .getContext("2d")
        .getImageData(Math.floor(canvas.width / 2), Math.floor(canvas.height / 2), 1, 1).data;
      return [r, g, b];
    };
    return rows.map((r) => {
      const canvases = r.querySelectorAll("canvas.grid-canvas");
      return { id: Number(r.dataset.sample), a: centre(canvases[0]), b: centre(canvases[2]) };
    });
  });
  const askedB = samples.filter((s) => s.run === "b").map((s) => s.sample);
  const close = (x, y) => x.every((v, i) => Math.abs(v - y[i]) <= 2);
  check(
    `compare runs: run b's image beside each row is the one with its id (${pairs.length} rows checked)`,
    pairs.length >= 3 &&
      pairs.every(({ id, a, b }) => close(a, spec.colours[id]) && close(b, spec.colours[id])) &&
      pairs.every(({ id }) => askedB.includes(spec.orderB.indexOf(id))),
    JSON.stringify(pairs.slice(0, 3)),
  );
  // Each run's batch mean under its column title: run a's from /sample (one
  // part), run b's (two parts) from its table; the same images, the same mean.
  const mean = spec.auc.reduce((x, y) => x + y, 0) / spec.auc.length;
  await frame.waitForFunction(
    (name) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const lines = [...(c?.querySelectorAll(".grid-view .grid-batch-scores") ?? [])].filter((b) => !b.hidden);
      return lines.length === 2;
    },
    NAME,
    { timeout: 20000 },
  );
  const batchLines = await card().evaluate((c) =>
    [...c.querySelectorAll(".grid-view .grid-batch-scores")].map(
      (b) => b.querySelector(".grid-batch-line").textContent,
    ),
  );
  check(
    `compare runs: each run's batch mean under its column (${batchLines.join(" | ")}; mean ${mean.toFixed(3)})`,
    batchLines.length === 2 && batchLines.every((line) => Math.abs(Number(line.match(/del (\S+)/)?.[1]) - mean) < 0.01),
  );
  await control("Compare runs").uncheck();

  // ------------------------------------------------------------ scrolling to the end
  await card().evaluate((c) => {
    const g = c.querySelector(".grid-view");
    g.scrollTop = g.scrollHeight;
  });
  await frame.waitForFunction(
    ([name, last]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const row = c?.querySelector(`.grid-view .grid-body .grid-row[data-sample="${last}"]`);
      return row?.dataset.loaded === "1";
    },
    [NAME, N - 1],
    { timeout: 20000 },
  );
  g = await grid();
  check(
    `scrolled to the end: the last rows drawn, still ${g.elements} row elements`,
    g.visible.at(-1) === N - 1 && g.elements < 40,
  );

  // ------------------------------------------------------------ a step without fields
  const old = frame.locator(`article[aria-label="a / ${spec.old}"]`);
  await old.scrollIntoViewIfNeeded();
  await frame.waitForFunction(
    (name) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const g = c?.querySelector(".grid-view");
      if (!g) return false;
      g.scrollTop += 200; // the rows below load as they come into view
      return Number(g.dataset.loaded) === 3;
    },
    `a / ${spec.old}`,
    { timeout: 20000, polling: 100 },
  );
  const labels = await old.locator(".grid-body .grid-label").allTextContents();
  await old.getByLabel("Sort by", { exact: true }).selectOption("label");
  const sorted = await old.locator(".grid-body .grid-label").allTextContents();
  check(
    "a step without fields: its rows and captions as before, sortable by caption",
    labels.join("|") === "one|two|three" &&
      sorted.join("|") === "one|three|two" &&
      (await old.locator(".summary-accuracy").count()) === 0,
    `${labels} / ${sorted}`,
  );

  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
