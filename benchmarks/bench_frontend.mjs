// Benchmark of the Saliency dashboard in headless Chromium (playwright-core +
// Debian chromium):
//  - median repaint time of one 512x512 overlay when "Opacity" moves
//    (target <= 1 ms), and when "Colormap" or "Clip percentile" changes
//    (<= 4 ms): the durations of the page's own performance measures
//    "saliency:paint" and "saliency:recolor" (frontend/timing.js);
//  - time from opening the tab to the first overlay painted with 50 cards
//    (<= 1.5 s on 127.0.0.1);
//  - blob requests with 200 cards of which 6 are in view (target: only those);
//  - a grid card of 16 images x (image + 4 masks) at 224x224: time from
//    navigation to the first full paint of every row in view (<= 1 s), the
//    input handler of the global Opacity slider (<= 2 ms) and Colormap select
//    (<= 40 ms) over the loaded grid, and its blob requests (<= 5 per row in
//    view, no row loaded outside the view), and a difference column (grid
//    tools' "Difference", masks A and B) over its 16 rows: from choosing A and B
//    to the column painted (<= 40 ms);
//  - a filmstrip of 50 steps at 224x224: time from ticking "Filmstrip" to all
//    50 frames painted (<= 1 s);
//  - a swipe ("Compare with", Swipe) of two 1024x1024 masks: the divider dragged
//    across in 30 pointer moves, the median "saliency:paint" measure per move
//    (<= 8 ms);
//  - a zoom step on a 4096x4096 image with 4 masks, side by side (the image and
//    each mask's panel and the composite, one view): 10 wheel notches about a
//    point, the median wheel handler per step, which repaints every picture
//    (<= 16 ms).
//
//   node benchmarks/bench_frontend.mjs                 # writes data, starts tensorboard
//   node benchmarks/bench_frontend.mjs --url http://127.0.0.1:6006   # a running one, same data
//
// The data: run `big` (tag `big/saliency`, one 512x512 RGB image with a 512x512
// mask), run `many` (tags t000..t199, 64x64 with one mask), run `gridrun` (tag
// `grid/saliency`, one step of 16 224x224 images, each with 4 masks, one of
// them a 14x14 Grad-CAM, and a label) and run `filmrun` (tag `film/saliency`,
// steps 0..49 of one 224x224 image and one mask that moves with the step),
// run `swiperun` (tag `swipe/saliency`, one 1024x1024 image with two 1024x1024
// masks) and run `zoomrun` (tag `zoom/saliency`, one 4096x4096 image with 4
// masks: two at 4096x4096, one at 1024x1024, one a 128x128 Grad-CAM).
// Which cards show is set through the dashboard's remembered run selection and
// tag filter.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TIMINGS } from "../frontend/timing.js";
import { arg, freePort, launchChromium, pluginFrame } from "../tests/browser.mjs";

const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
const RUNS = ["big", "many", "gridrun", "filmrun", "swiperun", "zoomrun"];
/** hiddenRuns that leave `run` alone shown. */
const only = (run) => RUNS.filter((r) => r !== run);
const GRID = { size: 224, images: 16, masks: 4 }; // run gridrun
const FILM = { size: 224, steps: 50 }; // run filmrun
const SWIPE = { size: 1024, moves: 30 }; // run swiperun
const ZOOM = { size: 4096, masks: 4, steps: 10 }; // run zoomrun
// The project's interpreter (make bench passes it), else .venv's, else python3.
const PYTHON = process.env.PYTHON || (existsSync(".venv/bin/python") ? ".venv/bin/python" : "python3");

