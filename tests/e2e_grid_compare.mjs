// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks a card grid's difference column and its zoom: the difference of a
// mask and its copy is all the zero colour, of a ramp and its mirror the
// expected signed colours, its colour bar signed around 0; a difference cell
// opens the single view comparing by difference; the choice survives a step
// change and a reload; ctrl+wheel zooms every cell (both runs' groups under
// "Compare runs") to 4× about a point, which then shows the same image pixel in
// every cell; a drag pans them all; the zoom survives a reload and Fit
// restores the whole images; + and 0 on a focused cell zoom and fit, and a
// double-click fits. It opens the plugin's own page (the iframe
// TensorBoard shows), once, and reloads it once. The expected colours are computed here from the
// masks' values, the colormaps and the compositing rule. Run by
// tests/test_frontend_grid_compare.py.
//
//   node tests/e2e_grid_compare.mjs --url http://127.0.0.1:PORT --spec spec.json
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { setRange } from "./dashboard_page.mjs";
import { computeClip } from "../frontend/pipeline/clip.js";
import { colorizeMask } from "../frontend/pipeline/colorize.js";
import { colormapLUT, overlayTable } from "../frontend/pipeline/colormap.js";
import { composite } from "../frontend/pipeline/composite.js";
import { ZOOM_STEP } from "../frontend/pipeline/zoom.js";

