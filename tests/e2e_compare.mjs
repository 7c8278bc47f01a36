// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks "Compare with", two masks of one image in the single view: a swipe at
// a known divider position paints A's colours left and B's right (pixel by
// pixel), the divider moves with the keys and with a drag; flicker alternates
// and Space held shows B; the difference of two equal masks is all the zero
// colour and of a ramp and its mirror the expected signed colours, its colour
// bar signed around 0; the agreement of a mask with its copy is 100 %; the
// choices survive a step change and a reload. B from another kept step and
// from another run (the same image found by its id, not its position) give
// the expected differences; "the step before" the first step says there is
// none. The expected colours are
// computed here from the masks' values, the colormaps and the compositing rule.
// Run by tests/test_frontend_compare.py.
//
//   node tests/e2e_compare.mjs --url http://127.0.0.1:PORT --spec spec.json [--shot PREFIX]
//
// --shot writes PREFIX-swipe.png, PREFIX-flicker.png, PREFIX-difference.png and
// PREFIX-from-run.png (the difference with B from the other run).
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { canvasPixels, setRange, waitForCard } from "./dashboard_page.mjs";
import { computeClip } from "../frontend/pipeline/clip.js";
import { colorizeMask } from "../frontend/pipeline/colorize.js";
import { colormapLUT, overlayTable } from "../frontend/pipeline/colormap.js";
import { composite } from "../frontend/pipeline/composite.js";

