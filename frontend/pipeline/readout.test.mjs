// Tests of pipeline/readout.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { maskIndexAt, pixelAt, readoutText } from "./readout.js";

test("pointer geometry: display pixels to image pixels to native mask values", () => {
  assert.deepEqual(pixelAt(0, 0, 320, 240, 64, 48), { x: 0, y: 0 });
  assert.deepEqual(pixelAt(319.9, 239.9, 320, 240, 64, 48), { x: 63, y: 47 });
  assert.equal(pixelAt(-1, 5, 320, 240, 64, 48), null);
  assert.equal(pixelAt(320, 5, 320, 240, 64, 48), null);
  // a 7x7 Grad-CAM over a 224x224 image: each mask pixel covers 32x32
  assert.deepEqual(maskIndexAt(0, 0, 224, 224, 7, 7), { mx: 0, my: 0, index: 0 });
  assert.deepEqual(maskIndexAt(223, 40, 224, 224, 7, 7), { mx: 6, my: 1, index: 13 });
});

test("readoutText: coordinates, the stored value, and the mask pixel of a smaller mask", () => {
  const image = { width: 4, height: 4 };
  const full = { name: "grad", values: Float32Array.from({ length: 16 }, (_, i) => i / 4), width: 4, height: 4 };
  assert.equal(readoutText({ x: 1, y: 2 }, image, full), "x 1, y 2 · grad = 2.25");
  const cam = { name: "cam", values: Float32Array.of(0, 1, 2, 3), width: 2, height: 2 };
  assert.equal(readoutText({ x: 3, y: 0 }, image, cam), "x 3, y 0 · cam = 1 (mask pixel 1, 0)");
  assert.equal(readoutText({ x: 0, y: 0 }, image, null), "x 0, y 0");
});