const url = arg("url");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const tables = JSON.parse(readFileSync(new URL("../frontend/colormaps.json", import.meta.url), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const KEY = `${spec.run}\u0000${spec.tag}`;
const { width: W, height: H, samples: N } = spec;
const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
/** Per channel: the canvas's premultiplied 8-bit rounding and the masks' 16-bit quantisation. */
const TOLERANCE = 4;
const OPACITY = 0.6; // the page's default (state.js DEFAULTS)
const { check, failures } = checker();

const flat = (rows) => Float32Array.from(rows.flat());
const A = flat(spec.masks.ramp);
const B = flat(spec.masks.mirror);
const size = { width: W, height: H };
const diverging = overlayTable(colormapLUT(tables, tables.default_diverging), {
  mode: "heatmap",
  sign: "signed",
  alpha: "value",
});
const near = (got, want) => got.every((v, k) => Math.abs(v - want[k]) <= TOLERANCE);
const px = (data, x, y) => Array.from(data.slice(4 * (y * W + x), 4 * (y * W + x) + 4));
/** Image r's pixel (x, y) as written. */
const written = (r, x, y) => [8 * x + 4, 8 * y + 4, 40 * r + 20, 255];

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The plugin's page alone (TensorBoard's own app adds seconds to each load), in a
  // new browser context: nothing remembered yet.
  await page.goto(`${url}/data/plugin_entry.html?name=saliency`, { waitUntil: "commit" });
  let frame = await pluginFrame(page);
  const card = () => frame.locator(`article[aria-label="${NAME}"]`);
  const grid = () => card().locator(".grid-view");
  const choose = (label, value) => card().getByLabel(label, { exact: true }).selectOption(value);
  /** Waits until the grid shows `sources` groups at `step` with every row painted (and the difference named). */
  const gridReady = ({ step, sources = 1, difference = null }) =>
    frame
      .waitForFunction(
        ([name, step, sources, n, difference]) => {
          const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
          const g = c?.querySelector(".grid-view");
          if (!g) return false;
          if (!g.dataset.step) c.scrollIntoView();
          else if (Number(g.dataset.loaded) < n) g.scrollTop = g.scrollHeight; // the rows below load too
          return (
            (step === null || g.dataset.step === String(step)) &&
            g.dataset.sources === String(sources) &&
            g.dataset.loaded === String(n) &&
            (difference === null || g.dataset.difference === difference)
          );
        },
        [NAME, step, sources, N, difference],
        { timeout: 20000, polling: 50 },
      )
      .catch(async (e) => {
        const now = await grid().evaluate((g) => JSON.stringify(g.dataset));
        throw new Error(`the grid did not show step ${step}, ${sources} sources, difference ${difference}: ${now}`, {
          cause: e,
        });
      });
  /** Every grid canvas: its accessible name, row, size, and its whole pixels (offset null), the pixel at an
   * offset of its box, or none ("size"). */
  const cells = (offset = null) =>
    grid().evaluate((g, offset) => {
      const out = [];
      for (const c of g.querySelectorAll(".grid-body canvas.grid-canvas")) {
        if (!c.offsetParent) continue; // a hidden column
        const r = c.getBoundingClientRect();
        const ctx = c.getContext("2d");
        const row = Number(c.closest(".grid-row").dataset.sample);
        const cell = { label: c.getAttribute("aria-label"), row, width: c.width, height: c.height };
        out.push(cell);
        if (offset === "size") continue;
        if (offset) {
          const x = Math.floor((offset[0] * c.width) / r.width);
          const y = Math.floor((offset[1] * c.height) / r.height);
          cell.px = Array.from(ctx.getImageData(x, y, 1, 1).data);
        } else cell.data = Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
      }
      return out;
    }, offset);
  const byLabel = (list, label) => list.find((c) => c.label === label);
  const stored = () => frame.evaluate((key) => JSON.parse(localStorage.getItem(key) || "{}"), STORAGE_KEY);

  await gridReady({ step: spec.steps.at(-1) });

  // ------------------------------------------------------------ difference: a mask and its copy
  await choose("Difference: mask A", "ramp");
  await choose("Difference: mask B", "ramp_copy");
  await gridReady({ step: spec.steps.at(-1), difference: "ramp − ramp_copy" });
  let all = await cells();
  const images = [];
  let bad = [];
  for (let r = 0; r < N; r++) {
    images[r] = { width: W, height: H, data: Uint8ClampedArray.from(byLabel(all, `Image ${r + 1}`).data) };
    const d = byLabel(all, `Image ${r + 1} with ramp − ramp_copy`);
    if (!d || d.width !== W) bad.push(`row ${r}: no difference cell`);
    else if (!d.data.every((v, i) => Math.abs(v - images[r].data[i]) <= TOLERANCE)) bad.push(`row ${r}`);
  }
  check(
    "a difference column follows the card's masks: ramp − ramp_copy is all the zero colour (each image shows through)",
    bad.length === 0,
    bad.join("; "),
  );
  check(
    "the image cells are the images as written",
    images.every((im, r) => [0, 5, 17].every((x) => near(px(im.data, x, 9), written(r, x, 9)))),
  );

  // ------------------------------------------------------------ ramp − mirror
  await choose("Difference: mask B", "mirror");
  await gridReady({ step: spec.steps.at(-1), difference: "ramp − mirror" });
  all = await cells();
  const diff = A.map((a, i) => a - B[i]);
  // One clip pooled over every loaded row's A and B (Normalize's rule over both columns).
  const pool = Array.from({ length: N }, () => [A, B]).flat();
  const clip = computeClip(pool, { sign: "absolute", clip: 99 });
  const layer = colorizeMask(diff, size, { table: diverging, clip, sign: "signed", cut: -Infinity });
  const chosen = [0, 3, 8, 15, 16, 24, 31];
  bad = [];
  for (let r = 0; r < N; r++) {
    const want = composite(images[r], layer, OPACITY).data;
    const got = byLabel(all, `Image ${r + 1} with ramp − mirror`).data;
    for (const x of chosen) if (!near(px(got, x, 5), px(want, x, 5))) bad.push(`${r}:${x} ${px(got, x, 5)}`);
  }
  check(
    `ramp − mirror has the expected signed colours at x = ${chosen.join(", ")} in every row`,
    bad.length === 0,
    bad.slice(0, 4).join("; "),
  );
  const row0 = byLabel(all, "Image 1 with ramp − mirror").data;
  const [left, right] = [px(row0, 0, 5), px(row0, W - 1, 5)];
  check(
    "negative (A < B) is blue at the left, positive red at the right",
    left[2] > left[0] + 40 && right[0] > right[2] + 40,
    JSON.stringify([left, right]),
  );
  const bar = await grid()
    .locator(".grid-head .grid-difference-bar")
    .evaluate((b) =>
      [".colorbar-low", ".colorbar-mid", ".colorbar-high", ".colorbar-note"].map(
        (s) => b.querySelector(s)?.textContent,
      ),
    );
  check(
    "its colour bar is in mask units, signed around 0, the clip pooled over both",
    bar[1] === "0" && Number(bar[0]) === -1 && Number(bar[2]) === 1 && bar[3] === "clip p99 of both = ±1",
    JSON.stringify(bar),
  );

  // ------------------------------------------------------------ a difference cell opens the single view
  await grid().getByRole("button", { name: "Open image 2 with ramp − mirror, comparing ramp with mirror" }).click();
  await frame.waitForFunction(
    (name) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const label = c?.querySelector("canvas.composite")?.getAttribute("aria-label") ?? "";
      return !c.classList.contains("grid-mode") && c.dataset.sample === "1" && /ramp − mirror/.test(label);
    },
    NAME,
    { timeout: 15000, polling: 50 },
  );
  check(
    "clicking a difference cell opens that image in the single view, ramp compared with mirror by difference",
    (await card().getByLabel("Compare with", { exact: true }).inputValue()) === "mirror" &&
      (await card().getByLabel("Comparison", { exact: true }).inputValue()) === "difference" &&
      (await card().evaluate((c) => c.dataset.mask)) === "ramp",
  );
  await card().getByRole("button", { name: "Back to grid" }).click();

  // ------------------------------------------------------------ a step change
  await setRange(card().getByLabel("Step", { exact: true }), 0);
  await gridReady({ step: spec.steps[0], difference: "ramp − mirror" });
  all = await cells();
  check(
    "at another step the difference column stays, painted",
    (await card().getByLabel("Difference: mask A", { exact: true }).inputValue()) === "ramp" &&
      (await card().getByLabel("Difference: mask B", { exact: true }).inputValue()) === "mirror" &&
      near(px(byLabel(all, "Image 1 with ramp − mirror").data, 0, 5), left),
  );

  // ------------------------------------------------------------ zoom in step, both runs
  await card().getByLabel("Compare runs", { exact: true }).check();
  await gridReady({ step: spec.steps[0], sources: 2, difference: "ramp − mirror" });
  const first = grid().locator(".grid-body .grid-row[data-sample='0'] canvas.grid-canvas").first();
  await first.scrollIntoViewIfNeeded();
  const box = await first.boundingBox();
  // A whole page pixel near the middle of image pixel (13, 18) at fit.
  const pageX = Math.round(box.x + (13.5 * box.width) / W);
  const pageY = Math.round(box.y + (18.5 * box.height) / H);
  const offset = [pageX - box.x, pageY - box.y];
  const p0 = [Math.floor((offset[0] * W) / box.width), Math.floor((offset[1] * H) / box.height)];
  await page.mouse.move(pageX, pageY);
  await page.keyboard.down("Control");
  await page.mouse.wheel(0, (-10 * Math.log(4)) / Math.log(ZOOM_STEP));
  await page.keyboard.up("Control");
  const z = (await stored()).gridZoom?.[KEY];
  check(
    "ctrl+wheel zooms the grid to 4× its fit, and the card keeps it",
    z && Math.abs(z.factor - 4) < 1e-6,
    JSON.stringify(z),
  );
  /** Each cell's pixel under the point: image cells show their image's pixel (x, y), the others agree across runs. */
  const underPoint = async ([x, y]) => {
    const list = await cells(offset);
    const wrong = [];
    const groups = new Set();
    for (const c of list) {
      const m = /^Image (\d+)(?: with (?:mask )?(.*?))?(?: of (.*))?$/.exec(c.label);
      const r = Number(m[1]) - 1;
      if (m[3]) groups.add(m[3]);
      if (c.width === W) wrong.push(`${c.label}: not zoomed`);
      else if (!m[2]) {
        if (!near(c.px, written(r, x, y))) wrong.push(`${c.label}: ${c.px}`);
      } else if (m[2] === "ramp − mirror") {
        const want = px(composite(images[r], layer, OPACITY).data, x, y);
        if (!near(c.px, want)) wrong.push(`${c.label}: ${c.px} not ${want}`);
      } else {
        const twin = list.find(
          (o) => o !== c && o.row === c.row && o.label.startsWith(`Image ${r + 1} with mask ${m[2]} `),
        );
        if (twin && !near(c.px, twin.px)) wrong.push(`${c.label}: ${c.px} vs ${twin.px}`);
      }
    }
    return { wrong, count: list.length, groups: groups.size };
  };
  let seen = await underPoint(p0);
  check(
    `zoomed 4× about a point, every cell (${seen.count}, rows × columns × ${seen.groups} runs) shows image pixel (${p0}) under it`,
    seen.wrong.length === 0 && seen.count === N * (2 * 4 + 1) && seen.groups === 2,
    seen.wrong.slice(0, 4).join("; "),
  );

  // A drag pans every cell together (and opens nothing): by 3 image pixels left
  // and 2 up, in whole page pixels, so the point stays inside an image pixel.
  const scale = (4 * box.width) / W; // CSS pixels per image pixel at 4× fit
  const [dx, dy] = [Math.round(3 * scale), Math.round(2 * scale)];
  await page.mouse.move(pageX, pageY);
  await page.mouse.down();
  await page.mouse.move(pageX - dx / 2, pageY - dy / 2, { steps: 3 });
  await page.mouse.move(pageX - dx, pageY - dy, { steps: 3 });
  await page.mouse.up();
  const panned = (await stored()).gridZoom?.[KEY];
  const moved = [(panned.fx - z.fx) * W * scale, (panned.fy - z.fy) * H * scale];
  const p1 = [p0[0] + 3, p0[1] + 2];
  seen = await underPoint(p1);
  check(
    `a drag of (−${dx}, −${dy}) px pans every cell together: image pixel (${p1}) is under the point in each`,
    seen.wrong.length === 0 &&
      Math.abs(moved[0] - dx) < 0.5 &&
      Math.abs(moved[1] - dy) < 0.5 &&
      (await card().evaluate((c) => c.classList.contains("grid-mode"))),
    `moved ${moved}; ${seen.wrong.slice(0, 4).join("; ")}`,
  );

  // ------------------------------------------------------------ a reload: the difference and the zoom are kept
  await page.reload({ waitUntil: "commit" }); // pluginFrame waits for the dashboard
  frame = await pluginFrame(page);
  await gridReady({ step: null, difference: "ramp − mirror" });
  const kept = await cells("size");
  check(
    "after a reload the grid keeps its difference column and its zoom",
    (await card().getByLabel("Difference: mask A", { exact: true }).inputValue()) === "ramp" &&
      (await card().getByLabel("Difference: mask B", { exact: true }).inputValue()) === "mirror" &&
      kept.every((c) => c.width !== W) &&
      (await card().locator(".grid-zoom output").textContent()) === "Zoom: 4× fit",
    `${await card().locator(".grid-zoom output").textContent()}`,
  );
  await card().getByRole("button", { name: "Fit the grid's images" }).click();
  all = await cells();
  check(
    "Fit draws every cell whole again and forgets the zoom",
    all.every((c) => c.width === W && c.height === H) &&
      near(px(byLabel(all, "Image 1").data, 13, 18), written(0, 13, 18)) &&
      !(await stored()).gridZoom?.[KEY],
  );

  // ------------------------------------------------------------ keys on a focused cell, a double-click
  const factor = async () => (await stored()).gridZoom?.[KEY]?.factor ?? null;
  await grid().getByRole("button", { name: "Open image 1", exact: true }).focus();
  await page.keyboard.press("+");
  await page.keyboard.press("+");
  const keyed = await factor();
  await page.keyboard.press("0");
  check(
    "+ on a focused cell zooms the grid in a step (1.25×) at a time, 0 fits",
    Math.abs(keyed - ZOOM_STEP ** 2) < 1e-9 && (await factor()) === null,
    String(keyed),
  );
  await page.keyboard.press("+");
  await grid().getByRole("button", { name: "Open image 1", exact: true }).dblclick();
  await page.waitForTimeout(400); // longer than a click on a zoomed cell waits for a second one
  check(
    "a double-click on a zoomed cell fits, and opens nothing",
    (await factor()) === null && (await card().evaluate((c) => c.classList.contains("grid-mode"))),
  );
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
