// The README's two pictures of the dashboard, taken from the demo's log directory
// (`tensorboard-saliency demo --no-serve`) on a real TensorBoard: starts the given
// `tensorboard` on 127.0.0.1 and a free port, opens TensorBoard's own page at
// /#saliency in headless Chromium and writes
//   OUT/screenshot.png  the page with the demo's card as a grid (one row per
//                       validation image, its image and one overlay per method)
//   OUT/filmstrip.png   that card in its single view with its filmstrip ticked
//                       (one image and mask at every kept step)
// `make screenshot` runs it (and the demo's training first when LOGDIR has no logs).
//
//   node tools/screenshots.mjs --logdir /tmp/saliency-demo --tensorboard .venv/bin/tensorboard \
//     [--out docs] [--mask smoothgrad] [--sample 1] [--width 1200] [--height 1000]

import { spawn } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { arg, freePort, launchChromium, pluginFrame } from "../tests/browser.mjs";

// The widest the card layout (columns of 300 px or more, 16 px apart) keeps one column.
const FILM_LAYOUT_WIDTH = 615;
const RUN = "saliency"; // what the demo writes: LOGDIR/saliency, tag validation/shapes
const TAG = "validation/shapes";
const CARD = `${RUN} / ${TAG}`;

const logdir = arg("logdir");
const tensorboard = arg("tensorboard", "tensorboard");
const out = arg("out", "docs");
const mask = arg("mask", "smoothgrad");
const sample = Number(arg("sample", "1")); // 1-based, as the grid's labels
const VIEWPORT = { width: Number(arg("width", "1200")), height: Number(arg("height", "1000")) };
if (!logdir) {
  console.error("usage: node tools/screenshots.mjs --logdir DIR [--tensorboard PATH] [--out DIR] [--mask NAME]");
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Starts `tensorboard --logdir logdir` and waits until it lists the demo's tag
 * with the same kept steps for a second (the backend loads in the background).
 * @returns {Promise<{process: import("node:child_process").ChildProcess, url: string, steps: object[], info: object}>}
 */
async function startTensorBoard(timeoutMs = 120000) {
  const port = await freePort();
  const args = ["--logdir", logdir, "--host", "127.0.0.1", "--port", String(port)];
  const child = spawn(tensorboard, args, {
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk) => (log = (log + chunk).slice(-4000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = null;
  child.on("exit", (code) => (exited = code));
  child.on("error", (e) => (exited = e.message));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let last = null;
  let since = 0;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${tensorboard} exited (${exited}):\n${log}`);
    try {
      const tags = await getJson(`${url}/data/plugin/saliency/tags`);
      const info = tags[RUN]?.[TAG];
      if (info) {
        const query = `run=${encodeURIComponent(RUN)}&tag=${encodeURIComponent(TAG)}`;
        const steps = await getJson(`${url}/data/plugin/saliency/steps?${query}`);
        const key = JSON.stringify([info, steps]);
        if (key !== last) [last, since] = [key, Date.now()];
        else if (Date.now() - since >= 1000) return { process: child, url, steps, info };
      }
    } catch {
      // Not answering yet, or still loading.
    }
    await sleep(200);
  }
  child.kill();
  throw new Error(`${tensorboard} did not list ${CARD} in ${logdir} within ${timeoutMs / 1000} s:\n${log}`);
}

/** The rectangle of `locator` (inside the plugin's iframe) in the page's coordinates. */
async function pageBox(locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error("element not shown");
  return box;
}

function report(path) {
  console.log(`wrote ${path} (${Math.round(statSync(path).size / 1024)} KB)`);
}

const board = await startTensorBoard();
const { url, steps, info } = board;
console.log(`${CARD}: ${steps.length} kept steps, ${info.samples} images, masks ${info.masks.join(", ")}`);
if (!info.masks.includes(mask)) throw new Error(`no mask ${mask} in ${CARD} (it has ${info.masks.join(", ")})`);
mkdirSync(out, { recursive: true });
const browser = await launchChromium();
let failed = false;
try {
  const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page, 60000);
  const card = frame.locator(`article.card[aria-label="${CARD}"]`);
  const grid = card.locator(".grid-view");

  // 1. The grid: every row inside the grid's own scroll box painted, with its colour bars.
  await frame.locator(`article.card.grid-mode[aria-label="${CARD}"]`).waitFor({ timeout: 30000 });
  await frame.waitForFunction(
    (name) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const grid = card?.querySelector(".grid-view");
      if (!grid || grid.dataset.loaded === undefined) return false;
      const box = grid.getBoundingClientRect();
      const rows = [...grid.querySelectorAll(".grid-body .grid-row")];
      const inView = rows.filter((r) => {
        const b = r.getBoundingClientRect();
        return b.bottom > box.top && b.top < box.bottom;
      });
      const bars = [...grid.querySelectorAll(".grid-colorbar")];
      return (
        inView.length > 0 &&
        inView.every((r) => r.dataset.loaded === "1") &&
        Number(grid.dataset.loaded) >= inView.length &&
        bars.every((b) => b.childElementCount > 0)
      );
    },
    CARD,
    { timeout: 30000 },
  );
  await page.waitForTimeout(300); // the last paint reaches the screen
  const cardBox = await pageBox(card);
  const gridBox = await pageBox(grid);
  // TensorBoard's header and tabs, the side panel, and the card down to its grid's last row shown.
  const bottom = Math.min(VIEWPORT.height, Math.ceil(gridBox.y + gridBox.height + 2));
  const right = Math.min(VIEWPORT.width, Math.ceil(cardBox.x + cardBox.width + 12));
  const shot = join(out, "screenshot.png");
  await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: right, height: bottom } });
  report(shot);

  // 2. The single view of one image and mask, with its filmstrip.
  await grid.getByRole("button", { name: `Open image ${sample} with mask ${mask}`, exact: true }).click();
  await frame.waitForFunction(
    ([name, sample, mask]) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return (
        card && !card.classList.contains("grid-mode") && card.dataset.mask === mask && card.dataset.sample === sample
      );
    },
    [CARD, String(sample - 1), mask],
    { timeout: 30000 },
  );
  await card.locator('input[aria-label="Filmstrip"]').check();
  await frame.waitForFunction(
    ([name, count]) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const film = card?.querySelector(".filmstrip");
      return film && !film.hidden && film.dataset.loaded === String(count);
    },
    [CARD, steps.length],
    { timeout: 30000 },
  );
  // The card alone in its row, as wide as a one-column layout lets it be, so the
  // filmstrip shows as many steps as it can; then the page as tall as the card.
  const layout = frame.locator(".grid").filter({ has: card });
  const width = VIEWPORT.width - ((await layout.evaluate((e) => e.clientWidth)) - FILM_LAYOUT_WIDTH);
  await page.setViewportSize({ width, height: VIEWPORT.height });
  await layout.evaluate(
    (e, w) => new Promise((resolve) => (e.clientWidth === w ? resolve() : new ResizeObserver(resolve).observe(e))),
    FILM_LAYOUT_WIDTH,
  );
  const cardBottom = await pageBox(card).then((b) => Math.ceil(b.y + b.height));
  await page.setViewportSize({ width, height: Math.max(VIEWPORT.height, cardBottom + 40) });
  await card.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const film = join(out, "filmstrip.png");
  await card.screenshot({ path: film });
  report(film);
  if (errors.length) throw new Error(`script errors in the page: ${errors.join(" | ")}`);
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
} finally {
  await browser.close();
  board.process.kill();
}
process.exit(failed ? 1 : 0);