const url = arg("url");
const shot = arg("shot");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const tables = JSON.parse(readFileSync(new URL("../frontend/colormaps.json", import.meta.url), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const { width: W, height: H } = spec;
const STORAGE_KEY = "tensorboard-plugin-saliency/v1";
/** Per channel: the canvas's premultiplied 8-bit rounding and the masks' 16-bit quantisation. */
const TOLERANCE = 4;
const { check, failures } = checker();

const flat = (rows) => Float32Array.from(rows.flat());
const A = flat(spec.masks.ramp);
const B = flat(spec.masks.mirror);
const size = { width: W, height: H };

// The page's defaults (state.js DEFAULTS): inferno, absolute, alpha by value, clip p99, opacity 0.6.
const OPACITY = 0.6;
const heat = overlayTable(colormapLUT(tables, "inferno"), { mode: "heatmap", sign: "absolute", alpha: "value" });
const diverging = overlayTable(colormapLUT(tables, tables.default_diverging), {
  mode: "heatmap",
  sign: "signed",
  alpha: "value",
});
/** A mask's overlay as the page colours it alone (Normalize "Per image"). */
const layerOf = (values) =>
  colorizeMask(values, size, { table: heat, clip: computeClip([values], { sign: "absolute", clip: 99 }), cut: 0 });

const near = (got, want) => got.every((v, k) => Math.abs(v - want[k]) <= TOLERANCE);
const px = (data, x, y) => Array.from(data.slice(4 * (y * W + x), 4 * (y * W + x) + 4));

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}/#saliency`);
  let frame = await pluginFrame(page);
  await frame.evaluate((key) => localStorage.removeItem(key), STORAGE_KEY);
  await page.reload();
  frame = await pluginFrame(page);
  const card = () => frame.locator(`article[aria-label="${NAME}"]`);
  const canvas = () => card().locator("canvas.composite");
  const pixels = async () => Uint8ClampedArray.from(await canvasPixels(canvas()));
  const choose = (label, value) => card().getByLabel(label, { exact: true }).selectOption(value);
  const agreementText = () => card().locator("output.compare-agreement").textContent();
  const divider = () => card().getByRole("slider", { name: /Swipe divider/ });
  /** Waits until the picture's accessible name says what it shows (it is painted). */
  const painted = (pattern) =>
    frame.waitForFunction(
      ([name, source]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        return new RegExp(source).test(c?.querySelector("canvas.composite")?.getAttribute("aria-label") ?? "");
      },
      [NAME, pattern.source],
      { timeout: 15000, polling: 50 },
    );

  await waitForCard(frame, NAME, { step: spec.steps.at(-1), mask: "ramp" });

  // The image alone (Show mask off): what every composite is drawn over.
  await card().getByLabel("Show mask", { exact: true }).first().uncheck();
  const image = { width: W, height: H, data: await pixels() };
  await card().getByLabel("Show mask", { exact: true }).first().check();
  const expectA = composite(image, layerOf(A), OPACITY).data;
  const expectB = composite(image, layerOf(B), OPACITY).data;

  // ------------------------------------------------------------ swipe
  await choose("Compare with", "mirror");
  check(
    "the mode is swipe by default",
    (await card().getByLabel("Comparison", { exact: true }).inputValue()) === "swipe",
  );
  await divider().focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("PageUp");
  await page.keyboard.press("PageUp");
  for (let k = 0; k < 5; k++) await page.keyboard.press("ArrowRight");
  check(
    "the divider is a slider moved with the keys: Home, Page Up twice, → five times is 25 %",
    (await divider().getAttribute("aria-valuenow")) === "25",
    await divider().getAttribute("aria-valuenow"),
  );
  await painted(/ramp left, mirror right/);
  const split = Math.round(0.25 * W);
  const swipeDiff = (data, at) => {
    const bad = [];
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const want = px(x < at ? expectA : expectB, x, y);
        if (!near(px(data, x, y), want)) bad.push(`(${x},${y}) ${px(data, x, y)} not ${want}`);
      }
    return bad;
  };
  let bad = swipeDiff(await pixels(), split);
  check(
    `swipe at 25 %: columns 0..${split - 1} show A's colours (ramp), ${split}..${W - 1} B's (mirror)`,
    bad.length === 0,
    `${bad.length} pixels differ, e.g. ${bad.slice(0, 3).join("; ")}`,
  );
  // A drag: the divider's handle to the middle of the picture.
  const handle = await divider().boundingBox();
  const box = await canvas().boundingBox();
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  const dragged = Number(await divider().getAttribute("aria-valuenow"));
  check("dragging the divider to the picture's middle puts it at 50 %", Math.abs(dragged - 50) <= 1, String(dragged));
  bad = swipeDiff(await pixels(), Math.round((dragged / 100) * W));
  check("after the drag A is left of the divider and B right", bad.length === 0, bad.slice(0, 3).join("; "));
  if (shot) await card().screenshot({ path: `${shot}-swipe.png` });

  // ------------------------------------------------------------ agreement
  check(
    "the agreement of the ramp and its mirror's top 10 % is 0 %, printed beside the picture",
    (await agreementText()) === "Agreement: 0 % of ramp's top 10 % pixels are in mirror's top 10 %",
    await agreementText(),
  );

  // ------------------------------------------------------------ flicker
  await choose("Comparison", "flicker");
  await choose("Flicker rate", "4");
  const at = (data) => px(data, 2, H / 2);
  const samples = [];
  const t0 = Date.now();
  while (Date.now() - t0 < 2500) {
    samples.push(at(await pixels()));
    await page.waitForTimeout(60);
  }
  const sawA = samples.some((p) => near(p, px(expectA, 2, H / 2)));
  const sawB = samples.some((p) => near(p, px(expectB, 2, H / 2)));
  const switches = samples.slice(1).filter((p, k) => !near(p, samples[k])).length;
  check(
    `flicker at 4 Hz alternates A and B (${samples.length} samples over 2.5 s, ${switches} changes)`,
    sawA && sawB && switches >= 4,
    JSON.stringify(samples.slice(0, 6)),
  );
  if (shot) await card().screenshot({ path: `${shot}-flicker.png` });
  await canvas().focus();
  await page.keyboard.down(" ");
  await painted(/^[^(]*: mirror \(compared with ramp/);
  const held = [];
  for (let k = 0; k < 5; k++) {
    held.push(await pixels());
    await page.waitForTimeout(150);
  }
  await page.keyboard.up(" ");
  check(
    "while Space is held on the picture it shows B alone, steadily",
    held.every((d) => swipeDiff(d, 0).length === 0),
  );

  // ------------------------------------------------------------ difference
  await choose("Comparison", "difference");
  await choose("Compare with", "ramp_copy");
  await painted(/ramp − ramp_copy/);
  let data = await pixels();
  bad = [];
  for (let i = 0; i < W * H; i++)
    if (!near(px(data, i % W, Math.floor(i / W)), px(image.data, i % W, Math.floor(i / W)))) bad.push(i);
  check("the difference of two equal masks is all the zero colour: the image shows through", bad.length === 0);
  check(
    "the agreement of a mask with its copy is 100 %",
    (await agreementText()) === "Agreement: 100 % of ramp's top 10 % pixels are in ramp_copy's top 10 %",
    await agreementText(),
  );
  await choose("Compare with", "mirror");
  await painted(/ramp − mirror/);
  data = await pixels();
  const diff = A.map((a, i) => a - B[i]);
  const clip = computeClip([A, B], { sign: "absolute", clip: 99 });
  const diffLayer = colorizeMask(diff, size, { table: diverging, clip, sign: "signed", cut: -Infinity });
  const expectDiff = composite(image, diffLayer, OPACITY).data;
  const chosen = [0, 3, 8, 15, 16, 24, 31];
  bad = chosen.filter((x) => !near(px(data, x, 5), px(expectDiff, x, 5)));
  check(
    `the difference ramp − mirror has the expected signed colours at x = ${chosen.join(", ")}`,
    bad.length === 0,
    bad.map((x) => `${x}: ${px(data, x, 5)} not ${px(expectDiff, x, 5)}`).join("; "),
  );
  const [left, right] = [px(data, 0, 5), px(data, W - 1, 5)];
  check(
    "negative (A < B) is blue at the left, positive red at the right",
    left[2] > left[0] + 40 && right[0] > right[2] + 40,
    JSON.stringify([left, right]),
  );
  const bar = await card()
    .locator('.colorbar[aria-label="Colour bar"]')
    .evaluate((b) =>
      [".colorbar-low", ".colorbar-mid", ".colorbar-high", ".colorbar-note"].map(
        (s) => b.querySelector(s)?.textContent,
      ),
    );
  check(
    "its colour bar is in mask units, signed around 0 in the middle, the clip pooled over both",
    bar[1] === "0" &&
      Number(bar[0]) === -1 &&
      Number(bar[2]) === 1 &&
      bar[3] === "ramp − mirror · clip p99 of both = ±1",
    JSON.stringify(bar),
  );
  if (shot) await card().screenshot({ path: `${shot}-difference.png` });

  // ------------------------------------------------------------ B from another step, another run
  const differenceOf = (a, b) => {
    const layer = colorizeMask(
      a.map((v, i) => v - b[i]),
      size,
      { table: diverging, clip: computeClip([a, b], { sign: "absolute", clip: 99 }), sign: "signed", cut: -Infinity },
    );
    return composite(image, layer, OPACITY).data;
  };
  const differs = (data, want) => chosen.filter((x) => !near(px(data, x, 5), px(want, x, 5)));
  await choose("Compare with", "grow");
  await choose("B from", "step:0");
  await painted(/ramp − grow @ step 0$/);
  bad = differs(
    await pixels(),
    differenceOf(
      A,
      A.map((v) => 0.2 * v),
    ),
  );
  check(
    "B from step 0: ramp − grow at step 0 (a fifth of the ramp) has the expected colours",
    bad.length === 0,
    bad.join(", "),
  );
  check(
    "its agreement names B with its step",
    (await agreementText()) === "Agreement: 100 % of ramp's top 10 % pixels are in grow @ step 0's top 10 %",
    await agreementText(),
  );
  await choose("Compare with", "ramp");
  await choose("B from", `run:${spec.other}`);
  await painted(new RegExp(`ramp − ramp \\(run ${spec.other}, step ${spec.steps.at(-1)}\\)$`));
  bad = differs(await pixels(), expectDiff);
  check(
    "B from the other run is the same image found by its id (the second there): its ramp is the mirror",
    bad.length === 0,
    bad.join(", "),
  );
  if (shot) await card().screenshot({ path: `${shot}-from-run.png` });
  await choose("B from", "previous");
  await painted(/ramp − ramp @ step 0$/);
  await setRange(card().getByLabel("Step", { exact: true }), 0);
  await waitForCard(frame, NAME, { step: spec.steps[0], mask: "ramp" });
  await frame.waitForFunction(
    (name) =>
      [...document.querySelectorAll("article.card")]
        .find((a) => a.getAttribute("aria-label") === name)
        ?.querySelector("output.compare-agreement")
        ?.textContent.startsWith("No B"),
    NAME,
    { timeout: 15000, polling: 50 },
  );
  check(
    "“the step before” the first step says there is none",
    (await agreementText()) === `No B: there is no kept step before step ${spec.steps[0]}`,
    await agreementText(),
  );
  await setRange(card().getByLabel("Step", { exact: true }), spec.steps.length - 1);
  await waitForCard(frame, NAME, { step: spec.steps.at(-1), mask: "ramp" });
  await choose("B from", "");
  await choose("Compare with", "mirror");
  await painted(/ramp − mirror$/);

  // ------------------------------------------------------------ a step change, a reload
  await setRange(card().getByLabel("Step", { exact: true }), 0);
  await waitForCard(frame, NAME, { step: spec.steps[0], mask: "ramp" });
  await painted(/ramp − mirror/);
  check(
    "at another step the comparison stays: difference with mirror",
    (await card().getByLabel("Compare with", { exact: true }).inputValue()) === "mirror" &&
      (await card().getByLabel("Comparison", { exact: true }).inputValue()) === "difference",
  );
  await choose("Comparison", "swipe");
  await page.reload();
  frame = await pluginFrame(page);
  await waitForCard(frame, NAME, { mask: "ramp" });
  await painted(/ramp left, mirror right/);
  const after = Number(await divider().getAttribute("aria-valuenow"));
  check(
    "after a reload the card compares with mirror by swipe, its divider where it was",
    (await card().getByLabel("Compare with", { exact: true }).inputValue()) === "mirror" &&
      (await card().getByLabel("Comparison", { exact: true }).inputValue()) === "swipe" &&
      after === dragged,
    `${after} vs ${dragged}`,
  );
  bad = swipeDiff(await pixels(), Math.round((after / 100) * W));
  check("and paints A left of the divider, B right", bad.length === 0, bad.slice(0, 3).join("; "));
  await choose("Compare with", "");
  check(
    "“—” compares with nothing: no divider, no agreement",
    (await divider().count()) === 0 || !(await divider().isVisible()),
  );
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
