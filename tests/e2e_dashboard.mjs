// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks what a user sees. Run by tests/test_frontend_e2e.py, which writes the
// log directory and the --spec file describing it (image pixels, mask boxes,
// mask values), and starts tensorboard.
//
//   node tests/e2e_dashboard.mjs --url http://127.0.0.1:PORT --spec expected.json [--screenshot docs/screenshot.png]
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { canvasPixels, fetchedPixels, setRange, waitForCard } from "./dashboard_page.mjs";

const url = arg("url");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const screenshot = arg("screenshot");
const W = spec.width;
const H = spec.height;
const TRAIN = "train / saliency/cls";
const { check, failures } = checker();

// ------------------------------------------------------------ pixel helpers

const inBox = (x, y, [y0, y1, x0, x1]) => y >= y0 && y < y1 && x >= x0 && x < x1;
const imagePixel = (sample, x, y) => spec.images[sample][y][x];

/** Compares canvas pixels with the source image of `sample` inside and outside boxes. */
function compare(pixels, sample, boxes) {
  let outsideDiff = 0;
  let insideSame = 0;
  let inside = 0;
  let worstOutside = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = 4 * (y * W + x);
      const img = imagePixel(sample, x, y);
      const d = Math.abs(pixels[p] - img[0]) + Math.abs(pixels[p + 1] - img[1]) + Math.abs(pixels[p + 2] - img[2]);
      if (boxes.some((b) => inBox(x, y, b))) {
        inside++;
        if (d < 24) insideSame++;
      } else {
        if (d > 3) outsideDiff++;
        worstOutside = Math.max(worstOutside, d);
      }
    }
  }
  return { outsideDiff, insideSame, inside, worstOutside };
}

function equalsImage(pixels, sample) {
  const r = compare(pixels, sample, []);
  return r.outsideDiff === 0;
}

/** Channels of two RGBA arrays that differ by more than `tolerance`, the worst, and the first such pixel. */
function pixelDiff(a, b, tolerance = 0) {
  if (!a || !b || a.length !== b.length) return { count: -1, sizes: [a && a.length, b && b.length] };
  let count = 0;
  let worst = 0;
  let first = null;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > tolerance) {
      count++;
      const p = i & ~3;
      if (first === null) first = { pixel: p / 4, page: a.slice(p, p + 4), served: b.slice(p, p + 4) };
    }
    worst = Math.max(worst, d);
  }
  return { count, worst, first };
}

// ------------------------------------------------------------ page helpers

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
const dialogs = [];
const errors = [];
page.on("dialog", (d) => {
  dialogs.push(d.message());
  d.dismiss().catch(() => {});
});
page.on("pageerror", (e) => errors.push(e.message));
page.on("console", (m) => {
  if (m.type() === "error") errors.push(m.text());
});

async function openTab() {
  await page.goto(`${url}/#saliency`);
  return pluginFrame(page);
}

let frame = await openTab();
const card = () => frame.locator(`article[aria-label="${TRAIN}"]`);
const settings = () => frame.getByRole("region", { name: "Settings" });

/** Waits until the train card shows `step`/`sample` and has painted; returns its pixels. */
async function pixels({ step = null, sample = null, mask = null } = {}) {
  await waitForCard(frame, TRAIN, { step, sample, mask });
  return canvasPixels(card().locator("canvas.composite"));
}

const lastStep = spec.steps[spec.steps.length - 1];
const box = (step, sample) => spec.gradBoxes[String(step)][sample];

// ------------------------------------------------------------ checks

