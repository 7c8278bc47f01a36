// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks the ground-truth regions and the localisation scores: the outlines
// drawn at the right pixels over every grid cell, the single view's composite,
// each side-by-side panel and each filmstrip frame (a label map's explained
// class opaque, another class fainter); the Regions toggle, the R key and the
// colour redraw the outlines alone (no recolor, no paint) and are remembered;
// the localisation and ROAD scores on the card, in the grid's cells and under
// its columns, the ROAD curves in the chart; sorting the grid by pointing game.
// Run by tests/test_frontend_regions.py with the regions and scores in the spec.
//
//   node tests/e2e_regions.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// --shot writes PREFIX-grid.png, PREFIX-single.png and PREFIX-labels.png.
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { setRange, waitForCard } from "./dashboard_page.mjs";
import { TIMINGS } from "../frontend/timing.js";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const OBJECTS = `${spec.run} / ${spec.objects}`;
const CLASSES = `${spec.run} / ${spec.classes}`;
const [SCORED] = spec.masks;
const LAST = String(spec.steps.at(-1));
const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
/** An outline's width in device pixels: view/regions.js LINE at a device pixel ratio of 1. */
const LINE = 2;
/** A box label's text: from its top-left corner inside the outline, this many rows at most. */
const LABEL_ROWS = 20;
const { check, failures } = checker();

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
/** A number as the page writes it: 3 significant digits. */
const three = (x) => String(Number(x.toPrecision(3)));
const mean = (xs) => {
  const present = xs.filter((x) => x !== null);
  return present.reduce((a, b) => a + b, 0) / present.length;
};
const hexRgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));

// ------------------------------------------------------------ what the outlines should be

/**
 * The outline of an image's regions drawn `w` × `h`, by the definition: a
 * pixel of the drawn picture shows the image pixel under its centre; it is on
 * the outline when it is inside a region and a pixel within LINE of it (up,
 * down, left, right; or past the picture's edge) is not in the same region; a
 * box's outline is the LINE pixels inside its scaled edge. Per pixel "2" (the
 * explained class's region, or one of no class), "1" (another class's) or "0";
 * `skip` marks the pixels where a box's label is written.
 * @param {{labels:number[][]|null, kindOf:(v:number) => number, boxes:number[][]|null,
 *   boxLabels:(number|null)[]|null, explained:number, width:number, height:number}} r
 */
function expectedOutline(r, w, h) {
  const out = new Uint8Array(w * h);
  const skip = new Uint8Array(w * h);
  if (r.labels) {
    const at = (X, Y) =>
      r.labels[Math.min(r.height - 1, Math.floor(((Y + 0.5) * r.height) / h))][
        Math.min(r.width - 1, Math.floor(((X + 0.5) * r.width) / w))
      ];
    for (let Y = 0; Y < h; Y++)
      for (let X = 0; X < w; X++) {
        const v = at(X, Y);
        if (!v) continue;
        let edge = false;
        for (let d = 1; d <= LINE; d++)
          for (const [dx, dy] of [
            [d, 0],
            [-d, 0],
            [0, d],
            [0, -d],
          ]) {
            const x = X + dx;
            const y = Y + dy;
            if (x < 0 || y < 0 || x >= w || y >= h || at(x, y) !== v) edge = true;
          }
        if (edge) out[Y * w + X] = r.kindOf(v);
      }
  }
  (r.boxes ?? []).forEach(([bx0, by0, bx1, by1], k) => {
    const label = r.boxLabels ? r.boxLabels[k] : null;
    const kind = label === null || label === r.explained ? 2 : 1;
    const x0 = Math.round((bx0 * w) / r.width);
    const y0 = Math.round((by0 * h) / r.height);
    const x1 = Math.min(w, Math.round((bx1 * w) / r.width));
    const y1 = Math.min(h, Math.round((by1 * h) / r.height));
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        if (y < y0 + LINE || y >= y1 - LINE || x < x0 + LINE || x >= x1 - LINE)
          out[y * w + x] = Math.max(out[y * w + x], kind);
        else if (label !== null && y < y0 + LINE + LABEL_ROWS) skip[y * w + x] = 1;
      }
  });
  return { kinds: out, skip };
}

