// Drives the Saliency tab of a running TensorBoard in headless Chromium and
// checks a card's filmstrip under "Frames: difference from the previous
// step": the first frame is its plain mask (the reference), each later frame
// its mask minus the previous frame's, through the diverging colormap under
// the one clip pooled over every frame's mask, captioned "step 200 − step
// 100", with a signed colour bar; the choice survives a step change and a
// reload. The expected colours are computed here from the masks' values, the
// colormaps and the compositing rule. Run by tests/test_frontend_filmstrip_compare.py.
//
//   node tests/e2e_filmstrip_compare.mjs --url http://127.0.0.1:PORT --spec spec.json
//
// Prints one "ok"/"FAIL" line per check; exits 1 when any check fails.

import { readFileSync } from "node:fs";
import { arg, checker, launchChromium, pluginFrame } from "./browser.mjs";
import { canvasPixels, setRange, waitForCard } from "./dashboard_page.mjs";
import { computeClip } from "../frontend/pipeline/clip.js";
import { colorizeMask } from "../frontend/pipeline/colorize.js";
import { colormapLUT, overlayTable } from "../frontend/pipeline/colormap.js";
import { composite } from "../frontend/pipeline/composite.js";

const url = arg("url");
const spec = JSON.parse(readFileSync(arg("spec"), "utf8"));
const tables = JSON.parse(readFileSync(new URL("../frontend/colormaps.json", import.meta.url), "utf8"));
const NAME = `${spec.run} / ${spec.tag}`;
const { width: W, height: H, steps } = spec;
/** Per channel: the canvas's premultiplied 8-bit rounding and the masks' 16-bit quantisation. */
const TOLERANCE = 4;
const { check, failures } = checker();

const size = { width: W, height: H };
const masks = spec.values.map((v) => new Float32Array(W * H).fill(v));

// The page's defaults (state.js DEFAULTS): inferno, absolute, alpha by value, clip p99, opacity 0.6.
const OPACITY = 0.6;
const heat = overlayTable(colormapLUT(tables, "inferno"), { mode: "heatmap", sign: "absolute", alpha: "value" });
const diverging = overlayTable(colormapLUT(tables, tables.default_diverging), {
  mode: "heatmap",
  sign: "signed",
  alpha: "value",
});
/** The filmstrip's one clip: pooled over every frame's mask. */
const clip = computeClip(masks, { sign: "absolute", clip: 99 });