try {
  // The tab loads from TensorBoard's own page; a card shows with its metadata.
  await card().waitFor({ timeout: 20000 });
  check("the tab loads inside TensorBoard's page and a card shows", await card().isVisible());
  let px = await pixels({ step: lastStep, sample: 0 });
  check(
    "card shows the latest step and its label",
    (await card().locator(".card-meta").textContent()).startsWith(`Step ${lastStep}`) &&
      (await card().locator(".card-label").textContent()).includes("pred: ring 0"),
  );
  const canvasSize = await card()
    .locator("canvas.composite")
    .evaluate((c) => [c.width, c.height]);
  check("canvas has the image's size", canvasSize[0] === W && canvasSize[1] === H, String(canvasSize));

  // Show mask on: differs in the mask box, equals the image where the mask is zero.
  let r = compare(px, 0, [box(lastStep, 0)]);
  check("mask on: pixels differ where the mask is high", r.insideSame === 0 && r.inside > 0, JSON.stringify(r));
  check("mask on: pixels equal the image where the mask is zero", r.outsideDiff === 0, JSON.stringify(r));
  const base = px;

  // Show mask off (global checkbox), then the keyboard shortcut.
  await settings().getByLabel("Show mask", { exact: true }).uncheck();
  check("mask off: canvas equals the image", equalsImage(await pixels(), 0));
  await settings().getByLabel("Show mask", { exact: true }).check();
  check("mask on again: overlay back", compare(await pixels(), 0, [box(lastStep, 0)]).insideSame === 0);
  await frame.locator("p.status").click();
  await page.keyboard.press("m");
  check(
    "keyboard shortcut M hides the mask",
    equalsImage(await pixels(), 0) && !(await settings().getByLabel("Show mask", { exact: true }).isChecked()),
  );
  await page.keyboard.press("m");
  check("keyboard shortcut M shows it again", compare(await pixels(), 0, [box(lastStep, 0)]).insideSame === 0);

  // Opacity 0 equals the image; 1 paints the colormap's top colour.
  await setRange(settings().getByLabel("Opacity", { exact: true }), 0);
  check("opacity 0: canvas equals the image", equalsImage(await pixels(), 0));
  await setRange(settings().getByLabel("Opacity", { exact: true }), 1);
  px = await pixels();
  const [by0, , bx0] = box(lastStep, 0);
  const top = px.slice(4 * (by0 * W + bx0), 4 * (by0 * W + bx0) + 3);
  check(
    "opacity 1: the box shows inferno's top colour (#fcffa4)",
    Math.abs(top[0] - 0xfc) <= 2 && Math.abs(top[1] - 0xff) <= 2 && Math.abs(top[2] - 0xa4) <= 2,
    String(top),
  );

  // Alpha "by value" (the default): a pixel whose mask value is 0 keeps the
  // image's own colour at any opacity, for the absolute and the signed mask.
  const alphaSel = settings().getByLabel("Alpha", { exact: true });
  check("Alpha defaults to by value", (await alphaSel.inputValue()) === "value", await alphaSel.inputValue());
  for (const opacity of [1, 0.6]) {
    await setRange(settings().getByLabel("Opacity", { exact: true }), opacity);
    r = compare(await pixels(), 0, [box(lastStep, 0)]);
    check(
      `alpha by value, opacity ${opacity}: the box shows, mask-0 pixels keep the image's colour`,
      r.insideSame === 0 && r.outsideDiff === 0,
      JSON.stringify(r),
    );
  }
  await card().getByLabel("Mask", { exact: true }).selectOption("ig");
  await settings().getByLabel("Sign", { exact: true }).selectOption("signed");
  for (const opacity of [1, 0.6]) {
    await setRange(settings().getByLabel("Opacity", { exact: true }), opacity);
    r = compare(await pixels({ mask: "ig" }), 0, [box(lastStep, 0), spec.negBox]);
    check(
      `alpha by value, sign signed, opacity ${opacity}: mask-0 pixels keep the image's colour`,
      r.insideSame === 0 && r.outsideDiff === 0,
      JSON.stringify(r),
    );
  }
  await settings().getByLabel("Sign", { exact: true }).selectOption("absolute");
  await card().getByLabel("Mask", { exact: true }).selectOption("grad");
  await pixels({ mask: "grad" });

  // Colormap: viridis changes the box's colour, not the rest.
  await settings().getByLabel("Colormap", { exact: true }).selectOption("viridis");
  px = await pixels();
  r = compare(px, 0, [box(lastStep, 0)]);
  const at = (p, x, y) => p.slice(4 * (y * W + x), 4 * (y * W + x) + 3);
  check(
    "colormap viridis: box colour changes, zero pixels still equal the image",
    r.outsideDiff === 0 && r.insideSame === 0 && at(px, bx0, by0).join() !== at(base, bx0, by0).join(),
    `${at(px, bx0, by0)} vs ${at(base, bx0, by0)}`,
  );
  await settings().getByLabel("Colormap", { exact: true }).selectOption("inferno");

  // Sign modes on the signed mask `ig` (+0.5 in the grad box, -0.5 in negBox).
  await card().getByLabel("Mask", { exact: true }).selectOption("ig");
  const pos = box(lastStep, 0);
  const neg = spec.negBox;
  const signSel = settings().getByLabel("Sign", { exact: true });
  px = await pixels({ mask: "ig" });
  r = compare(px, 0, [pos, neg]);
  check(
    "sign absolute: both the positive and the negative box show",
    r.insideSame === 0 && r.outsideDiff === 0,
    JSON.stringify(r),
  );
  await signSel.selectOption("positive");
  px = await pixels();
  r = compare(px, 0, [pos]);
  check("sign positive: only the positive box shows", r.insideSame === 0 && r.outsideDiff === 0, JSON.stringify(r));
  await signSel.selectOption("negative");
  px = await pixels();
  r = compare(px, 0, [neg]);
  check("sign negative: only the negative box shows", r.insideSame === 0 && r.outsideDiff === 0, JSON.stringify(r));
  await signSel.selectOption("signed");
  px = await pixels();
  r = compare(px, 0, [pos, neg]);
  const red = at(px, pos[2], pos[0]);
  const blue = at(px, neg[2], neg[0]);
  check(
    "sign signed: positive box turns red, negative box blue (diverging map)",
    r.insideSame === 0 &&
      r.outsideDiff === 0 &&
      red[0] - red[2] > blue[0] - blue[2] + 40 &&
      (await settings().getByLabel("Colormap", { exact: true }).inputValue()) === "rdbu",
    `${red} / ${blue}`,
  );
  await signSel.selectOption("absolute");
  await card().getByLabel("Mask", { exact: true }).selectOption("grad");
  await pixels({ mask: "grad" });

  // Hover readout: the written value under the pointer.
  const hover = async (x, y) => {
    const canvas = card().locator("canvas.composite");
    // In view, and still: the cards above load their rows and tables in their own time,
    // and a card that grows moves this one.
    await canvas.scrollIntoViewIfNeeded();
    let b = await canvas.boundingBox();
    for (let k = 0; k < 40; k++) {
      await page.waitForTimeout(50);
      const now = await canvas.boundingBox();
      if (now.x === b.x && now.y === b.y) break;
      b = now;
    }
    await canvas.hover({ position: { x: ((x + 0.5) * b.width) / W, y: ((y + 0.5) * b.height) / H } });
    return card().locator("output.readout").textContent();
  };
  let text = await hover(bx0 + 2, by0 + 3);
  check(
    "hover readout shows coordinates and the written mask value",
    text.includes(`x ${bx0 + 2}, y ${by0 + 3}`) && text.includes(`grad = ${spec.gradValues[String(lastStep)]}`),
    text,
  );
  text = await hover(60, 2);
  check("hover readout shows 0 where the mask is zero", text.includes("x 60, y 2") && text.endsWith("grad = 0"), text);

  // Step slider: step 0 moves the box.
  await setRange(card().getByLabel("Step", { exact: true }), 0);
  px = await pixels({ step: 0, sample: 0 });
  r = compare(px, 0, [box(0, 0)]);
  check("step 0: overlay follows that step's mask box", r.insideSame === 0 && r.outsideDiff === 0, JSON.stringify(r));
  text = await hover(box(0, 0)[2] + 1, box(0, 0)[0] + 1);
  check("hover readout at step 0 shows that step's value", text.includes(`grad = ${spec.gradValues["0"]}`), text);

  // Sample slider: the second image of the batch, its own box.
  await setRange(card().getByLabel("Sample", { exact: true }), 1);
  px = await pixels({ step: 0, sample: 1 });
  r = compare(px, 1, [box(0, 1)]);
  check(
    "sample 1: the second image with its own mask box",
    r.insideSame === 0 && r.outsideDiff === 0,
    JSON.stringify(r),
  );
  check("sample 1: label follows", (await card().locator(".card-label").textContent()).includes("pred: ring 1"));
  await setRange(card().getByLabel("Sample", { exact: true }), 0);
  await setRange(card().getByLabel("Step", { exact: true }), spec.steps.length - 1);
  await pixels({ step: lastStep, sample: 0 });

  // Filmstrip: sample 0 and mask grad at every kept step, the step under each
  // frame, one clip pooled over the frames (a weaker step's box is fainter).
  await card().getByLabel("Filmstrip", { exact: true }).check();
  await frame.waitForFunction(
    ([name, n]) => {
      const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      return Number(c?.querySelector(".filmstrip")?.dataset.loaded) === n;
    },
    [TRAIN, spec.steps.length],
    { timeout: 20000 },
  );
  const film = card().locator(".filmstrip");
  const captions = await film.locator("figcaption").allTextContents();
  const frames = [];
  for (let i = 0; i < spec.steps.length; i++) frames.push(await canvasPixels(film.locator(".film-canvas").nth(i)));
  const boxChange = (p, step) => {
    const [y0, y1, x0, x1] = box(step, 0);
    const x = (x0 + x1) >> 1;
    const y = (y0 + y1) >> 1;
    const img = imagePixel(0, x, y);
    return [0, 1, 2].reduce((sum, c) => sum + Math.abs(p[4 * (y * W + x) + c] - img[c]), 0);
  };
  const framesOk = frames.every((p, i) => compare(p, 0, [box(spec.steps[i], 0)]).outsideDiff === 0);
  const change = frames.map((p, i) => boxChange(p, spec.steps[i]));
  check(
    "filmstrip: one frame per kept step with its step, zero pixels equal the image, one shared normalisation",
    captions.join("|") === spec.steps.map((st) => `step ${st}`).join("|") &&
      framesOk &&
      change[0] > 0 &&
      change[0] < change[change.length - 1],
    `${captions} / ${change}`,
  );
  await card().getByLabel("Filmstrip", { exact: true }).uncheck();

  // Per-card override: this card's Opacity 0 leaves the global at 0.6.
  await card().locator("details.card-overrides summary").click();
  await setRange(card().getByLabel("Opacity", { exact: true }), 0);
  check(
    "per-card Opacity 0 overrides the global setting",
    equalsImage(await pixels(), 0) && (await settings().getByLabel("Opacity", { exact: true }).inputValue()) === "0.6",
  );
  await card().getByRole("button", { name: "Use global settings" }).click();
  check("Use global settings drops the override", compare(await pixels(), 0, [box(lastStep, 0)]).insideSame === 0);

  // Threshold and clip percentile respond (box values are all equal: the
  // overlay stays; a gradient-free mask is a fixed point).
  await settings().getByLabel("Clip percentile", { exact: true }).fill("50");
  px = await pixels();
  check("Clip percentile 50: zero pixels still equal the image", compare(px, 0, [box(lastStep, 0)]).outsideDiff === 0);
  await settings().getByLabel("Clip percentile", { exact: true }).fill("99");
  const bar = await card().locator('.colorbar[aria-label="Colour bar"]').textContent();
  check(
    "colour bar shows the real values and the clip point",
    bar.includes(`clip p99 = ${spec.gradValues[String(lastStep)]}`) && bar.startsWith("0"),
    bar,
  );

  // Side by side: image | each mask | overlay.
  await settings().getByLabel("Side by side", { exact: true }).check();
  await frame.waitForFunction(() => document.querySelectorAll("article .panels:not([hidden]) canvas").length > 0);
  const panels = await card().locator("figure.panel canvas").count();
  check("side by side shows image, each mask and the overlay", panels === 4, String(panels));
  await settings().getByLabel("Side by side", { exact: true }).uncheck();

  // Download button saves a PNG.
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 10000 }),
    card().getByRole("button", { name: "Download PNG" }).click(),
  ]);
  check("Download PNG saves a .png", download.suggestedFilename().endsWith(".png"), download.suggestedFilename());

  // A run and tag named like HTML: text, never markup; nothing runs.
  const xssCard = frame.locator(`article[aria-label="${spec.xss} / ${spec.xss}"]`);
  await xssCard.waitFor({ timeout: 10000 });
  await xssCard.scrollIntoViewIfNeeded();
  check(
    "an HTML-like run/tag name shows as text",
    (await xssCard.locator(".card-tag").textContent()) === spec.xss &&
      (await xssCard.locator(".card-run").textContent()) === spec.xss &&
      (await frame.locator('img[src="x"]').count()) === 0 &&
      (await frame.getByRole("region", { name: "Runs" }).getByText(spec.xss, { exact: true }).count()) === 1,
  );
  await waitForCard(frame, `${spec.xss} / ${spec.xss}`, {}, 10000);
  check("its label shows as text too", (await xssCard.locator(".card-label").textContent()) === spec.xss);

  // A tag the backend lists but cannot read (RustBoard and a double quote in
  // the name): the card shows /tags' error as text and loads nothing.
  const quoted = spec.quoted;
  const quotedName = `${quoted.run} / ${quoted.tag}`;
  const listed = await frame.evaluate(
    async ([run, tag]) => (await (await fetch("tags")).json())[run]?.[tag],
    [quoted.run, quoted.tag],
  );
  const quotedCard = frame.locator("article.card").filter({ has: frame.locator(".card-run", { hasText: quoted.run }) });
  await quotedCard.scrollIntoViewIfNeeded();
  if (listed && listed.error) {
    const errorText = quotedCard.locator(".card-error");
    await errorText.waitFor({ timeout: 10000 });
    check(
      "a tag /tags lists with an error shows the message as text and loads nothing",
      (await errorText.textContent()) === `This tag cannot be read: ${listed.error}` &&
        (await quotedCard.getAttribute("data-step")) === null &&
        listed.samples === 0,
      await errorText.textContent(),
    );
  } else {
    await waitForCard(frame, quotedName, {}, 10000);
    check("a tag named with a double quote loads where the backend reads it", Boolean(listed) && !listed.error);
  }

  // Dark mode follows TensorBoard's page.
  await page.evaluate(() => document.body.classList.add("dark-mode"));
  await frame.waitForFunction(() => document.documentElement.classList.contains("dark"), null, { timeout: 5000 });
  check("dark mode follows TensorBoard's body.dark-mode", true);
  await page.evaluate(() => document.body.classList.remove("dark-mode"));
  await frame.waitForFunction(() => !document.documentElement.classList.contains("dark"), null, { timeout: 5000 });

  // Tag filter and run selector are remembered across reloads.
  await frame.getByLabel("Filter tags (regular expression)").fill("^saliency/");
  check("tag filter hides other tags", (await frame.locator("article").count()) === 1);
  await settings().getByLabel("Colormap", { exact: true }).selectOption("magma");
  await settings().getByLabel("Clip mode", { exact: true }).selectOption("mass");
  await settings().getByLabel("Alpha", { exact: true }).selectOption("uniform");
  frame = await (async () => {
    await page.reload();
    return pluginFrame(page);
  })();
  await card().waitFor({ timeout: 20000 });
  check(
    "tag filter and settings (clip mode and alpha too) are remembered across reloads",
    (await frame.getByLabel("Filter tags (regular expression)").inputValue()) === "^saliency/" &&
      (await frame.locator("article").count()) === 1 &&
      (await settings().getByLabel("Colormap", { exact: true }).inputValue()) === "magma" &&
      (await settings().getByLabel("Clip mode", { exact: true }).inputValue()) === "mass" &&
      (await settings().getByLabel("Alpha", { exact: true }).inputValue()) === "uniform",
  );
  await frame.getByLabel("Filter tags (regular expression)").fill("");
  await frame.getByRole("region", { name: "Runs" }).getByLabel("train", { exact: true }).uncheck();
  frame = await (async () => {
    await page.reload();
    return pluginFrame(page);
  })();
  await frame.locator("article").first().waitFor({ timeout: 20000 });
  check(
    "run selection is remembered across reloads",
    (await frame.locator(`article[aria-label="${TRAIN}"]`).count()) === 0 &&
      !(await frame.getByRole("region", { name: "Runs" }).getByLabel("train", { exact: true }).isChecked()),
  );
  await frame.getByRole("region", { name: "Runs" }).getByLabel("train", { exact: true }).check();
  await frame.getByRole("button", { name: "Reset settings" }).click();
  await card().waitFor({ timeout: 20000 });

  // Clip mode, from render_options.json like the server's: the page's overlay
  // equals the PNG of /render with the same options to the pixel, as a
  // percentile and as Captum's cumulative mass, for a full-size mask and a
  // 12x12 one scaled to its 96x96 image. /render draws with a uniform alpha.
  const alphaSetting = settings().getByLabel("Alpha", { exact: true });
  check("Reset settings brings Alpha back to by value", (await alphaSetting.inputValue()) === "value");
  await alphaSetting.selectOption("uniform");
  const rings = spec.rings;
  const RINGS = `${rings.run} / ${rings.tag}`;
  const ringsCard = frame.locator(`article[aria-label="${RINGS}"]`);
  const clipMode = settings().getByLabel("Clip mode", { exact: true });
  const modes = await clipMode.locator("option").evaluateAll((options) => options.map((o) => o.value));
  check("the clip mode choices are render_options.json's", modes.join() === rings.clipModes.join(), modes.join());
  const served = (mask, mode, opacity) => {
    const query = new URLSearchParams({
      run: rings.run,
      tag: rings.tag,
      step: rings.step,
      sample: 0,
      mask,
      colormap: "inferno",
      sign: "absolute",
      clip: rings.clip,
      clip_mode: mode,
      opacity,
      threshold: 100,
    });
    return fetchedPixels(frame, `render?${query}`);
  };
  await setRange(settings().getByLabel("Opacity", { exact: true }), 1);
  await settings().getByLabel("Clip percentile", { exact: true }).fill(String(rings.clip));
  const shown = {};
  await waitForCard(frame, RINGS);
  for (const mode of ["percentile", "mass"]) {
    await clipMode.selectOption(mode);
    for (const mask of rings.masks) {
      await ringsCard.getByLabel("Mask", { exact: true }).selectOption(mask);
      await waitForCard(frame, RINGS, { step: rings.step, sample: 0, mask });
      const got = (shown[`${mode} ${mask}`] = await canvasPixels(ringsCard.locator("canvas.composite")));
      const png = await served(mask, mode, 1);
      const diff = pixelDiff(got, png.data);
      check(
        `clip mode ${mode}, mask ${mask}: the overlay equals /render?clip_mode=${mode}&clip=${rings.clip}&opacity=1 to the pixel`,
        png.status === 200 && diff.count === 0,
        png.error || JSON.stringify(diff),
      );
    }
  }
  check(
    "clip mode mass moves the clip point (the overlays differ)",
    pixelDiff(shown[`percentile ${rings.masks[0]}`], shown[`mass ${rings.masks[0]}`]).count > 0,
  );
  const ringsBar = await ringsCard.locator('.colorbar[aria-label="Colour bar"]').textContent();
  check("the colour bar names the cumulative-mass clip", ringsBar.includes(`clip ${rings.clip}% mass = `), ringsBar);
  // At a lower opacity the canvas blends with its own 8-bit rounding: within 1.
  await setRange(settings().getByLabel("Opacity", { exact: true }), 0.6);
  const blended = pixelDiff(
    await canvasPixels(ringsCard.locator("canvas.composite")),
    (await served(rings.masks[1], "mass", 0.6)).data,
    1,
  );
  check(
    "clip mode mass at opacity 0.6: the overlay equals /render within 1",
    blended.count === 0,
    JSON.stringify(blended),
  );
  // Per card: this card's Clip mode overrides the global one.
  await setRange(settings().getByLabel("Opacity", { exact: true }), 1);
  await clipMode.selectOption("percentile");
  await ringsCard.getByLabel("Mask", { exact: true }).selectOption(rings.masks[0]);
  await waitForCard(frame, RINGS, { mask: rings.masks[0] });
  await ringsCard.locator("details.card-overrides summary").click();
  await ringsCard.getByLabel("Clip mode", { exact: true }).selectOption("mass");
  check(
    "this card's Clip mode mass overrides the global percentile",
    pixelDiff(await canvasPixels(ringsCard.locator("canvas.composite")), shown[`mass ${rings.masks[0]}`]).count === 0 &&
      (await clipMode.inputValue()) === "percentile",
  );
  await ringsCard.locator("details.card-overrides summary").click();
  await frame.getByRole("button", { name: "Reset settings" }).click();

  // A batch of 4 images x 2 masks shows as a grid: every image (with its label)
  // and every mask; clicking a cell opens that sample and mask alone.
  const batch = spec.batch;
  const BATCH = `${batch.run} / ${batch.tag}`;
  const batchCard = frame.locator(`article[aria-label="${BATCH}"]`);
  await batchCard.scrollIntoViewIfNeeded();
  const gridView = batchCard.locator(".grid-view");
  const rows = gridView.locator(".grid-body .grid-row");
  await frame.waitForFunction(
    ([name, n]) => {
      const card = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
      const grid = card?.querySelector(".grid-view");
      if (!grid) return false;
      grid.scrollTop = grid.scrollHeight; // the rows below load as they come into view
      return Number(grid.dataset.loaded) === n;
    },
    [BATCH, batch.labels.length],
    { timeout: 20000 },
  );
  const labels = await rows.locator(".grid-label").allTextContents();
  const heads = await gridView.locator(".grid-head .grid-mask-name").allTextContents();
  check(
    "a batch of 4 images x 2 masks shows as a grid: one row per image with its label, one column per mask",
    (await gridView.isVisible()) &&
      labels.join("|") === batch.labels.join("|") &&
      heads.join("|") === batch.masks.join("|") &&
      (await rows.locator("button.grid-cell").count()) === batch.labels.length * (batch.masks.length + 1) &&
      (await gridView.locator(".grid-head .grid-colorbar .colorbar-strip").count()) === batch.masks.length &&
      (await batchCard.locator("canvas.composite").isHidden()),
    `${labels} / ${heads}`,
  );
  await gridView.getByRole("button", { name: `Open image 3 with mask ${batch.masks[1]}` }).click();
  await waitForCard(frame, BATCH, { sample: 2, mask: batch.masks[1] });
  check(
    "clicking a grid cell opens that sample and mask in the single view",
    (await batchCard.locator("canvas.composite").isVisible()) &&
      (await gridView.isHidden()) &&
      (await batchCard.locator(".card-label").textContent()) === batch.labels[2] &&
      (await batchCard.getByLabel("Mask", { exact: true }).inputValue()) === batch.masks[1],
  );
  await batchCard.getByRole("button", { name: "Back to grid" }).click();
  check("Back to grid shows the grid again", await gridView.isVisible());

  // Order cards by tag: each tag's runs together, tags sorted, then runs.
  const cardNames = () => frame.locator("article.card").evaluateAll((a) => a.map((c) => c.getAttribute("aria-label")));
  const byRun = await cardNames();
  await frame.getByLabel("Order cards", { exact: true }).selectOption("tag");
  const byTag = await cardNames();
  const tagOf = (name) => name.slice(name.indexOf(" / ") + 3);
  const sortedByTag = [...byRun].sort((a, b) => (tagOf(a) < tagOf(b) ? -1 : tagOf(a) > tagOf(b) ? 1 : a < b ? -1 : 1));
  await frame.getByLabel("Order cards", { exact: true }).selectOption("run");
  check(
    "Order cards by tag lists the cards by tag, then run; by run restores the order",
    byTag.join("|") === sortedByTag.join("|") &&
      byTag.join("|") !== byRun.join("|") &&
      (await cardNames()).join("|") === byRun.join("|"),
    `${byRun} / ${byTag}`,
  );

  check("no dialog opened (nothing from the data ran)", dialogs.length === 0, dialogs.join(" | "));
  check("no script errors in the page", errors.length === 0, errors.join(" | "));

  if (screenshot) {
    await waitForCard(frame, TRAIN);
    await card().getByLabel("Mask", { exact: true }).selectOption("ig");
    await pixels({ step: lastStep, sample: 0, mask: "ig" });
    await hover(bx0 + 4, by0 + 4);
    await page.screenshot({ path: screenshot });
    console.log(`saved ${screenshot}`);
  }
} catch (e) {
  check("no unexpected error", false, e.stack || String(e));
} finally {
  await browser.close();
}
console.log(failures() ? `${failures()} check(s) failed` : "all checks passed");
process.exit(failures() ? 1 : 0);
