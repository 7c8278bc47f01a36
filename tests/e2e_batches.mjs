// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks the views of a whole batch: the grid, a cell opened alone, the
// filmstrip, a second step beside the first, Normalize "tag" read alike by the
// grid, the single view and the filmstrip, the runs side by side, and the
// grid's rows reordered, hidden and recycled from their model without a fetch. Run by
// tests/test_frontend_batches.py (3 runs x 10 steps x 16 images x 4 masks,
// with the pixels in the spec) and tests/test_demo.py (the demo's logs:
// structure only, no pixels).
//
//   node tests/e2e_batches.mjs --url http://127.0.0.1:PORT --spec spec.json
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { canvasPixels, setRange, waitForCard } from "./dashboard_page.mjs";

const url = arg("url");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const [RUN] = spec.runs;
const NAME = `${RUN} / ${spec.tag}`;
const LAST = spec.steps.at(-1);
const { check, failures } = checker();

/** Pixels of `pixels` (RGBA, size x size) that differ from image `sample` of `run`,
 * inside and outside `box`; null when the spec has no pixels (the demo). */
function differences(pixels, run, sample, box = null) {
  if (!spec.images) return null;
  const img = spec.images[run][sample];
  const n = spec.size;
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const p = 4 * (y * n + x);
      const d = [0, 1, 2].reduce((s, c) => s + Math.abs(pixels[p + c] - img[y][x][c]), 0);
      const inBox = box && y >= box[0] && y < box[1] && x >= box[2] && x < box[3];
      if (inBox && d > 3) inside++;
      if (!inBox && d > 3) outside++;
    }
  }
  return { inside, outside };
}

