// The dashboard's pictures, taken from the demo's log directory
// (`tensorboard-saliency demo --no-serve`) on a real TensorBoard: starts the given
// `tensorboard` on 127.0.0.1 and a free port, opens TensorBoard's own page at
// /#saliency in headless Chromium and writes
//   OUT/screenshot.png  the page with the demo's card as a grid (one row per
//                       validation image, its image and one overlay per method)
//   OUT/filmstrip.png   that card in its single view with its filmstrip ticked
//                       (one image and mask at every kept step)
// and, for the dashboard guide (docs/guides/dashboard.md, whose numbered lists
// name what each badge points at), the views with numbered badges drawn over them:
//   OUT/dashboard-grid.png         the grid's controls, summary, column titles and first row
//   OUT/dashboard-beside-step.png  the grid with the first kept step beside the card's step
//   OUT/dashboard-single.png       the single view: overlay, hover readout, colour bar,
//                                  scores and faithfulness curves, step / sample / mask
//   OUT/dashboard-filmstrip.png    the filmstrip and the controls that choose what it shows
// `make screenshot` runs it (and the demo's training first when LOGDIR has no logs).
// The badges are elements added inside the plugin's iframe for the picture and removed after it.
//
//   node tools/screenshots.mjs --logdir /tmp/saliency-demo --tensorboard .venv/bin/tensorboard \
//     [--out docs] [--mask smoothgrad] [--sample 1] [--width 1200] [--height 1000] [--guide-width 1280]

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
// The guide's annotated pictures: a page this wide, as tall as what they show.
const GUIDE_WIDTH = Number(arg("guide-width", "1280"));
// The single view's card in the guide: narrower than the filmstrip's, for a smaller picture.
const SINGLE_LAYOUT_WIDTH = 580;
// Where the pointer hovers the single view's image (fractions of its width and height): on the demo's square.
const POINTER = [0.3, 0.62];
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

/**
 * Waits until the grid of the card has painted every row in its scroll box, with its colour bars
 * (and, with `groups`, that many sources side by side).
 */
async function gridPainted(frame, groups = 1) {
  await frame.waitForFunction(
    ([name, groups]) => {
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
      const sources = groups > 1 ? grid.querySelectorAll(".grid-group-title").length : 1;
      return (
        sources === groups &&
        inView.length > 0 &&
        inView.every((r) => r.dataset.loaded === "1") &&
        Number(grid.dataset.loaded) >= inView.length &&
        bars.length > 0 &&
        bars.every((b) => b.childElementCount > 0)
      );
    },
    [CARD, groups],
    { timeout: 30000 },
  );
}

/**
 * Draws badge `n` (a numbered disc) next to the first element of `locator`, inside
 * its document, at a fixed place on the screen (nothing scrolls before the picture).
 * `where`: "left" or "right" of the element, centred on its height ("room": left,
 * in the margin annotated() made for it); "inside" its top-left corner; `dx`, `dy`
 * move it further.
 */
async function badge(locator, n, where = "left", dx = 0, dy = 0) {
  await locator.first().evaluate(
    (target, [n, where, dx, dy]) => {
      const size = 22;
      const r = target.getBoundingClientRect();
      const middle = r.top + r.height / 2 - size / 2;
      const at = {
        left: [r.left - size - 3, middle],
        room: [r.left - size - 3, middle],
        right: [r.right + 3, middle],
        inside: [r.left + 4, r.top + 4],
      }[where];
      const b = target.ownerDocument.createElement("div");
      b.className = "screenshot-badge";
      b.textContent = String(n);
      Object.assign(b.style, {
        position: "fixed",
        left: `${Math.round(at[0] + dx)}px`,
        top: `${Math.round(at[1] + dy)}px`,
        width: `${size}px`,
        height: `${size}px`,
        boxSizing: "border-box",
        borderRadius: "50%",
        border: "2px solid #fff",
        background: "#1565c0",
        color: "#fff",
        font: "bold 12px/18px Roboto, Arial, sans-serif",
        textAlign: "center",
        boxShadow: "0 0 0 1px #1565c0, 0 1px 3px rgba(0,0,0,0.6)",
        zIndex: "2147483647",
        pointerEvents: "none",
      });
      target.ownerDocument.body.append(b);
    },
    [n, where, dx, dy],
  );
}