const WRITE = String.raw`
import os, sys
import numpy as np
from tensorboard_plugin_saliency.summary import SaliencyWriter
logdir = sys.argv[1]
rng = np.random.default_rng(0)
y, x = np.mgrid[0:512, 0:512] / 511.0
image = (np.stack([x, y, 1 - x * y], -1) * 255).astype(np.uint8)
mask = (np.exp(-((x - 0.5) ** 2 + (y - 0.4) ** 2) / 0.02) * (1 + 0.3 * rng.standard_normal((512, 512)))).astype(np.float32)
with SaliencyWriter(os.path.join(logdir, "big")) as w:
    w.add("big/saliency", image, {"grad": mask}, 0)
small = image[::8, ::8]
with SaliencyWriter(os.path.join(logdir, "many")) as w:
    for t in range(200):
        m = rng.standard_normal((64, 64)).astype(np.float32)
        w.add("t%03d" % t, small, {"grad": m}, 0)
# gridrun: one step of 16 smooth pictures, each with 4 masks (blobs + noise) and a label.
n, s = 16, 224
y, x = np.mgrid[0:s, 0:s] / (s - 1.0)
k = np.arange(n)[:, None, None]
pictures = np.stack(
    [
        0.5 + 0.5 * np.sin(2 * np.pi * ((1 + k % 4) * x + 0.7 * k)),
        0.5 + 0.5 * np.cos(2 * np.pi * ((1 + k // 4) * y - 0.7 * k)),
        0.5 + 0.5 * np.sin(2 * np.pi * (x + y) * (1 + k % 3) + 0.7 * k),
    ],
    -1,
)
pictures = (pictures * 255).astype(np.uint8)
cx, cy = 0.2 + 0.6 * rng.random((2, n, 1, 1))
blob = lambda width: np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / width)
noise = lambda a: a * rng.standard_normal((n, s, s))
gmasks = {
    "gradients": (blob(0.01) + noise(0.3)).astype(np.float32),
    "smoothgrad": (blob(0.02) + noise(0.05)).astype(np.float32),
    "integrated_gradients": (blob(0.015) * np.sign(np.sin(12 * x)) + noise(0.1)).astype(np.float32),
    "grad_cam": blob(0.03)[:, ::16, ::16].astype(np.float32),
}
labels = ["true: class %d · pred: class %d %.2f" % (i % 10, (i * 3) % 10, 0.5 + i / 40) for i in range(n)]
with SaliencyWriter(os.path.join(logdir, "gridrun")) as w:
    w.add("grid/saliency", pictures, gmasks, 0, labels=labels)
# filmrun: steps 0..49 of one picture and one mask whose blob moves and widens with the step.
with SaliencyWriter(os.path.join(logdir, "filmrun")) as w:
    for step in range(50):
        t = step / 49.0
        mx, my = 0.2 + 0.6 * t, 0.5 + 0.3 * np.sin(2 * np.pi * t)
        m = np.exp(-((x - mx) ** 2 + (y - my) ** 2) / (0.01 + 0.02 * t)) + 0.1 * rng.standard_normal((s, s))
        w.add("film/saliency", pictures[step % n], {"gradients": m.astype(np.float32)}, step)
# swiperun: one 1024x1024 picture with two masks of its size (a swipe compares them).
def axes(s):
    y, x = np.ogrid[0:s, 0:s]
    return (y / (s - 1.0)).astype(np.float32), (x / (s - 1.0)).astype(np.float32)
def picture(s):
    y, x = axes(s)
    return (np.stack(np.broadcast_arrays(x, y, 0.5 + 0.5 * np.sin(6 * x * y)), -1) * 255).astype(np.uint8)
def blob(s, cx, cy, width):
    y, x = axes(s)
    return np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / np.float32(width)).astype(np.float32)
with SaliencyWriter(os.path.join(logdir, "swiperun")) as w:
    w.add("swipe/saliency", picture(1024), {"gradients": blob(1024, 0.3, 0.4, 0.02), "grad_cam": blob(1024, 0.6, 0.5, 0.05)}, 0)
# zoomrun: one 4096x4096 picture with 4 masks (two of its size, one a quarter, one a Grad-CAM's 128x128).
zmasks = {
    "gradients": blob(4096, 0.3, 0.5, 0.01),
    "smoothgrad": blob(4096, 0.5, 0.4, 0.02),
    "integrated_gradients": blob(1024, 0.6, 0.6, 0.015),
    "grad_cam": blob(128, 0.5, 0.5, 0.05),
}
with SaliencyWriter(os.path.join(logdir, "zoomrun")) as w:
    w.add("zoom/saliency", picture(4096), zmasks, 0)
`;

async function waitForTags(url, count, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/data/plugin/saliency/tags`);
      if (r.ok) {
        const tags = await r.json();
        const n = Object.values(tags).reduce((k, t) => k + Object.keys(t).length, 0);
        if (n >= count) return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`tensorboard at ${url} did not list ${count} saliency tags`);
}

/** Waits until tensorboard keeps `count` steps of `run`'s `tag`. */
async function waitForSteps(url, run, tag, count, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await fetch(`${url}/data/plugin/saliency/steps?run=${run}&tag=${encodeURIComponent(tag)}`);
    if (r.ok && (await r.json()).length >= count) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`tensorboard at ${url} did not keep ${count} steps of ${run} / ${tag}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN;
};

// ------------------------------------------------------------ setup