const near = (a, b) => a.length === b.length && a.every((v, k) => Math.abs(v - b[k]) <= TOLERANCE);
/** The pixels of `got` that differ from `want`, as "(x,y) got not want". */
const differing = (got, want) => {
  const bad = [];
  for (let i = 0; i < W * H; i++) {
    const g = Array.from(got.slice(4 * i, 4 * i + 4));
    const w = Array.from(want.slice(4 * i, 4 * i + 4));
    if (!near(g, w)) bad.push(`(${i % W},${Math.floor(i / W)}) ${g} not ${w}`);
  }
  return bad;
};

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The plugin's page alone: TensorBoard's own app around it would only cost time here.
  await page.goto(`${url}/data/plugin_entry.html?name=saliency`);
  let frame = await pluginFrame(page);
  const card = () => frame.locator(`article[aria-label="${NAME}"]`);
  const film = () => card().locator(".filmstrip");
  const frameCanvas = (i) => film().locator("canvas.film-canvas").nth(i);
  const framePixels = async (i) => Uint8ClampedArray.from(await canvasPixels(frameCanvas(i)));
  const captions = () => film().locator("figcaption").allTextContents();
  const framesSelect = () => card().getByLabel("Frames", { exact: true });
  /** Ticks the card's Filmstrip box; waits until its frames are painted with the given captions. */
  const showFilm = async () => {
    await card().getByLabel("Filmstrip", { exact: true }).check();
    await frame.waitForFunction(
      ([name, n]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        return Number(c?.querySelector(".filmstrip")?.dataset.loaded) === n;
      },
      [NAME, steps.length],
      { timeout: 15000, polling: 50 },
    );
  };
  const captionsAre = (want) =>
    frame.waitForFunction(
      ([name, want]) => {
        const c = [...document.querySelectorAll("article.card")].find((a) => a.getAttribute("aria-label") === name);
        const got = [...(c?.querySelectorAll(".filmstrip figcaption") ?? [])].map((f) => f.textContent);
        return got.join("|") === want.join("|");
      },
      [NAME, want],
      { timeout: 15000, polling: 50 },
    );

  await waitForCard(frame, NAME, { step: steps.at(-1), mask: "grad" });
  await showFilm();

  // The image alone (Show mask off): what every frame is drawn over.
  const showMask = () => card().getByLabel("Show mask", { exact: true }).first();
  await showMask().uncheck();
  const image = { width: W, height: H, data: await framePixels(0) };
  await showMask().check();
  const plain = (i) => composite(image, colorizeMask(masks[i], size, { table: heat, clip, cut: 0 }), OPACITY).data;
  const difference = (i) => {
    const diff = masks[i].map((v, k) => v - masks[i - 1][k]);
    const layer = colorizeMask(diff, size, { table: diverging, clip, sign: "signed", cut: -Infinity });
    return composite(image, layer, OPACITY).data;
  };

  check(
    "the filmstrip shows each step's mask by default",
    (await framesSelect().inputValue()) === "mask" &&
      (await captions()).join("|") === steps.map((s) => `step ${s}`).join("|"),
    JSON.stringify(await captions()),
  );
  let bad = differing(await framePixels(1), plain(1));
  check("showing masks, the second frame is its own mask under the pooled clip", bad.length === 0, bad.slice(0, 3));

  // ------------------------------------------------------------ difference from the previous step
  await framesSelect().selectOption("difference");
  const diffCaptions = [
    `step ${steps[0]} (reference)`,
    ...steps.slice(1).map((s, k) => `step ${s} − step ${steps[k]}`),
  ];
  await captionsAre(diffCaptions);
  check(
    "the captions name each step and the one it is compared with",
    (await captions()).join("|") === diffCaptions.join("|"),
    JSON.stringify(await captions()),
  );
  /** The three frames' checks under "difference"; `when` names the moment. */
  const checkFrames = async (when) => {
    let b = differing(await framePixels(0), plain(0));
    check(`${when}: the first frame is its plain mask, the reference`, b.length === 0, b.slice(0, 3).join("; "));
    const second = await framePixels(1);
    b = differing(second, difference(1));
    check(
      `${when}: the second frame is the positive colour of ${spec.values[1]} − ${spec.values[0]} under the pooled clip ±${clip}`,
      b.length === 0,
      b.slice(0, 3).join("; "),
    );
    check(`${when}: that colour is red (A > B)`, second[0] > second[2] + 40, Array.from(second.slice(0, 4)).join());
    b = differing(await framePixels(2), image.data);
    check(
      `${when}: the third frame (no change) is all the zero colour: the image shows`,
      b.length === 0,
      b.slice(0, 3),
    );
  };
  await checkFrames("difference");
  const bar = await film()
    .locator(".film-colorbar")
    .evaluate((b) => ({
      hidden: b.hidden,
      labels: [".colorbar-low", ".colorbar-mid", ".colorbar-high", ".colorbar-note"].map(
        (s) => b.querySelector(s)?.textContent,
      ),
    }));
  check(
    "a signed colour bar around 0, the clip pooled over the frames' masks",
    !bar.hidden &&
      bar.labels[1] === "0" &&
      Number(bar.labels[0]) === -Number(bar.labels[2]) &&
      bar.labels[3] === `each step − the one before · clip p99 of ${steps.length} grad masks = ±${clip}`,
    JSON.stringify(bar),
  );

  // ------------------------------------------------------------ a step change, a reload
  await setRange(card().getByLabel("Step", { exact: true }), 0);
  await waitForCard(frame, NAME, { step: steps[0], mask: "grad" });
  await captionsAre(diffCaptions);
  check("at another step the filmstrip still shows differences", (await framesSelect().inputValue()) === "difference");
  await page.reload();
  frame = await pluginFrame(page);
  await waitForCard(frame, NAME, { mask: "grad" });
  await showFilm();
  await captionsAre(diffCaptions);
  check("after a reload the Frames choice is difference", (await framesSelect().inputValue()) === "difference");
  await checkFrames("after a reload");
  // Back to masks with the keyboard: the control is a select.
  await framesSelect().focus();
  await page.keyboard.press("ArrowUp");
  await captionsAre(steps.map((s) => `step ${s}`));
  bad = differing(await framePixels(1), plain(1));
  check("↑ on the control shows masks again, every frame its own mask", bad.length === 0, bad.slice(0, 3).join("; "));
  check("no page errors", errors.length === 0, errors.join("; "));
} finally {
  await browser.close();
}
process.exit(failures() ? 1 : 0);