const browser = await launchChromium();
try {
  // Only the first run shown at first: the page remembers the runs a user hid.
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript((hidden) => {
    if (window.location.pathname.includes("plugin_entry")) {
      window.localStorage.setItem("tensorboard-plugin-saliency/v1", JSON.stringify({ hiddenRuns: hidden }));
    }
  }, spec.runs.slice(1));
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const blobs = [];
  page.on("request", (r) => {
    if (r.url().includes("/data/plugin/saliency/blob?")) blobs.push(r.url());
  });
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  const card = frame.locator(`article[aria-label="${NAME}"]`);
  const grid = card.locator(".grid-view");
  const rows = grid.locator(".grid-body .grid-row");
  const loaded = () => grid.evaluate((g) => Number(g.dataset.loaded));

  // ------------------------------------------------------------ the grid
  await frame.waitForFunction((name) => {
    const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
    return Number(c?.querySelector(".grid-view")?.dataset.loaded) > 0;
  }, NAME);
  await page.waitForTimeout(1000); // anything else that would load, loads
  // In view of the grid's scroll box (which may reach below the page's fold).
  const inView = await grid.evaluate((g) => {
    const box = g.getBoundingClientRect();
    return [...g.querySelectorAll(".grid-body .grid-row")].filter((r) => {
      const b = r.getBoundingClientRect();
      return b.bottom > box.top && b.top < box.bottom;
    }).length;
  });
  const perRow = spec.masks.length + 1;
  const blobsPerRow = perRow + (spec.regions ? 1 : 0); // its region's mask too
  check(
    `the grid fetches only the rows in view (${inView} of ${spec.samples})`,
    inView < spec.samples && (await loaded()) <= inView && blobs.length <= inView * blobsPerRow,
    `${await loaded()} rows loaded, ${blobs.length} blob requests`,
  );
  await frame.waitForFunction(
    ([name, n]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const g = c?.querySelector(".grid-view");
      if (!g) return false;
      g.scrollTop += 200; // the rows below load as they come into view
      return Number(g.dataset.loaded) === n;
    },
    [NAME, spec.samples],
    { timeout: 30000, polling: 100 },
  );
  const labels = await rows.locator(".grid-label").allTextContents();
  const heads = await grid.locator(".grid-head .grid-mask-name").allTextContents();
  const painted = await grid.evaluate(
    (g) => [...g.querySelectorAll("canvas.grid-canvas")].filter((c) => c.width > 1).length,
  );
  check(
    `the grid shows every image with its label and every mask (${spec.samples} x ${perRow})`,
    labels.join("|") === spec.labels[RUN].join("|") &&
      heads.join("|") === spec.masks.join("|") &&
      painted === spec.samples * perRow &&
      (await grid.locator(".grid-head .grid-colorbar .colorbar-strip").count()) === spec.masks.length,
    `${labels.length} labels, ${heads}, ${painted} cells painted`,
  );

  // Normalize: per image (a bar in units of each image's clip), shared by an
  // image's masks, or one clip per mask column (a bar in mask values).
  const clips = () => grid.locator(".grid-head .colorbar-mid").allTextContents();
  const normalize = frame.locator('aside [aria-label="Normalize"]');
  const perImage = await clips();
  await normalize.selectOption("masks");
  const perImageMasks = await clips();
  await normalize.selectOption("tag");
  const perColumn = await clips();
  await normalize.selectOption("image");
  const same = (xs, text) => xs.length === spec.masks.length && xs.every((x) => x === text);
  check(
    "Normalize in the grid: each image's own clip, an image's masks together, or one clip per column in mask values",
    same(perImage, "clip p99 of each image") &&
      same(perImageMasks, "clip p99 of each image's masks together") &&
      perColumn.length === spec.masks.length &&
      perColumn.every((x) => /^clip p99 = [0-9]/.test(x)),
    `${perImage} / ${perImageMasks} / ${perColumn}`,
  );

  // A mask value of 0 keeps the image's colour, at full opacity too.
  const opacity = frame.locator('aside [aria-label="Opacity"]');
  await setRange(opacity, 1);
  if (spec.images) {
    const last = spec.samples - 1;
    const cell = (sample, column) => rows.nth(sample).locator("canvas.grid-canvas").nth(column);
    const imageDiff = differences(await canvasPixels(cell(last, 0)), RUN, last);
    const maskDiffs = [];
    for (let k = 1; k <= spec.masks.length; k++) {
      if (!spec.fullSize.includes(spec.masks[k - 1])) continue; // a smaller mask is smoothed past its box
      maskDiffs.push(differences(await canvasPixels(cell(last, k)), RUN, last, spec.boxes[LAST][last]));
    }
    check(
      "grid cells: the image column is the image; each image-sized mask shows its box and the image's own colour where it is 0 (opacity 1)",
      imageDiff.outside === 0 && maskDiffs.every((d) => d.outside === 0 && d.inside > 0),
      JSON.stringify([imageDiff, maskDiffs]),
    );
  }
  await setRange(opacity, 0.6);

  // ------------------------------------------------------------ one cell alone
  const mask = spec.masks[1];
  await grid.getByRole("button", { name: `Open image 3 with mask ${mask}`, exact: true }).click();
  await waitForCard(frame, NAME, { step: LAST, sample: 2, mask });
  check(
    "a grid cell opens that image and mask in the single view",
    (await card.locator("canvas.composite").isVisible()) &&
      (await grid.isHidden()) &&
      (await card.locator(".card-label").textContent()) === spec.labels[RUN][2],
  );

  // ------------------------------------------------------------ filmstrip
  await card.getByLabel("Filmstrip", { exact: true }).check();
  const film = card.locator(".filmstrip");
  await frame.waitForFunction(
    ([name, n]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return Number(c?.querySelector(".filmstrip")?.dataset.loaded) === n;
    },
    [NAME, spec.steps.length],
    { timeout: 30000 },
  );
  const captions = await film.locator("figcaption").allTextContents();
  let framesOk = true;
  if (spec.images) {
    for (let i = 0; i < spec.steps.length; i++) {
      const d = differences(await canvasPixels(film.locator(".film-canvas").nth(i)), RUN, 2, spec.boxes[i][2]);
      // One clip for every frame: the weak early boxes are faint, the late ones show.
      const late = i >= spec.steps.length / 2;
      if (d.outside !== 0 || (late && d.inside === 0)) console.log(`  frame ${i}: ${JSON.stringify(d)}`);
      framesOk &&= d.outside === 0 && (!late || d.inside > 0);
    }
  }
  check(
    `the filmstrip shows one frame per kept step (${spec.steps.length}), its box where that step put it`,
    captions.join("|") === spec.steps.map((s) => `step ${s}`).join("|") && framesOk,
    captions.join(","),
  );
  await card.getByLabel("Filmstrip", { exact: true }).uncheck();
  await card.getByRole("button", { name: "Back to grid" }).click();

  // ------------------------------------------------------------ beside step
  const first = spec.steps[0];
  await card.getByLabel("Compare with step", { exact: true }).selectOption(String(first));
  await frame.waitForFunction(
    ([name]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const g = c?.querySelector(".grid-view");
      return g?.dataset.sources === "2" && g.querySelector(".grid-body .grid-row")?.dataset.loaded === "1";
    },
    [NAME],
    { timeout: 20000 },
  );
  const groups = await grid.locator(".grid-group-title").allTextContents();
  const row0 = rows.nth(0).locator("button.grid-cell");
  let stepsOk = (await row0.count()) === 2 * perRow;
  if (spec.images) {
    const now = differences(await canvasPixels(row0.nth(1).locator("canvas.grid-canvas")), RUN, 0, spec.boxes[LAST][0]);
    const then = differences(
      await canvasPixels(row0.nth(perRow + 1).locator("canvas.grid-canvas")),
      RUN,
      0,
      spec.boxes[first][0],
    );
    if (now.outside || !now.inside || then.outside || !then.inside) console.log(`  ${JSON.stringify([now, then])}`);
    stepsOk &&= now.outside === 0 && now.inside > 0 && then.outside === 0 && then.inside > 0;
  }
  check(
    `"Beside step" shows each image at step ${LAST} and at step ${first} on one row`,
    groups.join("|") === `${RUN} · step ${LAST}|${RUN} · step ${first}` && stepsOk,
    groups.join("|"),
  );
  await rows
    .nth(1)
    .getByRole("button", { name: `Open image 2 with mask ${spec.masks[0]} of ${RUN} · step ${first}`, exact: true })
    .click();
  await waitForCard(frame, NAME, { step: first, sample: 1, mask: spec.masks[0] });
  check("a cell of the second step opens at that step", true);
  await card.getByRole("button", { name: "Back to grid" }).click();
  await card.getByLabel("Compare with step", { exact: true }).selectOption("");
  await setRange(card.getByLabel("Step", { exact: true }), spec.steps.length - 1);

  // ------------------------------------------------------------ Normalize "tag": one meaning
  // Under "tag" a mask name has one clip over every such mask the card has
  // loaded: the grid's rows (the last step, the first beside it) and the single
  // view's image at every kept step. So the single view opened from a cell, the
  // grid's columns of both steps and the filmstrip read one clip, and the
  // filmstrip's frame of the first step has the pixels of the grid's cell of
  // the first step (the same mask values, the same colours).
  const tagMask = spec.masks[1];
  const k = spec.masks.indexOf(tagMask);
  await normalize.selectOption("tag");
  await card.getByLabel("Compare with step", { exact: true }).selectOption(String(first));
  const allRowsOfTwo = () =>
    frame.waitForFunction(
      ([name, n]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const g = c?.querySelector(".grid-view");
        if (!g || g.dataset.sources !== "2") return false;
        g.scrollTop += 200;
        return Number(g.dataset.loaded) === n;
      },
      [NAME, spec.samples],
      { timeout: 30000, polling: 100 },
    );
  await allRowsOfTwo();
  const cellAt = (step) =>
    rows
      .nth(2)
      .getByRole("button", { name: `Open image 3 with mask ${tagMask} of ${RUN} · step ${step}`, exact: true });
  await cellAt(LAST).click();
  await waitForCard(frame, NAME, { step: LAST, sample: 2, mask: tagMask });
  await card.getByLabel("Filmstrip", { exact: true }).check();
  await frame.waitForFunction(
    ([name, n]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return Number(c?.querySelector(".filmstrip")?.dataset.loaded) === n;
    },
    [NAME, spec.steps.length],
    { timeout: 30000 },
  );
  const singleClip = await card.getByLabel("Colour bar", { exact: true }).locator(".colorbar-mid").textContent();
  const filmFirst = await canvasPixels(film.locator(".film-canvas").first());
  await card.getByLabel("Filmstrip", { exact: true }).uncheck();
  await card.getByRole("button", { name: "Back to grid" }).click();
  await allRowsOfTwo();
  const columnClips = await clips();
  const gridFirst = await canvasPixels(cellAt(first).locator("canvas.grid-canvas"));
  const differing = gridFirst.filter((v, i) => v !== filmFirst[i]).length;
  check(
    "Normalize \"tag\": the grid's columns of both steps, the single view and its filmstrip read one clip; the filmstrip's first step has the grid's colours",
    /^clip p99 = [0-9]/.test(singleClip) &&
      columnClips[k] === singleClip &&
      columnClips[spec.masks.length + k] === singleClip &&
      gridFirst.length === filmFirst.length &&
      differing === 0,
    `single view ${singleClip}; grid ${columnClips}; ${differing} of ${gridFirst.length} pixel values differ`,
  );
  await normalize.selectOption("image");
  await card.getByLabel("Compare with step", { exact: true }).selectOption("");

  // ------------------------------------------------------------ runs side by side
  if (spec.runs.length > 1) {
    const compare = card.getByLabel("Compare runs", { exact: true });
    check('"Compare runs" is offered only when another shown run has the tag', await compare.isHidden());
    for (const run of spec.runs.slice(1)) await frame.getByRole("checkbox", { name: run, exact: true }).check();
    await compare.check();
    await frame.waitForFunction(
      ([name, n, rows]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const g = c?.querySelector(".grid-view");
        if (!g || g.dataset.sources !== String(n)) return false;
        g.scrollTop += 200;
        return Number(g.dataset.loaded) === rows;
      },
      [NAME, spec.runs.length, spec.samples],
      { timeout: 30000, polling: 100 },
    );
    const titles = await grid.locator(".grid-group-title").allTextContents();
    let aligned = true;
    const detail = [];
    for (const sample of [0, 7, spec.samples - 1]) {
      const cells = rows.nth(sample).locator("button.grid-cell");
      for (let r = 0; r < spec.runs.length; r++) {
        const run = spec.runs[r];
        const imageCell = cells.nth(r * perRow);
        const caption = await imageCell.locator(".grid-caption").textContent();
        const d = differences(await canvasPixels(imageCell.locator("canvas.grid-canvas")), run, sample);
        const ok = caption === spec.labels[run][sample] && (!d || d.outside === 0);
        if (!ok) detail.push(`${run} row ${sample}: ${caption} ${JSON.stringify(d)}`);
        aligned &&= ok;
      }
    }
    check(
      `"Compare runs" puts image i of every run on row i (${spec.runs.join(", ")})`,
      titles.join("|") === spec.runs.map((r) => `${r} · step ${LAST}`).join("|") && aligned,
      `${titles.join("|")} ${detail.join("; ")}`,
    );
    const other = spec.runs[1];
    await rows
      .nth(4)
      .getByRole("button", { name: `Open image 5 with mask ${spec.masks[2]} of ${other} · step ${LAST}`, exact: true })
      .click();
    await waitForCard(frame, `${other} / ${spec.tag}`, { step: LAST, sample: 4, mask: spec.masks[2] });
    check("a cell of another run opens in that run's card", true);
    await frame.getByRole("checkbox", { name: other, exact: true }).uncheck();
    await frame.waitForFunction(
      ([name, n]) =>
        [...document.querySelectorAll("article.card")]
          .find((a) => a.getAttribute("aria-label") === name)
          ?.querySelector(".grid-view")?.dataset.sources === String(n),
      [NAME, spec.runs.length - 1],
    );
    check("a run hidden in the side panel leaves the comparison", true);
  }
  // ------------------------------------------------------------ rows apart from their elements
  // The grid's view (view/grid.js) over its row model (grid_rows.js), built in
  // the page from the plugin's own modules: rows reordered, hidden, and shown
  // again in the elements of other rows keep their data (no second /sample
  // request) and their pixels.
  const recycled = await frame.evaluate(
    async ([run, tag, step, samples, masks]) => {
      const load = (path) => import(new URL(`static/${path}`, document.baseURI).href);
      const modules = ["view/grid.js", "api.js", "cache.js", "pipeline/colormap.js", "pipeline/normalize.js"];
      const [{ GridView }, { api, staticJson }, { BlobCache, StrengthCache }, { Palette }, { TagPool }, { DEFAULTS }] =
        await Promise.all([...modules, "state.js"].map(load));
      const { ScoreCatalog } = await load("pipeline/scores.js");
      let requests = 0;
      const counting = { ...api, sample: (...a) => (requests++, api.sample(...a)) };
      const palette = new Palette(await staticJson("colormaps.json"));
      const scoreCatalog = new ScoreCatalog(await staticJson("scores.json"));
      const app = { api: counting, cache: new BlobCache(), strengths: new StrengthCache(), palette, scoreCatalog };
      const host = { settings: () => ({ ...DEFAULTS }), open: () => {}, tagPool: new TagPool() };
      const grid = new GridView(app, run, tag, host);
      Object.assign(grid.root.style, { position: "fixed", top: "0", left: "0", width: "600px", maxHeight: "none" });
      document.body.append(grid.root);
      const until = async (done) => {
        for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
        return done();
      };
      try {
        grid.show([{ run, step, samples, title: `${run} · step ${step}` }], masks);
        const allPainted = await until(() => Number(grid.root.dataset.loaded) === samples);
        const rowEls = () => [...grid.root.querySelectorAll(".grid-body .grid-row")];
        const pixels = (row) => {
          const c = row.querySelectorAll("canvas.grid-canvas")[1]; // the first mask's cell
          return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data).join(",");
        };
        const painted = new Map(rowEls().map((r) => [r.dataset.sample, pixels(r)]));
        const element = new Map(rowEls().map((r) => [r.dataset.sample, r]));
        const fetched = requests;
        const ids = grid.rows.ids();
        const same = () => rowEls().every((r) => pixels(r) === painted.get(r.dataset.sample));

        grid.rows.order([...ids].reverse());
        grid.render();
        const reordered =
          rowEls()
            .map((r) => r.dataset.sample)
            .join(",") === [...ids].reverse().join(",") &&
          rowEls().every((r) => element.get(r.dataset.sample) === r) &&
          same();

        const half = ids.slice(0, Math.floor(ids.length / 2));
        const rest = ids.slice(half.length);
        grid.rows.hide(half);
        grid.render();
        const hidden =
          rowEls().length === rest.length &&
          rowEls().every((r) => rest.includes(Number(r.dataset.sample))) &&
          grid.root.dataset.loaded === String(rest.length);

        // The hidden half comes back in the elements of the other half.
        grid.rows.hide(rest);
        grid.render();
        await until(same);
        const reused = rowEls().filter((r) => rest.some((id) => element.get(String(id)) === r)).length;
        const back =
          rowEls().length === half.length &&
          rowEls().every((r) => half.includes(Number(r.dataset.sample)) && r.dataset.loaded === "1") &&
          same();
        grid.rows.hide([]);
        grid.render();
        return {
          allPainted,
          reordered,
          hidden,
          back,
          reused,
          half: half.length,
          elements: rowEls().length,
          refetched: requests - fetched,
        };
      } finally {
        grid.root.remove();
      }
    },
    [RUN, spec.tag, LAST, spec.samples, spec.masks],
  );
  check(
    "grid rows reorder, hide, and show again in other rows' elements from the row model: same pixels, no second fetch",
    recycled.allPainted &&
      recycled.reordered &&
      recycled.hidden &&
      recycled.back &&
      recycled.reused === recycled.half &&
      recycled.elements === spec.samples &&
      recycled.refetched === 0,
    JSON.stringify(recycled),
  );
  check("no script errors in the page", errors.length === 0, errors.join(" | "));
} catch (e) {
  check("no unexpected error", false, e.stack || String(e));
} finally {
  await browser.close();
}
console.log(failures() ? `${failures()} check(s) failed` : "all checks passed");
process.exit(failures() ? 1 : 0);