/**
 * The badges' room: the card gets a wider left padding (a gutter for the badges of
 * the elements along its left edge), and each element of a "room" mark a left
 * margin for its badge. Only for the picture: annotated() takes it away after.
 */
const ROOM_CSS = `
  article.card.screenshot-gutter { padding-left: 38px !important; }
  .screenshot-room { margin-left: 28px !important; }
`;

/**
 * An annotated picture: makes the badges' room (ROOM_CSS) in `card`, runs `ready`
 * (waits for what the new layout repaints), draws `marks` ([locator, n, where, dx,
 * dy]), takes the picture of `clip()` (page coordinates, kept inside the viewport)
 * into OUT/name, then removes the badges and their room.
 */
async function annotated(page, frame, card, name, { marks, clip, ready }) {
  await frame.evaluate((css) => {
    const style = document.createElement("style");
    style.className = "screenshot-badge";
    style.textContent = css;
    document.head.append(style);
  }, ROOM_CSS);
  await card.evaluate((c) => c.classList.add("screenshot-gutter"));
  for (const [locator, , where] of marks) {
    if (where === "room") await locator.first().evaluate((e) => e.classList.add("screenshot-room"));
  }
  await page.waitForTimeout(200);
  if (ready) await ready();
  for (const [locator, n, where, dx, dy] of marks) await badge(locator, n, where, dx, dy);
  await page.waitForTimeout(200);
  const area = await clip();
  const size = page.viewportSize();
  const x = Math.max(0, Math.floor(area.x));
  const y = Math.max(0, Math.floor(area.y));
  const box = {
    x,
    y,
    width: Math.min(size.width, Math.ceil(area.x + area.width)) - x,
    height: Math.min(size.height, Math.ceil(area.y + area.height)) - y,
  };
  const path = join(out, name);
  await page.screenshot({ path, clip: box });
  await frame.evaluate(() => {
    for (const e of document.querySelectorAll(".screenshot-badge")) e.remove();
    for (const e of document.querySelectorAll(".screenshot-room, .screenshot-gutter"))
      e.classList.remove("screenshot-room", "screenshot-gutter");
  });
  report(path);
  const bytes = statSync(path).size;
  if (bytes > 250 * 1024) console.warn(`warning: ${path} is over 250 KB`);
}

/** The control row (a label with its text `text`) of `scope`. */
function control(frame, scope, text) {
  return scope
    .locator("label.control")
    .filter({ has: frame.locator(":scope > .control-label", { hasText: new RegExp(`^${text}$`) }) });
}

/** Grows the page until the whole card fits in it (a picture is taken only of what the page shows). */
async function fitCard(page, card, width) {
  const bottom = await pageBox(card).then((b) => Math.ceil(b.y + b.height));
  const height = Math.max(page.viewportSize().height, bottom + 40);
  await page.setViewportSize({ width, height });
}

/** The card's layout (the CSS grid of cards) this wide, by setting the page's width: returns that width. */
async function layoutWidth(page, frame, card, wanted) {
  const layout = frame.locator(".grid").filter({ has: card });
  const { width: now, height } = page.viewportSize();
  const width = now - ((await layout.evaluate((e) => e.clientWidth)) - wanted);
  await page.setViewportSize({ width, height });
  await layout.evaluate(
    (e, w) => new Promise((resolve) => (e.clientWidth === w ? resolve() : new ResizeObserver(resolve).observe(e))),
    wanted,
  );
  return width;
}

/** The card from its top down to the bottom of `last`, with a margin. */
async function cardDownTo(card, last) {
  const box = await pageBox(card);
  const end = await pageBox(last);
  return { x: box.x - 2, y: box.y - 2, width: box.width + 4, height: end.y + end.height + 3 - (box.y - 2) };
}

