// Tests of pipeline/compare.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { clipFromSorted, sortedStrengths, strength } from "./clip.js";
import { resampleMask } from "./colorize.js";
import {
  agreement,
  agreementText,
  agreementTop,
  bName,
  cleanCompare,
  matchedSample,
  sourceOf,
  sourceStep,
  dividerAt,
  dividerKey,
  differenceValues,
  flickerShows,
  pairClip,
  swipeSplit,
} from "./compare.js";
import { pooledClip } from "./normalize.js";

/** A w×h mask of f(x, y). */
const maskOf = (w, h, f) => {
  const values = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) values[y * w + x] = f(x, y);
  return { values, width: w, height: h };
};
const ramp = (w, h) => maskOf(w, h, (x) => x / (w - 1));
const mirror = (w, h) => maskOf(w, h, (x) => 1 - x / (w - 1));

test("cleanCompare: defaults for anything invalid", () => {
  assert.deepEqual(cleanCompare(null), { mask: null, mode: "swipe", divider: 50, rate: 2, source: "" });
  assert.deepEqual(cleanCompare({ mask: "ig", mode: "difference", divider: 25, rate: 4, source: "step:7" }), {
    mask: "ig",
    mode: "difference",
    divider: 25,
    rate: 4,
    source: "step:7",
  });
  for (const source of ["step:", "step:1.5", "run:", "steps:3", 4, null])
    assert.equal(cleanCompare({ source }).source, "");
  assert.deepEqual(cleanCompare({ mask: 3, mode: "zoom", divider: 101, rate: 3 }), cleanCompare({}));
  assert.equal(cleanCompare({ mask: "" }).mask, null);
});

test("swipeSplit: A's columns are [0, split), B's [split, width)", () => {
  assert.equal(swipeSplit(50, 32), 16);
  assert.equal(swipeSplit(25, 32), 8);
  assert.equal(swipeSplit(0, 32), 0);
  assert.equal(swipeSplit(100, 32), 32);
  assert.equal(swipeSplit(150, 32), 32);
  assert.equal(swipeSplit(-5, 32), 0);
  assert.equal(swipeSplit(NaN, 10), 5);
});

test("dividerAt and dividerKey: pointer and keys move the divider inside [0, 100]", () => {
  assert.equal(dividerAt(100, 400), 25);
  assert.equal(dividerAt(-10, 400), 0);
  assert.equal(dividerAt(500, 400), 100);
  assert.equal(dividerAt(1, 3), 33.3);
  assert.equal(dividerAt(5, 0), 50);
  assert.equal(dividerKey(50, "ArrowLeft"), 49);
  assert.equal(dividerKey(50, "ArrowRight"), 51);
  assert.equal(dividerKey(95, "PageUp"), 100);
  assert.equal(dividerKey(5, "PageDown"), 0);
  assert.equal(dividerKey(33.3, "ArrowUp"), 34);
  assert.equal(dividerKey(40, "Home"), 0);
  assert.equal(dividerKey(40, "End"), 100);
  assert.equal(dividerKey(40, "a"), null);
});

test("flickerShows: A first, each for 1/rate s", () => {
  assert.deepEqual(
    [0, 499, 500, 999, 1000].map((t) => flickerShows(t, 2)),
    [false, false, true, true, false],
  );
  assert.deepEqual(
    [0, 250, 500, 750].map((t) => flickerShows(t, 4)),
    [false, true, false, true],
  );
  assert.equal(flickerShows(-5, 1), false);
});

test("pairClip: one clip over both masks, as Normalize pools two masks", () => {
  const a = ramp(8, 2);
  const b = maskOf(8, 2, (x) => -3 * (x / 7));
  const s = { sign: "absolute", clip: 90, clipMode: "percentile" };
  const expected = clipFromSorted(sortedStrengths([a.values, b.values], "absolute"), s);
  assert.equal(pairClip(a.values, b.values, s), expected);
  const strengths = { pooled: (key, masks, sign) => sortedStrengths(masks(), sign) };
  const pool = [
    { name: "a", url: "a", mask: { ...a, min: 0, max: 1 } },
    { name: "b", url: "b", mask: { ...b, min: -3, max: 0 } },
  ];
  assert.equal(pooledClip(pool, s, strengths).clip, expected);
  assert.ok(expected > 1, "B's larger values set the shared clip");
  const mass = { sign: "signed", clip: 98, clipMode: "mass" };
  assert.equal(pairClip(a.values, b.values, mass), pooledClip(pool, mass, strengths).clip);
});

test("differenceValues: A − B at the image's size; of a mask and itself all 0", () => {
  const a = ramp(5, 1);
  const same = differenceValues(a, a, { width: 5, height: 1 }, { sign: "absolute" });
  assert.deepEqual([...same.values], [0, 0, 0, 0, 0]);
  assert.equal(same.min, 0);
  assert.equal(same.max, 0);
  const d = differenceValues(a, mirror(5, 1), { width: 5, height: 1 }, { sign: "absolute" });
  assert.deepEqual([...d.values], [-1, -0.5, 0, 0.5, 1]);
  assert.equal(d.min, -1);
  assert.equal(d.max, 1);
});

test("differenceValues: of the strengths the sign ranks, raw values when signed", () => {
  const a = { values: Float32Array.from([-1, 2]), width: 2, height: 1 };
  const b = { values: Float32Array.from([1, 1]), width: 2, height: 1 };
  const image = { width: 2, height: 1 };
  assert.deepEqual([...differenceValues(a, b, image, { sign: "absolute" }).values], [0, 1]);
  assert.deepEqual([...differenceValues(a, b, image, { sign: "signed" }).values], [-2, 1]);
  assert.deepEqual([...differenceValues(a, b, image, { sign: "positive" }).values], [-1, 1]);
  assert.deepEqual([...differenceValues(a, b, image, { sign: "negative" }).values], [1, 0]);
});