let url = arg("url");
let tb = null;
let logdir = null;
if (!url) {
  logdir = mkdtempSync(join(tmpdir(), "saliency-bench-"));
  const w = spawnSync(PYTHON, ["-c", WRITE, logdir], { stdio: "inherit" });
  if (w.status !== 0) throw new Error("writing the benchmark data failed");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  tb = spawn(
    PYTHON,
    [
      "-m",
      "tensorboard.main",
      "--logdir",
      logdir,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      `--load_fast=${arg("load_fast", "false")}`,
    ],
    { stdio: "ignore", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" } },
  );
}
await waitForTags(url, 203);
await waitForSteps(url, "filmrun", "film/saliency", FILM.steps);
await waitForSteps(url, "swiperun", "swipe/saliency", 1);
await waitForSteps(url, "zoomrun", "zoom/saliency", 1);

const browser = await launchChromium();
const rows = [];
const row = (what, value, unit, target, ok, note = "") => rows.push({ what, value, unit, target, ok, note });

/** A fresh page whose dashboard starts with the given remembered state
 * (and `init`, another script run in every page of it before its own). */
async function newPage({ hiddenRuns = [], tagFilter = "", viewport = { width: 1400, height: 900 }, init = null }) {
  const context = await browser.newContext({ viewport });
  if (init) await context.addInitScript(init.script, init.arg);
  await context.addInitScript(
    ([key, value]) => {
      try {
        if (window.location.pathname.includes("plugin_entry")) window.localStorage.setItem(key, value);
      } catch {
        // no storage
      }
    },
    [STORAGE_KEY, JSON.stringify({ hiddenRuns, tagFilter })],
  );
  const page = await context.newPage();
  return { context, page };
}

/** Waits for the first overlay the page paints (the end of its first recolor). */
function firstOverlay(frame) {
  return frame.waitForFunction((name) => performance.getEntriesByName(name).length > 0, TIMINGS.recolor, {
    timeout: 30000,
  });
}

/**
 * Runs in the plugin's page before its own scripts (newPage's `init`).
 * `window.benchGrid.rows()` gives the grid card's `.grid-view`, its rows, and
 * those in view: whose rect meets both the view's (it scrolls inside the card)
 * and the window's. A row is painted when its canvases have the image's width.
 * `firstFullPaint` is the page's clock (ms since navigation start) in the first
 * animation frame in which every row in view is painted.
 * @param {number} size the images' width.
 */
function gridProbe(size) {
  if (!window.location.pathname.includes("plugin_entry")) return;
  const meets = (a, b) => a.bottom > b.top && a.top < b.bottom && a.right > b.left && a.left < b.right;
  const probe = {
    firstFullPaint: null,
    atFirstFullPaint: null,
    rows() {
      const view = document.querySelector("article.card.grid-mode .grid-view");
      if (!view || !view.dataset.step) return null;
      const box = view.getBoundingClientRect();
      const win = { top: 0, left: 0, bottom: window.innerHeight, right: window.innerWidth };
      const rows = [...view.querySelectorAll(".grid-body .grid-row[data-sample]")];
      const inView = rows.filter((r) => {
        const b = r.getBoundingClientRect();
        return meets(b, box) && meets(b, win);
      });
      return { view, rows, inView };
    },
    painted(row) {
      const canvases = [...row.querySelectorAll("canvas.grid-canvas")];
      return canvases.length > 0 && canvases.every((c) => c.width === size);
    },
  };
  window.benchGrid = probe;
  const poll = () => {
    const g = probe.rows();
    if (g && g.inView.length && g.inView.every((r) => probe.painted(r))) {
      probe.firstFullPaint = performance.now();
      probe.atFirstFullPaint = { inView: g.inView.length, loaded: Number(g.view.dataset.loaded) };
    } else {
      requestAnimationFrame(poll);
    }
  };
  requestAnimationFrame(poll);
}

/**
 * The plugin page with `run` alone, its one card switched from the grid to the
 * single view and painted there.
 * @returns {Promise<{context:object, page:object, frame:object, card:object}>}
 */
/**
 * The difference column of the grid card in `frame` (run gridrun, every row
 * loaded first): for each ordered pair of its masks, the time from choosing
 * A and B in the grid's tools to the column painted (the change handlers,
 * then a 1-pixel read of the last difference cell, which makes Chromium draw
 * at once). Each pair is new to the page (its A − B and its pooled clip are computed).
 * @returns {Promise<{times:number[], pairs:string[], painted:number, rows:number}>}
 */
async function gridDifferenceTimes(frame, size, images) {
  await frame.waitForFunction(
    (n) => {
      const g = document.querySelector("article.card.grid-mode .grid-view");
      // The next row not loaded into view: each row loads as it scrolls in.
      g.querySelector(".grid-body .grid-row:not([data-loaded])")?.scrollIntoView({ block: "nearest" });
      return Number(g.dataset.loaded) === n;
    },
    images,
    { timeout: 30000, polling: 100 },
  );
  return frame.evaluate(async (size) => {
    const card = document.querySelector("article.card.grid-mode");
    const a = card.querySelector('[aria-label="Difference: mask A"]');
    const b = card.querySelector('[aria-label="Difference: mask B"]');
    const names = [...a.options].map((o) => o.value).filter(Boolean);
    const set = (el, v) => {
      el.value = v;
      el.dispatchEvent(new Event("change", { bubbles: true }));
    };
    const frameWait = () => new Promise((r) => requestAnimationFrame(() => r()));
    const times = [];
    const pairs = [];
    let painted = 0;
    for (const x of names) {
      for (const y of names) {
        if (x === y) continue;
        set(b, "");
        await frameWait();
        const t0 = performance.now();
        set(a, x);
        set(b, y);
        const cells = [...card.querySelectorAll(".grid-body .grid-difference canvas.grid-canvas")];
        cells.at(-1).getContext("2d").getImageData(0, 0, 1, 1);
        times.push(performance.now() - t0);
        pairs.push(`${x} − ${y}`);
        painted = cells.filter((c) => c.width === size).length;
      }
    }
    const rows = Number(card.querySelector(".grid-view").dataset.loaded);
    return { times, pairs, painted, rows };
  }, size);
}

async function openSingle(run, tag) {
  const { context, page } = await newPage({ hiddenRuns: only(run) });
  await page.goto(`${url}/data/plugin_entry.html?name=saliency`);
  const frame = await pluginFrame(page);
  const card = frame.locator(`article.card[aria-label="${run} / ${tag}"]`);
  await card.waitFor({ timeout: 30000 });
  const toggle = card.locator("button.view-toggle");
  await toggle.waitFor({ state: "visible", timeout: 60000 });
  if (await card.evaluate((c) => c.classList.contains("grid-mode"))) await toggle.click();
  await frame.waitForFunction(
    (name) => {
      const c = document.querySelector(`article.card[aria-label="${name}"]`);
      return c && !c.classList.contains("grid-mode") && c.dataset.step !== undefined;
    },
    `${run} / ${tag}`,
    { timeout: 60000 },
  );
  return { context, page, frame, card };
}

try {
  // ---------------------------------------------------------- repaint times, one 512x512 card
  {
    const { context, page } = await newPage({ hiddenRuns: only("big") });
    await page.goto(`${url}/data/plugin_entry.html?name=saliency`);
    const frame = await pluginFrame(page);
    await firstOverlay(frame);
    const result = await frame.evaluate(async (names) => {
      const panel = document.querySelector('section[aria-label="Settings"]');
      const control = (name) => panel.querySelector(`[aria-label="${name}"]`);
      const card = document.querySelector("article.card");
      const canvas = card.querySelector("canvas.composite");
      const size = [canvas.width, canvas.height];
      const frameWait = () => new Promise((r) => requestAnimationFrame(() => r()));
      // The duration of the page's last `kind` measure made by apply(i), and of the whole handler.
      const run = async (kind, n, apply) => {
        const times = [];
        const handler = [];
        for (let i = 0; i < n; i++) {
          const from = performance.getEntriesByName(names[kind]).length;
          const t0 = performance.now();
          apply(i);
          handler.push(performance.now() - t0);
          const mine = performance.getEntriesByName(names[kind]).slice(from);
          if (mine.length) times.push(mine[mine.length - 1].duration);
          if (i % 10 === 0) await frameWait();
        }
        return { times, handler };
      };
      const set = (el, v, type) => {
        el.value = String(v);
        el.dispatchEvent(new Event(type, { bubbles: true }));
      };
      // warm up
      await run("paint", 20, (i) => set(control("Opacity"), (i % 100) / 100, "input"));
      const opacity = await run("paint", 200, (i) => set(control("Opacity"), ((i * 37) % 101) / 100, "input"));
      const maps = ["viridis", "magma", "turbo", "jet", "gray", "inferno"];
      await run("recolor", 6, (i) => set(control("Colormap"), maps[i % maps.length], "change"));
      const colormap = await run("recolor", 60, (i) => set(control("Colormap"), maps[i % maps.length], "change"));
      const clips = [99, 98, 97, 95, 90, 99.5, 99.9];
      const clip = await run("recolor", 60, (i) => set(control("Clip percentile"), clips[i % clips.length], "input"));
      // The same paint (moved through the card's own Opacity control) followed by
      // a 1-pixel read, which makes Chromium run the queued drawImage calls now
      // instead of at the next frame: the paint measure plus the read.
      const flushed = { times: [], handler: [] };
      const own = card.querySelector('details.card-overrides [aria-label="Opacity"]');
      const ctx = canvas.getContext("2d");
      for (let i = 0; i < 100; i++) {
        const from = performance.getEntriesByName(names.paint).length;
        const t0 = performance.now();
        set(own, ((i * 37) % 101) / 100, "input");
        const t1 = performance.now();
        ctx.getImageData(0, 0, 1, 1);
        const t2 = performance.now();
        const paint = performance.getEntriesByName(names.paint).slice(from);
        flushed.times.push(paint[paint.length - 1].duration + (t2 - t1));
        flushed.handler.push(t2 - t0);
      }
      return { size, opacity, colormap, clip, flushed };
    }, TIMINGS);
    const sz = `${result.size[0]}x${result.size[1]}`;
    for (const [name, key, target] of [
      ["Opacity moves", "opacity", 1],
      ["Opacity moves, drawing flushed by a 1-px read", "flushed", 1],
      ["Colormap changes", "colormap", 4],
      ["Clip percentile changes", "clip", 4],
    ]) {
      const m = median(result[key].times);
      row(
        `repaint ${sz} overlay: ${name} (median of ${result[key].times.length})`,
        m.toFixed(3),
        "ms",
        `<= ${target} ms`,
        m <= target,
        `whole input handler ${median(result[key].handler).toFixed(3)} ms`,
      );
    }
    await context.close();
  }

  // ---------------------------------------------------------- first overlay, 50 cards
  // (a) TensorBoard already open on another dashboard; click the Saliency tab.
  // (b) a cold load of TensorBoard's page at /#saliency (its own ~6 MB app first).
  // (c) a cold load of the plugin's iframe page alone.
  for (const [where, path, click] of [
    ["click the Saliency tab in an open TensorBoard", "/#timeseries", true],
    ["cold load of TensorBoard's page /#saliency", "/#saliency", false],
    ["cold load of the plugin iframe page", "/data/plugin_entry.html?name=saliency", false],
  ]) {
    const times = [];
    const notes = [];
    for (let k = 0; k < 3; k++) {
      const { context, page } = await newPage({ hiddenRuns: only("many"), tagFilter: "^t0[0-4]" });
      let t0 = Date.now();
      await page.goto(`${url}${path}`);
      if (click) {
        const tab = page.getByRole("tab", { name: /saliency/i }).first();
        await tab.waitFor({ timeout: 30000 });
        await page.waitForTimeout(1000);
        t0 = Date.now();
        await tab.click();
      }
      const frame = await pluginFrame(page);
      await firstOverlay(frame);
      // The end of the first recolor, as epoch ms, and as ms since the iframe started.
      const [first, origin] = await frame.evaluate((name) => {
        const e = performance.getEntriesByName(name)[0];
        return [performance.timeOrigin + e.startTime + e.duration, performance.timeOrigin];
      }, TIMINGS.recolor);
      const cards = await frame.evaluate(() => document.querySelectorAll("article").length);
      if (cards !== 50) throw new Error(`expected 50 cards, got ${cards}`);
      times.push(first - t0);
      notes.push(first - origin);
      await context.close();
    }
    const m = median(times);
    // A cold load of TensorBoard's page spends most of its time in TensorBoard's
    // own app before the plugin's iframe exists: shown for information.
    const info = path === "/#saliency";
    row(
      `open tab -> first overlay, 50 cards: ${where} (median of 3)`,
      (m / 1000).toFixed(3),
      "s",
      info ? "info only" : "<= 1.5 s",
      info ? null : m <= 1500,
      `iframe start -> first overlay ${(median(notes) / 1000).toFixed(3)} s`,
    );
  }

  // ---------------------------------------------------------- blob requests, 200 cards
  {
    const { context, page } = await newPage({
      hiddenRuns: only("many"),
      tagFilter: "^t",
      viewport: { width: 1280, height: 760 },
    });
    const blobs = [];
    page.on("request", (r) => {
      if (r.url().includes("/data/plugin/saliency/blob?")) blobs.push(r.url());
    });
    await page.goto(`${url}/data/plugin_entry.html?name=saliency`);
    const frame = await pluginFrame(page);
    await firstOverlay(frame);
    await page.waitForTimeout(2000); // let anything else that would load, load
    const info = await frame.evaluate(() => {
      const cards = [...document.querySelectorAll("article")];
      const inView = cards.filter((c) => {
        const r = c.getBoundingClientRect();
        return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
      });
      const loaded = document.querySelectorAll("article.card[data-step]").length; // painted cards
      return { cards: cards.length, inView: inView.length, loaded };
    });
    const perCard = 2; // the image and the selected mask
    row(
      `blob requests, ${info.cards} cards, ${info.inView} in view`,
      String(blobs.length),
      "requests",
      `<= ${perCard * info.inView} (in-view cards only)`,
      blobs.length <= perCard * info.inView && info.loaded <= info.inView,
      `${info.loaded} cards loaded`,
    );
    await context.close();
  }

  // ---------------------------------------------------------- grid, 16 images x (image + 4 masks) at 224x224
  const gridName = `grid ${GRID.images} x ${1 + GRID.masks} cells at ${GRID.size}x${GRID.size}`;
  /** The plugin page with run gridrun alone, once every grid row in view is painted. */
  const openGrid = async (onPage = () => {}) => {
    const { context, page } = await newPage({
      hiddenRuns: only("gridrun"),
      init: { script: gridProbe, arg: GRID.size },
    });
    onPage(page);
    await page.goto(`${url}/data/plugin_entry.html?name=saliency`);
    const frame = await pluginFrame(page);
    await frame.waitForFunction(() => window.benchGrid.firstFullPaint !== null, null, { timeout: 30000 });
    const cards = await frame.evaluate(() => [
      document.querySelectorAll("article").length,
      document.querySelectorAll("article.card.grid-mode").length,
    ]);
    if (cards.join() !== "1,1") throw new Error(`expected one grid card, got ${cards[0]} cards, ${cards[1]} grids`);
    return { context, page, frame };
  };

  // Navigation -> every row in view painted, as the page's clock tells it.
  {
    const times = [];
    const notes = [];
    for (let k = 0; k < 3; k++) {
      const { context, frame } = await openGrid();
      const r = await frame.evaluate(() => ({
        t: window.benchGrid.firstFullPaint,
        ...window.benchGrid.atFirstFullPaint,
        rows: window.benchGrid.rows().rows.length,
      }));
      times.push(r.t);
      notes.push(r);
      await context.close();
    }
    const m = median(times);
    const n = notes[0];
    row(
      `open tab -> ${gridName}: first full paint, cold load of the plugin iframe page (median of 3)`,
      (m / 1000).toFixed(3),
      "s",
      "<= 1 s",
      m <= 1000,
      `${n.inView} of ${n.rows} rows in view; ${n.loaded} rows painted then; runs ${times.map((t) => (t / 1000).toFixed(3)).join(", ")} s`,
    );
  }

  // Blob requests while it opens; then the global Opacity and Colormap over the loaded grid.
  {
    const blobs = [];
    const { context, page, frame } = await openGrid((p) =>
      p.on("request", (r) => {
        if (r.url().includes("/data/plugin/saliency/blob?")) blobs.push(r.url());
      }),
    );
    await page.waitForTimeout(2000); // let anything else that would load, load
    const requests = blobs.length;
    const info = await frame.evaluate(() => {
      const g = window.benchGrid.rows();
      return { rows: g.rows.length, inView: g.inView.length, loaded: Number(g.view.dataset.loaded) };
    });
    const perRow = 1 + GRID.masks; // the image and every mask
    row(
      `${gridName}: blob requests, ${info.rows} rows, ${info.inView} in view`,
      String(requests),
      "requests",
      `<= ${perRow * info.inView} (in-view rows only)`,
      requests <= perRow * info.inView && info.loaded <= info.inView,
      `${info.loaded} rows loaded (data-loaded)`,
    );

    const result = await frame.evaluate(
      async ({ paint, size }) => {
        const control = (name) => document.querySelector(`aside [aria-label="${name}"]`);
        const set = (el, v, type) => {
          el.value = String(v);
          el.dispatchEvent(new Event(type, { bubbles: true }));
        };
        const frameWait = () => new Promise((r) => requestAnimationFrame(() => r()));
        // The synchronous handler time of apply(i), and the paint measures it made; one frame between.
        const run = async (n, apply) => {
          const handler = [];
          const paints = [];
          for (let i = 0; i < n; i++) {
            const from = performance.getEntriesByName(paint).length;
            const t0 = performance.now();
            apply(i);
            handler.push(performance.now() - t0);
            paints.push(performance.getEntriesByName(paint).length - from);
            await frameWait();
          }
          return { handler, paints };
        };
        const opacity = (i) => set(control("Opacity"), ((i * 37) % 101) / 100, "input");
        await run(10, opacity); // warm up
        const opacityRun = await run(50, opacity);
        const maps = ["viridis", "inferno", "magma", "gray"];
        const colormap = (i) => set(control("Colormap"), maps[i % maps.length], "change");
        await run(4, colormap);
        const colormapRun = await run(20, colormap);
        const canvases = [...document.querySelectorAll("article.card.grid-mode canvas.grid-canvas")];
        const cells = canvases.filter((c) => c.width === size).length;
        return {
          opacity: opacityRun,
          colormap: colormapRun,
          cells,
          rows: Number(document.querySelector(".grid-view").dataset.loaded),
        };
      },
      { paint: TIMINGS.paint, size: GRID.size },
    );
    for (const [name, key, target] of [
      ["opacity", "opacity", 2],
      ["colormap", "colormap", 40],
    ]) {
      const r = result[key];
      const m = median(r.handler);
      row(
        `${gridName}: ${name} change, whole grid (median of ${r.handler.length})`,
        m.toFixed(3),
        "ms",
        `<= ${target} ms`,
        m <= target,
        `input handler; ${result.cells} cells painted (${result.rows} rows), ${median(r.paints)} paint measures per change`,
      );
    }
    await context.close();
  }

  // ---------------------------------------------------------- the grid's difference column, 16 rows
  {
    const { context, frame } = await openGrid();
    const r = await gridDifferenceTimes(frame, GRID.size, GRID.images);
    const m = median(r.times);
    row(
      `${gridName}: a difference column for a ${r.rows}-row grid, choose A and B -> column painted (median of ${r.times.length} pairs)`,
      m.toFixed(3),
      "ms",
      "<= 40 ms",
      m <= 40,
      `${r.painted} difference cells painted; first pair (${r.pairs[0]}) ${r.times[0].toFixed(1)} ms, slowest ${Math.max(...r.times).toFixed(1)} ms`,
    );
    await context.close();
  }

  // ---------------------------------------------------------- filmstrip, 50 steps at 224x224
  {
    const times = [];
    const notes = [];
    for (let k = 0; k < 3; k++) {
      const { context, page } = await newPage({ hiddenRuns: only("filmrun") });
      let blobs = 0;
      page.on("request", (r) => {
        if (r.url().includes("/data/plugin/saliency/blob?")) blobs++;
      });
      await page.goto(`${url}/data/plugin_entry.html?name=saliency`);
      const frame = await pluginFrame(page);
      await firstOverlay(frame); // the single view painted: the card has its data
      const before = blobs;
      // Tick the card's Filmstrip box; the page's clock until all frames are painted.
      const r = await frame.evaluate(
        async ({ steps, size, timeoutMs }) => {
          const cards = document.querySelectorAll("article.card");
          if (cards.length !== 1 || cards[0].classList.contains("grid-mode")) {
            return { error: `expected one single-view card, got ${cards.length}` };
          }
          const box = cards[0].querySelector('input[type=checkbox][aria-label="Filmstrip"]');
          const strip = cards[0].querySelector(".filmstrip");
          const done = () => {
            const canvases = [...strip.querySelectorAll("canvas.film-canvas")];
            return (
              strip.dataset.loaded === String(steps) &&
              canvases.length === steps &&
              canvases.every((c) => c.width === size)
            );
          };
          const t0 = performance.now();
          box.checked = true;
          box.dispatchEvent(new Event("change", { bubbles: true }));
          const t = await new Promise((resolve) => {
            const poll = () => {
              const now = performance.now();
              if (done()) resolve(now - t0);
              else if (now - t0 > timeoutMs) resolve(null);
              else requestAnimationFrame(poll);
            };
            poll();
          });
          return { t, loaded: strip.dataset.loaded };
        },
        { steps: FILM.steps, size: FILM.size, timeoutMs: 30000 },
      );
      if (r.error) throw new Error(r.error);
      if (r.t === null) throw new Error(`the filmstrip painted ${r.loaded} of ${FILM.steps} frames in 30 s`);
      times.push(r.t);
      notes.push(blobs - before);
      await context.close();
    }
    const m = median(times);
    row(
      `filmstrip of ${FILM.steps} steps at ${FILM.size}x${FILM.size}: tick Filmstrip -> all frames painted (median of 3)`,
      (m / 1000).toFixed(3),
      "s",
      "<= 1 s",
      m <= 1000,
      `${notes[0]} blob requests after the tick; runs ${times.map((t) => (t / 1000).toFixed(3)).join(", ")} s`,
    );
  }

  // ---------------------------------------------------------- swipe drag, two 1024x1024 masks
  {
    const { context, page, frame, card } = await openSingle("swiperun", "swipe/saliency");
    await card.getByLabel("Compare with", { exact: true }).selectOption("grad_cam");
    const composite = card.locator("canvas.composite");
    await composite.and(frame.locator('[aria-label$="left, grad_cam right"]')).waitFor({ timeout: 30000 });
    const divider = card.getByRole("slider", { name: /Swipe divider/ });
    const handle = await divider.boundingBox();
    const box = await composite.boundingBox();
    // After the page's own handler of each move: how many paint measures there
    // are, and the time of a 1-pixel read, which makes Chromium run the queued drawing now.
    const from = await frame.evaluate((name) => {
      const c = document.querySelector("article.card");
      const ctx = c.querySelector("canvas.composite").getContext("2d");
      window.benchSwipe = [];
      c.querySelector(".swipe-divider").addEventListener("pointermove", () => {
        const t = performance.now();
        const n = performance.getEntriesByName(name).length;
        ctx.getImageData(0, 0, 1, 1);
        window.benchSwipe.push({ n, read: performance.now() - t });
      });
      return performance.getEntriesByName(name).length;
    }, TIMINGS.paint);
    const y = box.y + box.height / 2;
    await page.mouse.move(handle.x + handle.width / 2, y);
    await page.mouse.down();
    for (let i = 1; i <= SWIPE.moves; i++)
      await page.mouse.move(box.x + box.width * (0.5 - 0.45 * Math.cos((Math.PI * i) / SWIPE.moves)), y);
    await page.mouse.up();
    const r = await frame.evaluate(
      ([name, from]) => {
        const all = performance.getEntriesByName(name);
        const moves = window.benchSwipe;
        // A move that painted: its paint measure plus the read after it.
        const flushed = moves
          .filter((m, k) => m.n > (k ? moves[k - 1].n : from))
          .map((m) => all[m.n - 1].duration + m.read);
        return { times: all.slice(from).map((e) => e.duration), flushed };
      },
      [TIMINGS.paint, from],
    );
    const m = median(r.times);
    const size = `${SWIPE.size}x${SWIPE.size}`;
    const at = await divider.getAttribute("aria-valuenow");
    row(
      `swipe of two ${size} masks: divider dragged across in ${SWIPE.moves} pointer moves, paint per move (median of ${r.times.length})`,
      m.toFixed(3),
      "ms",
      "<= 8 ms",
      m <= 8,
      `${(m / 8).toFixed(2)} of the target; drawing flushed by a 1-px read ${median(r.flushed).toFixed(3)} ms ` +
        `(${(median(r.flushed) / 8).toFixed(2)} of it); divider left at ${at} %`,
    );
    await context.close();
  }

  // ---------------------------------------------------------- zoom steps, 4096x4096 image, 4 masks side by side
  {
    const { context, frame, card } = await openSingle("zoomrun", "zoom/saliency");
    await card.getByLabel("Side by side", { exact: true }).check();
    const panels = "article.card .panels:not([hidden]) figure.panel canvas:not(.region-layer)";
    await frame.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n, [panels, 1 + ZOOM.masks], {
      timeout: 60000,
    });
    const r = await frame.evaluate(
      async ({ paint, steps, panels }) => {
        const canvas = document.querySelector("article.card canvas.composite");
        const pictures = [canvas, ...document.querySelectorAll(panels)];
        const frameWait = () => new Promise((res) => requestAnimationFrame(() => res()));
        const rect = canvas.getBoundingClientRect();
        const at = { clientX: rect.left + rect.width * 0.3, clientY: rect.top + rect.height * 0.4 };
        const handler = [];
        const flushed = [];
        const paints = [];
        canvas.focus(); // a plain wheel zooms a picture that has the focus (clicked or tabbed to)
        await frameWait();
        for (let i = 0; i < steps; i++) {
          const from = performance.getEntriesByName(paint).length;
          const wheel = new WheelEvent("wheel", { deltaY: -100, deltaMode: 0, bubbles: true, cancelable: true, ...at });
          const t0 = performance.now();
          canvas.dispatchEvent(wheel);
          handler.push(performance.now() - t0);
          // A 1-pixel read of every picture makes Chromium run their queued drawing now.
          for (const c of pictures) c.getContext("2d").getImageData(0, 0, 1, 1);
          flushed.push(performance.now() - t0);
          paints.push(
            ...performance
              .getEntriesByName(paint)
              .slice(from)
              .map((e) => e.duration),
          );
          await frameWait();
        }
        const zoom = document.querySelector("article.card output.zoom-status")?.textContent ?? "";
        return { handler, flushed, paints, zoom, pictures: pictures.length };
      },
      { paint: TIMINGS.paint, steps: ZOOM.steps, panels },
    );
    if (!r.zoom.includes("×")) throw new Error(`the wheel did not zoom the picture in: "${r.zoom}"`);
    const m = median(r.handler);
    const f = median(r.flushed);
    const size = `${ZOOM.size}x${ZOOM.size}`;
    row(
      `zoom step on a ${size} image with ${ZOOM.masks} masks side by side: wheel handler per step, every picture repainted (median of ${r.handler.length})`,
      m.toFixed(3),
      "ms",
      "<= 16 ms",
      m <= 16,
      `${(m / 16).toFixed(2)} of the target; ${r.pictures} pictures; drawing flushed by a 1-px read of each ` +
        `${f.toFixed(3)} ms (${(f / 16).toFixed(2)} of it); composite's paint measure ${median(r.paints).toFixed(3)} ms; ${r.zoom}`,
    );
    await context.close();
  }
} finally {
  await browser.close();
  if (tb) {
    tb.kill("SIGTERM");
    await new Promise((r) => tb.once("exit", r));
  }
  if (logdir) rmSync(logdir, { recursive: true, force: true });
}

// ------------------------------------------------------------ table
const header = ["figure", "value", "unit", "target", "ok", "note"];
const table = rows.map((r) => [
  r.what,
  r.value,
  r.unit,
  r.target,
  r.ok === null ? "-" : r.ok ? "ok" : "NOT OK",
  r.note,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
console.log(`\nSaliency dashboard, headless Chromium (${url})`);
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const t of table) console.log(line(t));
process.exit(rows.every((r) => r.ok !== false) ? 0 : 1);
