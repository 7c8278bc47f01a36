// Tests of pipeline/colorize.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { px, tables } from "../testing.mjs";
import { computeClip, SIGNS, thresholdCut } from "./clip.js";
import { colormapLUT, overlayTable, valueAlpha } from "./colormap.js";
import { colorizeMask, normalize } from "./colorize.js";
import { renderOverlay } from "./composite.js";

const gray = colormapLUT(tables, "gray");
const grayTable = overlayTable(gray);

test("normalize: sign modes", () => {
  assert.equal(normalize(-0.5, "absolute", 1), 0.5);
  assert.equal(normalize(3, "absolute", 1), 1);
  assert.equal(normalize(-0.5, "positive", 1), 0);
  assert.equal(normalize(0.25, "positive", 1), 0.25);
  assert.equal(normalize(-0.25, "negative", 1), 0.25);
  assert.equal(normalize(0.25, "negative", 1), 0);
  assert.equal(normalize(0, "signed", 2), 0.5);
  assert.equal(normalize(-1, "signed", 2), 0.25);
  assert.equal(normalize(-9, "signed", 2), 0);
  assert.equal(normalize(9, "signed", 2), 1);
  assert.equal(normalize(5, "absolute", 0), 0, "clip 0 (all-zero mask) gives 0");
});

test("colorizeMask: gray heatmap indexes floor(t*255+0.5) per sign", () => {
  const mask = Float32Array.from([-1, -0.5, 0, 0.5, 1, 2]);
  const size = { width: 6, height: 1 };
  const r = (sign) =>
    Array.from({ length: 6 }, (_, i) => colorizeMask(mask, size, { table: grayTable, clip: 1, sign })[4 * i]);
  assert.deepEqual(r("absolute"), [255, 128, 0, 128, 255, 255]);
  assert.deepEqual(r("positive"), [0, 0, 0, 128, 255, 255]);
  assert.deepEqual(r("negative"), [255, 128, 0, 0, 0, 0]);
  assert.deepEqual(r("signed"), [0, 64, 128, 191, 255, 255]);
  const out = colorizeMask(mask, size, { lut: gray, clip: 1 });
  assert.deepEqual(px(out, 3), [128, 128, 128, 255]);
  assert.throws(() => colorizeMask(mask, { width: 5, height: 1 }, { table: grayTable, clip: 1 }), /6 values, not 5x1/);
});