test("differenceValues: masks of different sizes are read at the image's size", () => {
  const image = { width: 224, height: 224 };
  const cam = maskOf(7, 7, (x, y) => x + 7 * y);
  const ig = maskOf(224, 224, (x, y) => (x + y) / 446);
  for (const smooth of [true, false]) {
    const d = differenceValues(cam, ig, image, { sign: "absolute", smooth });
    assert.equal(d.values.length, 224 * 224);
    assert.equal(d.width, 224);
    const up = resampleMask(cam.values, cam, 224, 224, smooth);
    for (const i of [0, 1000, 224 * 100 + 17, 224 * 224 - 1]) {
      assert.ok(Math.abs(d.values[i] - (up[i] - ig.values[i])) < 1e-5, `pixel ${i}`);
    }
  }
  // nearest: each 32×32 block of the image reads one Grad-CAM value
  const up = resampleMask(cam.values, cam, 224, 224, false);
  assert.equal(up[0], 0);
  assert.equal(up[31], 0);
  assert.equal(up[32], 1);
  assert.equal(up[224 * 32], 7);
  // smooth: centres aligned, as colorizeMask samples
  const row = resampleMask(Float32Array.from([0, 1]), { width: 2, height: 1 }, 4, 1, true);
  assert.deepEqual([...row], [0, 0.25, 0.75, 1]);
});

test("agreement: a mask with itself 100 %, with its mirror 0 %, k from the threshold", () => {
  const image = { width: 10, height: 10 };
  const a = ramp(10, 10);
  assert.deepEqual(agreement(a, a, image, { sign: "absolute", top: 10 }), { share: 1, top: 10, inA: 10, both: 10 });
  assert.equal(agreement(a, mirror(10, 10), image, { sign: "absolute", top: 10 }).share, 0);
  // the top 50 % of a ramp and of a ramp over the right 60 %: columns 5..9 in both
  const right = maskOf(10, 10, (x) => (x >= 4 ? x : 0));
  const half = agreement(a, right, image, { sign: "absolute", top: 50 });
  assert.equal(half.inA, 50);
  assert.equal(half.share, 1);
  const zero = maskOf(10, 10, () => 0);
  assert.equal(agreement(zero, a, image, { sign: "absolute", top: 10 }).share, null);
  assert.equal(agreementTop(100), 10);
  assert.equal(agreementTop(25), 25);
});

test("agreement: a 7×7 map against a 224×224 one, at the image's size", () => {
  const image = { width: 224, height: 224 };
  const cam = maskOf(7, 7, (x) => x);
  const ig = ramp(224, 224);
  const r = agreement(cam, ig, image, { sign: "absolute", top: 10, smooth: false });
  // nearest: Grad-CAM's top 10 % are its last column (x >= 192, 14 %); IG's the last 23 columns
  assert.equal(r.inA, 32 * 224);
  assert.equal(r.both, 23 * 224);
  assert.equal(strength(cam.values, "absolute").length, 49, "the masks are left as they were");
});

test("agreementText: the share with its k, the names as given", () => {
  assert.equal(
    agreementText("ig", "<b>cam</b>", { share: 0.8333, top: 10 }),
    "Agreement: 83.3 % of ig's top 10 % pixels are in <b>cam</b>'s top 10 %",
  );
  assert.equal(
    agreementText("ig", "cam", { share: 1, top: 25 }),
    "Agreement: 100 % of ig's top 25 % pixels are in cam's top 25 %",
  );
  assert.equal(
    agreementText("ig", "cam", { share: null, top: 10 }),
    "Agreement: ig has no top 10 % (every value is 0)",
  );
});

test("sourceOf: the shown image, the previous step, a step, a run", () => {
  assert.deepEqual(sourceOf(""), { kind: "image" });
  assert.deepEqual(sourceOf("previous"), { kind: "previous" });
  assert.deepEqual(sourceOf("step:-3"), { kind: "step", step: -3 });
  assert.deepEqual(sourceOf("run:a:b <i>"), { kind: "run", run: "a:b <i>" });
  assert.equal(sourceOf("step:1e3"), null);
  assert.equal(sourceOf("elsewhere"), null);
});

test("sourceStep: the step B is read at in the card's run", () => {
  const steps = [{ step: 0 }, { step: 100 }, { step: 200 }];
  assert.equal(sourceStep("", steps, 2), 200);
  assert.equal(sourceStep("previous", steps, 2), 100);
  assert.equal(sourceStep("previous", steps, 0), null);
  assert.equal(sourceStep("step:0", steps, 2), 0);
  assert.equal(sourceStep("run:b", steps, 2), null);
});

test("bName: B's mask and where it is", () => {
  assert.equal(bName("ig", null, "a"), "ig");
  assert.equal(bName("ig", { run: "a", step: 100 }, "a"), "ig @ step 100");
  assert.equal(bName("ig", { run: "b", step: 100 }, "a"), "ig (run b, step 100)");
});

test("matchedSample: by id where the steps share ids, else by position", () => {
  assert.equal(matchedSample(["x", "y", "z"], ["z", "y", "x"], 0), 2);
  assert.equal(matchedSample(["x", "y", "w"], ["z", "y", "x"], 2), -1);
  assert.equal(matchedSample(["0", "1"], ["a", "b", "c"], 1), 1);
  assert.equal(matchedSample(["0", "1", "2"], ["a"], 2), -1);
});
