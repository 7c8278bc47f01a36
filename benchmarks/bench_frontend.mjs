// Benchmark of the Saliency dashboard in headless Chromium (playwright-core +
// Debian chromium):
//  - median repaint time of one 512x512 overlay when "Opacity" moves
//    (target <= 1 ms), and when "Colormap" or "Clip percentile" changes
//    (<= 4 ms): the durations of the page's own performance measures
//    "saliency:paint" and "saliency:recolor" (frontend/timing.js);
//  - time from opening the tab to the first overlay painted with 50 cards
//    (<= 1.5 s on 127.0.0.1);
//  - blob requests with 200 cards of which 6 are in view (target: only those).
//
//   node benchmarks/bench_frontend.mjs                 # writes data, starts tensorboard
//   node benchmarks/bench_frontend.mjs --url http://127.0.0.1:6006   # a running one, same data
//
// The data: run `big` (tag `big/saliency`, one 512x512 RGB image with a 512x512
// mask) and run `many` (tags t000..t199, 64x64 with one mask). Which cards show
// is set through the dashboard's remembered run selection and tag filter.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TIMINGS } from "../frontend/timing.js";
import { arg, launchChromium, pluginFrame } from "../tests/browser.mjs";

const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
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
`;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

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
await waitForTags(url, 201);

const browser = await launchChromium();
const rows = [];
const row = (what, value, unit, target, ok, note = "") => rows.push({ what, value, unit, target, ok, note });

/** A fresh page whose dashboard starts with the given remembered state. */
async function newPage({ hiddenRuns = [], tagFilter = "", viewport = { width: 1400, height: 900 } }) {
  const context = await browser.newContext({ viewport });
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

try {
  // ---------------------------------------------------------- repaint times, one 512x512 card
  {
    const { context, page } = await newPage({ hiddenRuns: ["many"] });
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
      const { context, page } = await newPage({ hiddenRuns: ["big"], tagFilter: "^t0[0-4]" });
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
      hiddenRuns: ["big"],
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