/** The regions of image `i` of the objects tag (binary masks, boxes). */
function objectRegion(i) {
  return {
    labels: spec.regionMasks[i],
    kindOf: () => 2,
    boxes: spec.boxes[i],
    boxLabels: spec.boxLabels[i],
    explained: spec.true[i],
    width: spec.width,
    height: spec.height,
  };
}

/** The label map of image `i` of the classes tag (stored as class + 1; -1 outside). */
function classRegion(i) {
  return {
    labels: spec.labelMap.map((row) => row.map((c) => c + 1)),
    kindOf: (v) => (v - 1 === spec.labelTrue[i] ? 2 : 1),
    boxes: null,
    boxLabels: null,
    explained: spec.labelTrue[i],
    width: spec.labelMap[0].length,
    height: spec.labelMap.length,
  };
}

/**
 * How a drawn layer differs from the expected outline: "" when every pixel
 * (but a box label's) is as expected, else a count and the first ones.
 * @param {{width:number, height:number, kinds:string}} drawn from layerOf.
 */
function outlineDiff(drawn, region) {
  const { kinds, skip } = expectedOutline(region, drawn.width, drawn.height);
  const bad = [];
  for (let i = 0; i < kinds.length; i++) {
    if (skip[i]) continue;
    if (drawn.kinds[i] !== String(kinds[i])) bad.push(`(${i % drawn.width},${Math.floor(i / drawn.width)})`);
  }
  return bad.length ? `${bad.length} pixels differ, e.g. ${bad.slice(0, 5).join(" ")}` : "";
}

/** Whether a box's label is written inside it (pixels in its label's place). */
function labelWritten(drawn, region) {
  const { skip } = expectedOutline(region, drawn.width, drawn.height);
  let written = 0;
  for (let i = 0; i < skip.length; i++) if (skip[i] && drawn.kinds[i] !== "0") written++;
  return written > 10;
}