/** The grid, annotated: the comparisons, the table's controls and summary, the column titles, the first row. */
async function shootGrid(page, frame, card) {
  await page.setViewportSize({ width: GUIDE_WIDTH, height: 1400 });
  await gridPainted(frame);
  await card.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const tools = card.locator(".grid-tools");
  const grid = card.locator(".grid-view");
  const firstRow = grid.locator(".grid-body .grid-row[data-sample]").first();
  const firstCell = firstRow.locator("button.grid-cell").nth(2);
  const marks = [
    [control(frame, tools, "Beside step"), 1, "left"],
    [control(frame, tools, "Sort"), 2, "left"],
    [control(frame, tools, "Show"), 3, "room"],
    [control(frame, tools, "True"), 4, "room"],
    [control(frame, tools, "Predicted"), 5, "room"],
    [control(frame, tools, "Range"), 6, "left"],
    [control(frame, tools, "Where"), 7, "room"],
    [control(frame, tools, "Caption"), 8, "room"],
    [control(frame, tools, "Group by"), 9, "room"],
    [tools.getByRole("button", { name: "Export CSV" }), 10, "room"],
    [tools.getByRole("button", { name: "Clear view" }), 11, "room"],
    [tools.locator(".summary-line"), 12, "left"],
    [tools.locator("table.confusion"), 13, "left"],
    [grid.locator(".grid-colorbar").first(), 14, "left", -6, 0],
    [grid.locator(".grid-batch-scores").first(), 15, "left", -6, 0],
    [firstRow.locator(".grid-label"), 16, "left"],
    [firstCell.locator("canvas.grid-canvas"), 17, "inside"],
    [firstCell.locator(".grid-score"), 18, "left", -4, 0],
  ];
  await annotated(page, frame, card, "dashboard-grid.png", {
    marks,
    ready: () => gridPainted(frame),
    clip: () => cardDownTo(card, firstRow),
  });
}

