// Tests of pipeline/composite.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { px, tables } from "../testing.mjs";
import { colormapLUT } from "./colormap.js";
import { composite, renderOverlay } from "./composite.js";

const gray = colormapLUT(tables, "gray");

test("composite = canvas source-over with globalAlpha", () => {
  const image = { width: 2, height: 1, data: new Uint8ClampedArray([100, 100, 100, 255, 0, 0, 0, 0]) };
  const overlay = new Uint8ClampedArray([200, 0, 50, 255, 200, 0, 50, 128]);
  const out = composite(image, overlay, 0.5);
  assert.deepEqual(px(out.data, 0), [150, 50, 75, 255]);
  // transparent image pixel: colour = overlay, alpha = 128/255*0.5
  assert.deepEqual(px(out.data, 1), [200, 0, 50, 64]);
  assert.deepEqual(px(composite(image, overlay, 0).data, 0), [100, 100, 100, 255]);
  assert.deepEqual(px(composite(image, overlay, 1).data, 0), [200, 0, 50, 255]);
  assert.deepEqual(px(image.data, 0), [100, 100, 100, 255], "input untouched");
  // rounding is floor(x+.5), not the clamped array's round-half-even: 0.5*1 + 0.5*2 = 1.5 -> 2
  const one = { width: 1, height: 1, data: new Uint8ClampedArray([2, 2, 2, 255]) };
  const r = composite(one, new Uint8ClampedArray([1, 1, 1, 255]), 0.5);
  assert.deepEqual(px(r.data, 0), [2, 2, 2, 255]);
});

test("renderOverlay: clip + colorize at image size + composite; showMask", () => {
  const image = { width: 4, height: 4, data: new Uint8ClampedArray(64).fill(255) };
  const mask = Float32Array.from([0, 0, 0, 4]);
  const size = { width: 2, height: 2 };
  const out = renderOverlay(image, mask, size, { lut: gray, opacity: 1, clipValue: 4, smooth: false });
  assert.deepEqual(px(out.data, 0), [0, 0, 0, 255]);
  assert.deepEqual(px(out.data, 15), [255, 255, 255, 255]);
  const hidden = renderOverlay(image, mask, size, { lut: gray, showMask: false });
  assert.deepEqual(hidden.data, image.data);
  assert.throws(() => renderOverlay(image, mask, size, { lut: gray, opacity: 2 }), /opacity/);
  // mass mode: the clip is the cumulative-mass point (here 4: 0+0+0+4 reaches 98% only at 4)
  const mass = renderOverlay(image, mask, size, { lut: gray, opacity: 1, clip: 98, clipMode: "mass", smooth: false });
  assert.deepEqual(mass.data, out.data);
});
