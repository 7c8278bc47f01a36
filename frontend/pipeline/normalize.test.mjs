// Tests of pipeline/normalize.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { StrengthCache } from "../cache.js";
import { computeClip } from "./clip.js";
import {
  NORMALIZE_MEANINGS,
  NORMALIZE_MODES,
  TagPool,
  clipPool,
  eachClipped,
  poolNote,
  pooledClip,
  withMasks,
} from "./normalize.js";

/** A pool entry: mask `name` at `url` with `values`. */
function held(name, url, values) {
  const v = Float32Array.from(values);
  return { name, url, mask: { values: v, min: Math.min(...v), max: Math.max(...v) } };
}

const S = { sign: "absolute", clip: 99, clipMode: "percentile" };

test("the stored choices stay those of saved settings, each with one meaning", () => {
  assert.deepEqual(NORMALIZE_MODES, ["image", "tag", "masks"]);
  for (const mode of NORMALIZE_MODES) assert.match(NORMALIZE_MEANINGS[mode], /\.$/);
  assert.deepEqual(Object.keys(NORMALIZE_MEANINGS).sort(), [...NORMALIZE_MODES].sort());
});

test("clipPool: image is the mask alone; masks its image's masks; tag the card's pool of its name", () => {
  const grad = held("grad", "u/grad", [0, 1, 2]);
  const ig = held("ig", "u/ig", [0, 5, 9]);
  const pool = new TagPool();
  const other = held("grad", "u/grad-step0", [0, 0.5, 1]);
  pool.hold("single view", (name) => [grad, other].filter((m) => m.name === name));
  assert.deepEqual(clipPool("image", grad, { imageMasks: [grad, ig], tagPool: pool }), [grad]);
  assert.deepEqual(clipPool("masks", grad, { imageMasks: [grad, ig], tagPool: pool }), [grad, ig]);
  assert.deepEqual(clipPool("tag", grad, { imageMasks: [grad, ig], tagPool: pool }), [grad, other]);
  // The mask itself is always in its pool.
  assert.deepEqual(clipPool("masks", grad, { imageMasks: [ig] }), [ig, grad]);
  assert.deepEqual(clipPool("tag", ig, { tagPool: pool }), [ig]);
  assert.deepEqual(clipPool("tag", ig), [ig]);
  assert.throws(() => clipPool("steps", grad), /normalize must be one of image, tag, masks; got "steps"/);
});

test("withMasks adds the masks a pool lacks, by URL, after it", () => {
  const a = held("grad", "u/a", [1]);
  const b = held("grad", "u/b", [2]);
  const pool = [a];
  assert.equal(withMasks(pool, [{ ...a }]), pool, "a mask already in (the same URL) adds nothing");
  assert.deepEqual(withMasks(pool, [b, a]), [a, b]);
  assert.deepEqual(withMasks([], [b]), [b]);
});

test("TagPool: every holder's masks of a name, each URL once, in URL order; a holder is replaced", () => {
  const pool = new TagPool();
  const a = held("grad", "b/2", [1]);
  const b = held("grad", "a/1", [2]);
  const c = held("ig", "c/3", [3]);
  pool.hold("grid", () => [a, c]);
  pool.hold("single view", (name) => (name === "grad" ? [b, a] : []));
  assert.deepEqual(pool.masks("grad"), [b, a]);
  assert.deepEqual(pool.masks("ig"), [c]);
  assert.deepEqual(pool.masks("none"), []);
  pool.hold("grid", () => []);
  assert.deepEqual(pool.masks("grad"), [b, a]);
  pool.hold("single view", () => []);
  assert.deepEqual(pool.masks("grad"), []);
});

test("pooledClip: the clip over the pool's masks together, its size and range, sorted once per pool", () => {
  const strengths = new StrengthCache();
  const one = held("grad", "u/1", [0, -4, 1, 2]);
  const two = held("grad", "u/2", [0, 8, 3, 1]);
  const alone = pooledClip([one], S, strengths);
  assert.equal(alone.clip, computeClip([one.mask.values], S));
  assert.equal(alone.count, 1);
  assert.deepEqual(alone.range, { min: -4, max: 2 });
  const both = pooledClip([one, two], { ...S, clip: 90, clipMode: "mass" }, strengths);
  assert.equal(both.clip, computeClip([one.mask.values, two.mask.values], { ...S, clip: 90, clipMode: "mass" }));
  assert.equal(both.count, 2);
  assert.deepEqual(both.range, { min: -4, max: 8 });
  assert.equal(both.sorted.at(-1), 8);
  assert.equal(pooledClip([one, two], S, strengths).sorted, both.sorted, "the pool's strengths are sorted once");
});

test('"tag": the grid and the single view read one clip, so one value has one colour in both', () => {
  // Image 1 of a batch of two at step 9, and the same image at step 0: the grid
  // holds both images at step 9, the single view image 1 at steps 0 and 9.
  const row0 = held("grad", "blob?key=s9-i0", [0, 0, 20, 20]);
  const row1 = held("grad", "blob?key=s9-i1", [0, 0, 18, 18]);
  const early = held("grad", "blob?key=s0-i1", [0, 0, 2, 2]);
  const pool = new TagPool();
  pool.hold("grid", () => [row0, row1]);
  // The single view's entry for step 9 is another object with the same URL (from /samples).
  pool.hold("single view", () => [early, { ...row1 }]);
  const strengths = new StrengthCache();
  const s = { ...S, clip: 60 };
  const inGrid = pooledClip(clipPool("tag", row1, { imageMasks: [row1], tagPool: pool }), s, strengths);
  const inSingle = pooledClip(clipPool("tag", early, { imageMasks: [early], tagPool: pool }), s, strengths);
  const expected = computeClip(
    [row0, row1, early].map((m) => m.mask.values),
    s,
  );
  assert.equal(inGrid.count, 3, "a mask held by both views counts once");
  assert.equal(inGrid.clip, expected);
  assert.equal(inSingle.clip, expected);
  // Per image, each would have its own clip: step 0's weak mask would look as strong as step 9's.
  const perImage = pooledClip(clipPool("image", early), s, strengths).clip;
  assert.notEqual(perImage, expected);
});

test("eachClipped and poolNote say what a colour bar stands for", () => {
  assert.equal(eachClipped("image"), "each image");
  assert.equal(eachClipped("masks"), "each image's masks together");
  assert.equal(eachClipped("tag"), null);
  assert.equal(poolNote("image", "grad", 1), "");
  assert.equal(poolNote("masks", "grad", 4), "Shared by the image's masks: one clip over its 4 masks");
  assert.equal(
    poolNote("tag", "grad", 26),
    "Shared across the tag: one clip over the 26 grad masks this card has loaded",
  );
  assert.throws(() => eachClipped("column"), RangeError);
});