// ------------------------------------------------------------ the page

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  const frame = await pluginFrame(page);
  const cardOf = (name) => frame.locator(`article[aria-label="${name}"]`);
  const objects = cardOf(OBJECTS);
  let colour = hexRgb("#00e5ff");

  /**
   * In the page: each region layer of `selector` (within card `name`): its
   * size, whether drawn, its box and its picture's, its accessible name, and
   * per pixel its kind: "2" opaque in the colour, "1" fainter in the colour,
   * "0" clear, "?" anything else (a label's text).
   */
  const layersOf = (name, selector, rgb) =>
    frame.evaluate(
      ([name, selector, rgb]) => {
        const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        return [...card.querySelectorAll(selector)].map((c) => {
          const box = (e) => {
            const r = e.getBoundingClientRect();
            return [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 10) / 10);
          };
          const picture = c.parentElement.querySelector("canvas:not(.region-layer)");
          const out = {
            width: c.width,
            height: c.height,
            drawn: c.dataset.drawn === "1" && c.style.display !== "none",
            box: box(c),
            pictureBox: box(picture),
            picture: [picture.width, picture.height],
            label: c.getAttribute("aria-label"),
            kinds: "",
          };
          if (!out.drawn) return out;
          const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
          const near = (j) =>
            Math.abs(data[j] - rgb[0]) + Math.abs(data[j + 1] - rgb[1]) + Math.abs(data[j + 2] - rgb[2]) <= 6;
          const kinds = new Array(c.width * c.height);
          for (let i = 0; i < kinds.length; i++) {
            const a = data[4 * i + 3];
            kinds[i] = a === 0 ? "0" : a === 255 && near(4 * i) ? "2" : a === 150 && near(4 * i) ? "1" : "?";
          }
          out.kinds = kinds.join("");
          return out;
        });
      },
      [name, selector, rgb],
    );
  /** The grid's layers of card `name`, by row (display order), each row's cells in order. */
  const gridLayers = async (name, rgb) => {
    const rows = await frame.evaluate((name) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return [...card.querySelectorAll(".grid-body .grid-row")]
        .sort((x, y) => x.offsetTop - y.offsetTop)
        .map((r) => [Number(r.dataset.sample), r.querySelectorAll("canvas.region-layer").length]);
    }, name);
    const layers = await layersOf(name, ".grid-body .grid-row canvas.region-layer", rgb);
    // The rows' elements in the DOM's order: match them by row id.
    const ids = await frame.evaluate((name) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return [...card.querySelectorAll(".grid-body .grid-row canvas.region-layer")].map((c) =>
        Number(c.closest(".grid-row").dataset.sample),
      );
    }, name);
    const byRow = new Map(rows.map(([id]) => [id, []]));
    layers.forEach((l, k) => byRow.get(ids[k]).push(l));
    return byRow;
  };
  const perf = () =>
    frame.evaluate(
      (names) => names.map((n) => performance.getEntriesByName(n, "measure").length),
      [TIMINGS.recolor, TIMINGS.paint],
    );
  const gridLoaded = (name, n) =>
    frame.waitForFunction(
      ([name, n]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        c?.scrollIntoView();
        const g = c?.querySelector(".grid-view");
        if (!g) return false;
        g.scrollTop += 200; // the rows below load as they come into view
        return Number(g.dataset.loaded) === n;
      },
      [name, n],
      { timeout: 30000, polling: 100 },
    );
  /** Waits until every layer of `selector` in card `name` is drawn (`on`) or hidden. */
  const layersSettle = (name, selector, on, count = 1) =>
    frame.waitForFunction(
      ([name, selector, on, count]) => {
        const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const layers = [...(card?.querySelectorAll(selector) ?? [])];
        return (
          layers.length >= count && layers.every((c) => (c.dataset.drawn === "1" && c.style.display !== "none") === on)
        );
      },
      [name, selector, on, count],
      { timeout: 15000, polling: 100 },
    );

  // ------------------------------------------------------------ the grid's outlines
  await gridLoaded(OBJECTS, spec.samples);
  await objects.locator(".grid-view").evaluate((g) => (g.scrollTop = 0));
  const cells = 1 + spec.masks.length;
  await layersSettle(OBJECTS, ".grid-body .grid-row[data-sample='0'] canvas.region-layer", true, cells);
  let byRow = await gridLayers(OBJECTS, colour);
  const withRegion = [...Array(spec.samples).keys()].filter((i) => spec.regionMasks[i] || spec.boxes[i]);
  const drawnRows = [...byRow].filter(([, ls]) => ls.length === cells && ls.every((l) => l.drawn)).map(([id]) => id);
  check(
    "every cell of each image with a region has its outlines drawn (the image and each mask); the image without none",
    same(drawnRows.sort(), withRegion) && byRow.get(5).every((l) => !l.drawn),
    JSON.stringify(drawnRows),
  );
  const diffs = [];
  for (const i of withRegion)
    for (const [k, layer] of byRow.get(i).entries()) {
      const diff = outlineDiff(layer, objectRegion(i));
      if (diff) diffs.push(`image ${i} cell ${k} (${layer.width}x${layer.height}): ${diff}`);
    }
  check(
    "in every cell the outline is at the region's pixel edges and the boxes' edges, scaled to the drawn size",
    diffs.length === 0,
    diffs.join("; "),
  );
  const first = byRow.get(0)[1];
  check(
    `a cell's outline lies over its picture, as many pixels as it is drawn (${first.width}x${first.height} over ${first.pictureBox})`,
    [...byRow.values()]
      .flat()
      .filter((l) => l.drawn)
      .every((l) => same(l.box, l.pictureBox)) &&
      first.width === Math.round(first.pictureBox[2]) &&
      Math.abs(first.width / first.height - spec.width / spec.height) < 0.02,
    JSON.stringify([first.box, first.pictureBox]),
  );
  const boxes = byRow.get(2)[0];
  check(
    "a box's class is written inside it by name, as text (its name holding HTML too)",
    labelWritten(boxes, objectRegion(2)) &&
      boxes.label === `Regions: boxes: ${spec.classNames[1]}, ${spec.classNames[2]}` &&
      (await objects.locator("b").count()) === 0,
    boxes.label,
  );
  // The explained class of image 2 is 1: its box opaque, the box of class 2 fainter.
  const boxKinds = expectedOutline(objectRegion(2), boxes.width, boxes.height).kinds;
  check(
    "the box of the explained class is opaque, a box of another class fainter",
    boxKinds.includes(2) && boxKinds.includes(1) && boxes.kinds.includes("2") && boxes.kinds.includes("1"),
  );

  // ------------------------------------------------------------ scores in the grid
  const last = spec.scores[LAST];
  const cellText = (i) => {
    const parts = [
      ["point", "pointing_game"],
      ["mass", "relevance_mass"],
      ["ratio", "mass_ratio"],
      ["MoRF", "road_morf_auc"],
      ["LeRF", "road_lerf_auc"],
      ["comb", "road_combined"],
    ]
      .filter(([, n]) => last[n][i] !== null)
      .slice(0, 4);
    return parts.map(([short, n]) => `${short} ${three(last[n][i])}`).join(" · ");
  };
  const captions = await objects.evaluate((c, mask) => {
    const rows = [...c.querySelectorAll(".grid-body .grid-row")].sort((x, y) => x.offsetTop - y.offsetTop);
    return rows.map((r) => r.querySelector(`button[aria-label$="with mask ${mask}"] .grid-score`)?.textContent ?? null);
  }, SCORED);
  const expectedCaptions = [...Array(spec.samples).keys()].map(cellText);
  check(
    "each cell of the scored mask shows its localisation scores, then ROAD, by their short names (none where null)",
    same(captions, expectedCaptions),
    JSON.stringify(captions),
  );
  const heads = await objects.evaluate((c) =>
    [...c.querySelectorAll(".grid-head .grid-title:has(.grid-mask-name)")].map((t) => {
      const b = t.querySelector(".grid-batch-scores");
      return b.hidden ? null : [...b.children].map((l) => l.textContent);
    }),
  );
  const m = (n) => three(mean(last[n]));
  const expectedHead = [
    "batch mean",
    `point ${m("pointing_game")} · random ${m("pointing_game_random")}`,
    `mass ${m("relevance_mass")} · random ${m("relevance_mass_random")}`,
    `ratio ${m("mass_ratio")} · random ${m("mass_ratio_random")}`,
    `ROAD MoRF ${m("road_morf_auc")} · random ${m("road_morf_random_auc")} · LeRF ${m("road_lerf_auc")} · ` +
      `random ${m("road_lerf_random_auc")} · comb ${m("road_combined")}`,
  ];
  check(
    "the scored column's batch means: each localisation score with its random baseline, ROAD on one line",
    same(heads, [expectedHead, null]),
    JSON.stringify(heads),
  );

  // ------------------------------------------------------------ sorting by pointing game
  const rowOrder = () =>
    objects.evaluate((c) =>
      [...c.querySelectorAll(".grid-body .grid-row")]
        .filter((r) => !r.hidden && r.offsetParent !== null)
        .sort((x, y) => x.offsetTop - y.offsetTop)
        .map((r) => Number(r.dataset.sample)),
    );
  const sortedBy = (values, desc) => {
    const present = [...values.keys()].filter((i) => values[i] !== null);
    present.sort((a, b) => (desc ? values[b] - values[a] : values[a] - values[b]) || a - b);
    return [...present, ...[...values.keys()].filter((i) => values[i] === null)];
  };
  const control = (label) => objects.getByLabel(label, { exact: true });
  await control("Sort by").selectOption(`${SCORED}/pointing_game`);
  await control("Sort order").selectOption("desc");
  const wantDesc = sortedBy(last.pointing_game, true);
  await frame
    .waitForFunction(
      ([name, want]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const rows = [...c.querySelectorAll(".grid-body .grid-row")].sort((x, y) => x.offsetTop - y.offsetTop);
        return rows.map((r) => r.dataset.sample).join(",") === want.join(",");
      },
      [OBJECTS, wantDesc],
      { timeout: 10000 },
    )
    .catch(() => {});
  let order = await rowOrder();
  check(
    `sorted by pointing game, descending: rows ${order} (those without a region last)`,
    same(order, wantDesc),
    `expected ${wantDesc}`,
  );
  await control("Sort order").selectOption("asc");
  const wantAsc = sortedBy(last.pointing_game, false);
  await page.waitForTimeout(300);
  order = await rowOrder();
  check(`and ascending: rows ${order}`, same(order, wantAsc), `expected ${wantAsc}`);
  byRow = await gridLayers(OBJECTS, colour);
  check(
    "the sorted rows keep their own outlines",
    withRegion.every((i) => !outlineDiff(byRow.get(i)[0], objectRegion(i))),
  );
  await objects.getByRole("button", { name: "Clear view" }).click();
  await page.waitForTimeout(300);
  if (shot) {
    await objects.locator(".grid-view").evaluate((g) => (g.scrollTop = 0));
    await objects.scrollIntoViewIfNeeded();
    await objects.screenshot({ path: `${shot}-grid.png` });
  }

  // ------------------------------------------------------------ the toggle, the R key, the colour
  const sidebar = frame.locator("aside.sidebar");
  const toggle = sidebar.locator('input[aria-label="Regions"]');
  const gridSelector = ".grid-body .grid-row canvas.region-layer";
  const picturePixels = () =>
    objects.evaluate((c) => {
      const p = c.querySelector(".grid-body .grid-row[data-sample='0'] canvas.grid-canvas:not(.region-layer)");
      return Array.from(p.getContext("2d").getImageData(0, 0, p.width, p.height).data).join(",");
    });
  const before = await perf();
  const pixelsBefore = await picturePixels();
  await toggle.uncheck();
  await layersSettle(OBJECTS, gridSelector, false).catch(() => {});
  const hidden = await layersOf(OBJECTS, gridSelector, colour);
  check(
    "unticking Regions hides every outline; the pictures are neither coloured nor painted again",
    hidden.every((l) => !l.drawn) && same(await perf(), before) && (await picturePixels()) === pixelsBefore,
    JSON.stringify([await perf(), before]),
  );
  await frame.locator("body").focus();
  await frame.locator("body").press("r");
  await layersSettle(OBJECTS, ".grid-body .grid-row[data-sample='0'] canvas.region-layer", true, cells).catch(() => {});
  byRow = await gridLayers(OBJECTS, colour);
  check(
    "the R key shows them again, without colouring or painting a picture",
    withRegion.every((i) => byRow.get(i).every((l) => l.drawn)) &&
      (await toggle.isChecked()) &&
      same(await perf(), before),
    JSON.stringify(await perf()),
  );
  check(
    "the toggle is reachable by keyboard, its shortcut named",
    (await toggle.getAttribute("aria-keyshortcuts")) === "r" && (await toggle.evaluate((e) => e.tabIndex)) >= 0,
  );
  const picker = sidebar.locator('input[aria-label="Region colour"]');
  await picker.evaluate((e) => {
    e.value = "#ff00ff";
    e.dispatchEvent(new Event("input", { bubbles: true }));
    e.dispatchEvent(new Event("change", { bubbles: true }));
  });
  colour = hexRgb("#ff00ff");
  await page.waitForTimeout(200);
  byRow = await gridLayers(OBJECTS, colour);
  const recoloured = withRegion
    .flatMap((i) => byRow.get(i).map((l) => outlineDiff(l, objectRegion(i))))
    .filter(Boolean);
  check(
    "a new colour redraws the outlines in it, the pictures as they were",
    recoloured.length === 0 && same(await perf(), before) && (await picturePixels()) === pixelsBefore,
    recoloured.join("; "),
  );
  const saved = await frame.evaluate((key) => JSON.parse(localStorage.getItem(key) || "{}").settings, STORAGE_KEY);
  check(
    "the toggle and the colour are remembered across reloads",
    saved?.regions === true && saved?.regionColour === "#ff00ff",
    JSON.stringify(saved),
  );

  // ------------------------------------------------------------ the single view
  await objects.locator(`.grid-body .grid-row[data-sample="0"] button[aria-label$="with mask ${SCORED}"]`).click();
  await waitForCard(frame, OBJECTS, { step: Number(LAST), sample: 0, mask: SCORED });
  const composite = ".figure .composite-panel canvas.region-layer";
  await layersSettle(OBJECTS, composite, true);
  let [single] = await layersOf(OBJECTS, composite, colour);
  check(
    `the single view's outline lies over the composite at its drawn size (${single.width}x${single.height}), at the region's pixels`,
    same(single.box, single.pictureBox) &&
      single.width === Math.round(single.pictureBox[2]) &&
      !outlineDiff(single, objectRegion(0)),
    outlineDiff(single, objectRegion(0)) || JSON.stringify([single.box, single.pictureBox]),
  );
  // Download PNG saves the picture as shown: the composite with its outlines.
  const [file] = await Promise.all([
    page.waitForEvent("download", { timeout: 10000 }),
    objects.getByRole("button", { name: "Download PNG" }).click(),
  ]);
  const png = await frame.evaluate(
    async ([b64, rgb]) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.width, img.height];
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let kinds = "";
      for (let j = 0; j < data.length; j += 4) {
        const near = Math.abs(data[j] - rgb[0]) + Math.abs(data[j + 1] - rgb[1]) + Math.abs(data[j + 2] - rgb[2]) <= 6;
        kinds += near ? "2" : "0";
      }
      return { width: c.width, height: c.height, kinds };
    },
    [readFileSync(await file.path()).toString("base64"), colour],
  );
  const wanted = expectedOutline(objectRegion(0), png.width, png.height);
  let missing = 0;
  let extra = 0;
  for (let i = 0; i < wanted.kinds.length; i++) {
    if (wanted.skip[i] || wanted.kinds[i] === 1) continue;
    if (wanted.kinds[i] === 2 && png.kinds[i] !== "2") missing++;
    if (wanted.kinds[i] === 0 && png.kinds[i] === "2") extra++;
  }
  check(
    `Download PNG saves the composite with its outlines, at their size (${png.width}x${png.height})`,
    png.width === single.width && png.height === single.height && missing === 0 && extra < 0.01 * png.kinds.length,
    `${missing} outline pixels missing, ${extra} elsewhere in the outline colour`,
  );

  const lines = () => objects.locator(".card-scores .score-lines li").allTextContents();
  const expectedLines = (i) => {
    const out = [];
    for (const [name, label] of [
      ["pointing_game", "pointing game"],
      ["relevance_mass", "relevance mass"],
      ["mass_ratio", "mass ratio"],
    ]) {
      if (last[name][i] === null) continue;
      out.push(`${label} ${three(last[name][i])} · random ${three(last[`${name}_random`][i])} (higher is better)`);
    }
    out.push(
      `ROAD MoRF AUC ${three(last.road_morf_auc[i])} · random ${three(last.road_morf_random_auc[i])} (lower is better)` +
        ` · LeRF AUC ${three(last.road_lerf_auc[i])} · random ${three(last.road_lerf_random_auc[i])} (higher is better)` +
        ` · combined ${three(last.road_combined[i])} (higher is better)`,
    );
    return out;
  };
  check(
    "the card lists the localisation scores with their random baseline and direction, then ROAD",
    same(await lines(), expectedLines(0)),
    JSON.stringify(await lines()),
  );
  await objects.locator(".score-curves summary").click();
  const curves = await objects.locator(".curve-chart").evaluate((svg) => ({
    names: [...svg.querySelectorAll("polyline")].map((p) => [
      p.dataset.curve,
      p.getAttribute("points").split(" ").length,
    ]),
    text: [...svg.querySelectorAll("text")].map((t) => t.firstChild.textContent),
  }));
  check(
    "the chart draws the ROAD curves with their random twins, named in the legend",
    same(curves.names, [
      ["road_morf_random", 5],
      ["road_morf", 5],
      ["road_lerf_random", 5],
      ["road_lerf", 5],
    ]) &&
      curves.text.includes(`ROAD MoRF AUC ${three(last.road_morf_auc[0])}`) &&
      curves.text.includes(`ROAD LeRF AUC ${three(last.road_lerf_auc[0])}`),
    JSON.stringify(curves),
  );

  // Side by side: the image's panel and each mask's carry the outline too.
  const sbs = objects.locator('input[aria-label="Side by side"]');
  await sbs.check();
  const panelLayers = ".figure .panel canvas.region-layer";
  await layersSettle(OBJECTS, panelLayers, true, cells + 1);
  const panels = await layersOf(OBJECTS, panelLayers, colour);
  const panelDiffs = panels.map(
    (l) => outlineDiff(l, objectRegion(0)) || (same(l.box, l.pictureBox) ? "" : "misplaced"),
  );
  check(
    `side by side, the image, each mask and the overlay have the outline (${panels.length} panels)`,
    panels.length === cells + 1 && panelDiffs.every((d) => d === ""),
    panelDiffs.join("; "),
  );
  await sbs.uncheck();

  // The filmstrip: every frame outlines its step's region.
  await objects.locator('input[aria-label="Filmstrip"]').check();
  const filmLayers = ".filmstrip canvas.region-layer";
  await layersSettle(OBJECTS, filmLayers, true, spec.steps.length);
  const film = await layersOf(OBJECTS, filmLayers, colour);
  const filmDiffs = film.map((l) => outlineDiff(l, objectRegion(0)) || (same(l.box, l.pictureBox) ? "" : "misplaced"));
  check(
    `each filmstrip frame has the outline (${film.map((l) => `${l.width}x${l.height}`).join(", ")})`,
    film.length === spec.steps.length && filmDiffs.every((d) => d === ""),
    filmDiffs.join("; "),
  );
  if (shot) await objects.screenshot({ path: `${shot}-single.png` });
  await objects.locator('input[aria-label="Filmstrip"]').uncheck();

  // Another image: boxes alone; its localisation scores are null and left out.
  await setRange(objects.locator('input[aria-label="Sample"]'), 2);
  await waitForCard(frame, OBJECTS, { sample: 2 });
  await frame.waitForFunction(
    ([name, sel]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return c.querySelector(sel)?.getAttribute("aria-label")?.includes("boxes");
    },
    [OBJECTS, composite],
  );
  [single] = await layersOf(OBJECTS, composite, colour);
  check(
    "another image shows its own regions: its boxes, their classes named",
    !outlineDiff(single, objectRegion(2)) && labelWritten(single, objectRegion(2)),
    outlineDiff(single, objectRegion(2)),
  );
  check(
    "an image without localisation scores lists ROAD alone",
    same(await lines(), expectedLines(2)),
    JSON.stringify(await lines()),
  );

  // ------------------------------------------------------------ a label map
  const classes = cardOf(CLASSES);
  await gridLoaded(CLASSES, 2);
  await layersSettle(CLASSES, gridSelector, true, 4);
  const labelRows = await gridLayers(CLASSES, colour);
  const labelDiffs = [0, 1].flatMap((i) =>
    labelRows.get(i).map((l, k) => {
      const diff = outlineDiff(l, classRegion(i));
      return diff ? `image ${i} cell ${k}: ${diff}` : "";
    }),
  );
  check(
    "a label map: each class outlined, the explained class's region opaque and the other's fainter, per image",
    labelDiffs.every((d) => d === "") &&
      labelRows.get(0)[0].kinds.includes("1") &&
      labelRows.get(0)[0].kinds.includes("2"),
    labelDiffs.join("; "),
  );
  check(
    "its outlines name the explained class",
    labelRows.get(0)[0].label === "Regions: the region of each class, class right explained" &&
      labelRows.get(1)[0].label === "Regions: the region of each class, class left explained",
    `${labelRows.get(0)[0].label} / ${labelRows.get(1)[0].label}`,
  );
  if (shot) {
    await classes.scrollIntoViewIfNeeded();
    await classes.screenshot({ path: `${shot}-labels.png` });
  }
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