/** "Beside step": the card's batch and, to its right, the batch at the first kept step. */
async function shootBesideStep(page, frame, card, first) {
  const tools = card.locator(".grid-tools");
  const grid = card.locator(".grid-view");
  const choice = tools.getByRole("combobox", { name: "Compare with step" });
  await choice.selectOption(String(first));
  await gridPainted(frame, 2);
  await page.waitForTimeout(300);
  const firstRow = grid.locator(".grid-body .grid-row[data-sample]").first();
  const titles = grid.locator(".grid-group-title");
  const otherStart = firstRow.locator(".grid-cell.group-start");
  const marks = [
    [control(frame, tools, "Beside step"), 1, "left"],
    [titles.nth(0), 2, "inside"],
    [titles.nth(1), 3, "inside"],
    [grid.locator(".grid-colorbar").nth(4), 4, "left", -2, 0],
    [firstRow.locator(".grid-label"), 5, "left"],
    [otherStart.locator("canvas.grid-canvas"), 6, "inside"],
    [otherStart.locator("xpath=following-sibling::*[2]").locator("canvas.grid-canvas"), 7, "inside"],
  ];
  await annotated(page, frame, card, "dashboard-beside-step.png", {
    marks,
    ready: () => gridPainted(frame, 2),
    clip: () => cardDownTo(card, firstRow),
  });
  await choice.selectOption("");
  await gridPainted(frame);
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
  await gridPainted(frame);
  await page.waitForTimeout(300); // the last paint reaches the screen
  const cardBox = await pageBox(card);
  const gridBox = await pageBox(grid);
  // TensorBoard's header and tabs, the side panel, and the card down to its grid's last row shown.
  const bottom = Math.min(VIEWPORT.height, Math.ceil(gridBox.y + gridBox.height + 2));
  const right = Math.min(VIEWPORT.width, Math.ceil(cardBox.x + cardBox.width + 12));
  const shot = join(out, "screenshot.png");
  await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: right, height: bottom } });
  report(shot);

  // 2. The guide's grid, and its "Beside step" at the first kept step.
  await shootGrid(page, frame, card);
  await shootBesideStep(page, frame, card, steps[0].step);

  // 3. The single view of one image and mask, with its filmstrip.
  await page.setViewportSize(VIEWPORT);
  await gridPainted(frame);
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
      const film = [...document.querySelectorAll("article.card")]
        .find((a) => a.getAttribute("aria-label") === name)
        ?.querySelector(".filmstrip");
      return film && !film.hidden && film.dataset.loaded === String(count);
    },
    [CARD, steps.length],
    { timeout: 30000 },
  );
  // The card alone in its row, as wide as a one-column layout lets it be, so the
  // filmstrip shows as many steps as it can; then the page as tall as the card.
  const width = await layoutWidth(page, frame, card, FILM_LAYOUT_WIDTH);
  await fitCard(page, card, width);
  await card.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const film = join(out, "filmstrip.png");
  await card.screenshot({ path: film });
  report(film);

  // 4. The guide's filmstrip: from the foot of the single view's image down to the card's tools.
  const frames = card.locator(".filmstrip .film-frame");
  const nav = card.locator(".card-nav");
  const tools = card.locator(".card-tools");
  await annotated(page, frame, card, "dashboard-filmstrip.png", {
    marks: [
      [frames.first(), 1, "left"],
      [frames.last(), 2, "inside"],
      [control(frame, nav, "Step"), 3, "left"],
      [control(frame, nav, "Sample"), 4, "left"],
      [control(frame, nav, "Mask"), 5, "left"],
      [control(frame, tools, "Filmstrip"), 6, "room"],
    ],
    ready: () => page.waitForTimeout(300),
    clip: async () => {
      const card_ = await pageBox(card);
      const film = await pageBox(card.locator(".filmstrip"));
      const end = await pageBox(tools);
      const y = film.y - 48;
      return { x: card_.x - 2, y, width: card_.width + 4, height: end.y + end.height + 8 - y };
    },
  });

  // 5. The guide's single view: the filmstrip off, the curves open, the pointer on the object.
  await card.locator('input[aria-label="Filmstrip"]').uncheck();
  await page.setViewportSize({ width: GUIDE_WIDTH, height: VIEWPORT.height });
  const singleWidth = await layoutWidth(page, frame, card, SINGLE_LAYOUT_WIDTH);
  const curves = card.locator("details.score-curves");
  if (!(await curves.evaluate((d) => d.open))) await curves.locator("summary").click();
  await card.locator(".score-chart svg").waitFor({ timeout: 10000 });
  await fitCard(page, card, singleWidth);
  await card.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const canvas = card.locator("canvas.composite");
  await annotated(page, frame, card, "dashboard-single.png", {
    marks: [
      [canvas, 1, "left"],
      [card.locator(".readout"), 2, "left"],
      [card.locator('.colorbar[aria-label="Colour bar"]'), 3, "left"],
      [card.locator(".score-lines"), 4, "left"],
      [curves.locator("summary"), 5, "left"],
      [card.locator(".card-meta"), 6, "left"],
      [card.locator(".card-label"), 7, "left"],
      [control(frame, nav, "Step"), 8, "left"],
      [nav.getByRole("spinbutton", { name: "Go to step" }), 9, "room"],
      [control(frame, nav, "Sample"), 10, "left"],
      [control(frame, nav, "Mask"), 11, "left"],
      [nav.locator("button.view-toggle"), 12, "left"],
      [control(frame, tools, "Show mask"), 13, "left"],
      [control(frame, tools, "Side by side"), 14, "room"],
      [control(frame, tools, "Filmstrip"), 15, "room"],
      [tools.getByRole("button", { name: "Download PNG" }), 16, "left"],
      [card.locator("details.card-overrides > summary"), 17, "left"],
    ],
    // The pointer over the object: the readout under the image shows its pixel's value.
    ready: async () => {
      await page.waitForTimeout(300);
      const box = await pageBox(canvas);
      await page.mouse.move(box.x + box.width * POINTER[0], box.y + box.height * POINTER[1]);
      await frame.waitForFunction(
        (name) =>
          !/^Hover/.test(
            [...document.querySelectorAll("article.card")]
              .find((a) => a.getAttribute("aria-label") === name)
              ?.querySelector(".readout")?.textContent ?? "Hover",
          ),
        CARD,
        { timeout: 10000 },
      );
      // The pointer is not in a screenshot: a ring shows where it is.
      await canvas.evaluate((c, [fx, fy]) => {
        const r = c.getBoundingClientRect();
        const ring = c.ownerDocument.createElement("div");
        ring.className = "screenshot-badge";
        Object.assign(ring.style, {
          position: "fixed",
          left: `${Math.round(r.left + r.width * fx - 9)}px`,
          top: `${Math.round(r.top + r.height * fy - 9)}px`,
          width: "18px",
          height: "18px",
          boxSizing: "border-box",
          borderRadius: "50%",
          border: "3px solid #1565c0",
          boxShadow: "0 0 0 2px #fff",
          zIndex: "2147483647",
          pointerEvents: "none",
        });
        c.ownerDocument.body.append(ring);
      }, POINTER);
    },
    clip: async () => {
      const box = await pageBox(card);
      return { x: box.x - 2, y: box.y - 2, width: box.width + 4, height: box.height + 4 };
    },
  });
  if (errors.length) throw new Error(`script errors in the page: ${errors.join(" | ")}`);
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
} finally {
  await browser.close();
  board.process.kill();
}
process.exit(failed ? 1 : 0);