test("colorizeMask: threshold keeps the top k% only", () => {
  const mask = Float32Array.from({ length: 100 }, (_, i) => i / 99);
  const size = { width: 10, height: 10 };
  const out = colorizeMask(mask, size, { table: grayTable, clip: 1, threshold: 10 });
  const kept = [];
  for (let i = 0; i < 100; i++) if (out[4 * i + 3]) kept.push(i);
  assert.deepEqual(kept, [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  // zero strength never counts as "top", even at threshold 100
  const all = colorizeMask(mask, size, { table: grayTable, clip: 1, threshold: 100 });
  assert.equal(all[3], 0);
  assert.equal(all[7], 255);
  // cut precomputed by the caller gives the same layer
  const cut = thresholdCut(mask, { threshold: 10 });
  assert.deepEqual(colorizeMask(mask, size, { table: grayTable, clip: 1, cut }), out);
  assert.throws(() => thresholdCut(mask, { threshold: 0 }), /threshold must be in/);
});

test("tint mode: one colour, alpha follows the value; signed uses two colours", () => {
  const mask = Float32Array.from([0, 0.5, 1, -1]);
  const size = { width: 4, height: 1 };
  const abs = colorizeMask(mask, size, { lut: gray, mode: "tint", tint: [10, 20, 30], clip: 1 });
  assert.deepEqual(px(abs, 0), [10, 20, 30, 0]);
  assert.deepEqual(px(abs, 1), [10, 20, 30, 128]);
  assert.deepEqual(px(abs, 2), [10, 20, 30, 255]);
  const sig = colorizeMask(mask, size, {
    lut: gray,
    mode: "tint",
    sign: "signed",
    tint: [255, 0, 0],
    tintNegative: [0, 0, 255],
    clip: 1,
  });
  assert.deepEqual(px(sig, 2), [255, 0, 0, 255]);
  assert.deepEqual(px(sig, 3), [0, 0, 255, 255]);
  assert.ok(sig[3] <= 2, "zero is (almost) transparent");
});

test("colorizeMask: mask smaller than the image, nearest and bilinear", () => {
  const mask = Float32Array.from([0, 1, 1, 0]); // 2x2
  const size = { width: 2, height: 2 };
  const near = colorizeMask(mask, size, { table: grayTable, clip: 1, outWidth: 4, outHeight: 4, smooth: false });
  const row = (d, y) => [0, 1, 2, 3].map((x) => d[4 * (4 * y + x)]);
  assert.deepEqual(row(near, 0), [0, 0, 255, 255]);
  assert.deepEqual(row(near, 3), [255, 255, 0, 0]);
  const bil = colorizeMask(mask, size, { table: grayTable, clip: 1, outWidth: 4, outHeight: 4, smooth: true });
  // pixel centres: x = (X+.5)/2 - .5 -> 0(clamped), .25, .75, 1(clamped)
  assert.deepEqual(row(bil, 0), [0, 64, 191, 255]);
  // (1,1): 0.75*0.75*0 + 0.25*0.75*1 + 0.75*0.25*1 + 0.25*0.25*0 = 0.375
  assert.equal(bil[4 * (4 * 1 + 1)], 96);
  // 1x1 mask -> uniform
  const one = colorizeMask(
    Float32Array.from([0.5]),
    { width: 1, height: 1 },
    {
      table: grayTable,
      clip: 1,
      outWidth: 3,
      outHeight: 2,
    },
  );
  for (let i = 0; i < 6; i++) assert.deepEqual(px(one, i), [128, 128, 128, 255]);
});

test("colorizeMask 512x512 is fast enough to run on every slider change", () => {
  const n = 512 * 512;
  const mask = new Float32Array(n).map((_, i) => Math.sin(i * 0.001) - 0.2);
  const clip = computeClip([mask], { clip: 99 });
  const out = new Uint8ClampedArray(4 * n);
  const run = () => colorizeMask(mask, { width: 512, height: 512 }, { table: grayTable, clip, out });
  for (let i = 0; i < 5; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) run();
  const ms = (performance.now() - t0) / 20;
  assert.ok(ms < 20, `${ms.toFixed(2)} ms`); // generous bound for shared CI machines; target is <= 4 ms
});

test("alpha by value: a zero mask value is transparent for every colormap and sign", () => {
  const mask = Float32Array.from([0, -0, 0.5, -0.5, 1, -1]);
  const size = { width: 6, height: 1 };
  for (const name of [...Object.keys(tables.maps), "tint"]) {
    const tint = name === "tint";
    const lut = colormapLUT(tables, tint ? "gray" : name);
    for (const sign of SIGNS) {
      const table = overlayTable(lut, { mode: tint ? "tint" : "heatmap", sign, alpha: "value" });
      const out = colorizeMask(mask, size, { table, clip: 1, sign });
      assert.equal(out[3], 0, `${name} ${sign}: 0`);
      assert.equal(out[7], 0, `${name} ${sign}: -0`);
      const full = sign === "negative" ? out[23] : out[19];
      assert.equal(full, 255, `${name} ${sign}: the clip value is opaque`);
    }
  }
});

test("alpha by value: alpha = the table index (|2t-1| when signed, zero band around the middle)", () => {
  const t = overlayTable(gray, { alpha: "value" });
  for (let i = 0; i < 256; i++) assert.equal(t[4 * i + 3], i);
  const s = overlayTable(gray, { sign: "signed", alpha: "value" });
  assert.deepEqual(
    [0, 1, 64, 127, 128, 191, 254, 255].map((i) => s[4 * i + 3]),
    [255, 253, 126, 0, 0, 126, 253, 255],
  );
  assert.deepEqual(
    [0, 127, 128, 255].map((i) => valueAlpha(i, "signed")),
    [255, 0, 0, 255],
  );
  // colours are the colormap's, as in uniform
  for (let i = 0; i < 256; i++)
    assert.deepEqual([...t.subarray(4 * i, 4 * i + 3)], [...gray.subarray(3 * i, 3 * i + 3)]);
  assert.throws(() => overlayTable(gray, { alpha: "linear" }), /alpha/);
});

test("alpha uniform: today's tables bit for bit (heatmap opaque, tint alpha i or round(|2t-1|*255))", () => {
  for (const name of Object.keys(tables.maps)) {
    const lut = colormapLUT(tables, name);
    for (const sign of SIGNS) {
      const t = overlayTable(lut, { sign, alpha: "uniform" });
      assert.deepEqual(t, overlayTable(lut, { sign }), "uniform is the default of overlayTable");
      for (let i = 0; i < 256; i++) {
        assert.deepEqual([...t.subarray(4 * i, 4 * i + 4)], [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2], 255]);
      }
    }
  }
  const tint = overlayTable(gray, { mode: "tint", alpha: "uniform", tint: [1, 2, 3] });
  for (let i = 0; i < 256; i++) assert.deepEqual([...tint.subarray(4 * i, 4 * i + 4)], [1, 2, 3, i]);
  const signed = overlayTable(gray, { mode: "tint", sign: "signed", alpha: "uniform" });
  for (let i = 0; i < 256; i++) assert.equal(signed[4 * i + 3], Math.floor(Math.abs((2 * i) / 255 - 1) * 255 + 0.5));
  // a uniform layer through composite: zero pixels are painted in the colormap's low colour
  const out = colorizeMask(Float32Array.from([0, 1]), { width: 2, height: 1 }, { table: grayTable, clip: 1 });
  assert.deepEqual(px(out, 0), [0, 0, 0, 255]);
  assert.deepEqual(px(out, 1), [255, 255, 255, 255]);
});

test("alpha by value through composite: a zero pixel keeps the image's colour at any opacity", () => {
  const image = {
    width: 3,
    height: 1,
    data: Uint8ClampedArray.from([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255]),
  };
  const mask = Float32Array.from([0, 0.5, 1]);
  for (const sign of SIGNS) {
    for (const opacity of [0.6, 1]) {
      const table = overlayTable(colormapLUT(tables, "inferno"), { sign, alpha: "value" });
      const out = renderOverlay(image, mask, { width: 3, height: 1 }, { table, clipValue: 1, sign, opacity });
      assert.deepEqual(px(out.data, 0), [10, 20, 30, 255], `${sign} at ${opacity}`);
    }
  }
});
