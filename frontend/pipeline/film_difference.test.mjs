// Tests of pipeline/film_difference.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { differenceValues } from "./compare.js";
import { FILM_MODES, cleanFilmMode, differenceRange, filmDifferences } from "./film_difference.js";

/** A w×h mask of constant v. */
const constant = (w, h, v) => ({ values: new Float32Array(w * h).fill(v), width: w, height: h });
const frame = (step, mask, w = 4, h = 2) => ({ step, image: { width: w, height: h }, mask });

test("cleanFilmMode: mask or difference, mask for anything else", () => {
  assert.deepEqual(FILM_MODES, ["mask", "difference"]);
  assert.equal(cleanFilmMode("difference"), "difference");
  assert.equal(cleanFilmMode("mask"), "mask");
  for (const bad of [undefined, null, 3, "Difference", {}]) assert.equal(cleanFilmMode(bad), "mask");
});

test("each frame is its mask minus the previous frame's; the first is the reference", () => {
  const frames = [frame(100, constant(4, 2, 0.2)), frame(200, constant(4, 2, 0.5)), frame(300, constant(4, 2, 0.5))];
  const out = filmDifferences(frames, { sign: "absolute" });
  assert.deepEqual(
    out.map((f) => [f.step, f.from, f.caption]),
    [
      [100, null, "step 100 (reference)"],
      [200, 100, "step 200 − step 100"],
      [300, 200, "step 300 − step 200"],
    ],
  );
  assert.equal(out[0].diff, null);
  assert.ok(out[1].diff.values.every((v) => Math.abs(v - 0.3) < 1e-6));
  assert.equal(out[1].diff.width, 4);
  assert.ok(out[2].diff.values.every((v) => v === 0));
  assert.ok(Math.abs(differenceRange(out, 0.5) - 0.5) < 1e-9, "the clip when larger than any |A − B|");
  assert.ok(Math.abs(differenceRange(out, 0.1) - 0.3) < 1e-6, "the largest |A − B| when larger than the clip");
});

test("the differences are of the strengths the sign ranks; raw values when signed", () => {
  const frames = [frame(0, constant(2, 1, -0.5), 2, 1), frame(1, constant(2, 1, 0.25), 2, 1)];
  const abs = filmDifferences(frames, { sign: "absolute" })[1].diff;
  assert.deepEqual(Array.from(abs.values), [-0.25, -0.25]);
  const signed = filmDifferences(frames, { sign: "signed" })[1].diff;
  assert.deepEqual(Array.from(signed.values), [0.75, 0.75]);
  assert.deepEqual([signed.min, signed.max], [0.75, 0.75]);
});

test("frames whose images differ in size compare at the later frame's image size, as differenceValues", () => {
  const small = { values: Float32Array.from([0, 1, 1, 0]), width: 2, height: 2 };
  const big = constant(8, 8, 0.5);
  const frames = [frame(0, small, 4, 4), frame(1, big, 8, 8)];
  const got = filmDifferences(frames, { sign: "absolute", smooth: false })[1].diff;
  const want = differenceValues(big, small, { width: 8, height: 8 }, { sign: "absolute", smooth: false });
  assert.equal(got.width, 8);
  assert.deepEqual(Array.from(got.values), Array.from(want.values));
});

test("a frame without a mask is plain, and the frame after it is a new reference", () => {
  const frames = [
    frame(0, constant(2, 1, 0.1)),
    frame(1, null),
    frame(2, constant(2, 1, 0.4)),
    { step: 3, image: null, mask: null },
  ];
  const out = filmDifferences(frames, { sign: "absolute" });
  assert.deepEqual(
    out.map((f) => [f.from, f.caption, f.diff]),
    [
      [null, "step 0 (reference)", null],
      [null, "step 1", null],
      [null, "step 2 (reference)", null],
      [null, "step 3", null],
    ],
  );
  assert.equal(differenceRange(out, 0.2), 0.2);
});
