// Tests of pipeline/zoom.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_SCALE,
  cleanZoom,
  crisp,
  fitScale,
  imageToScreen,
  panBy,
  pixelUnder,
  screenToImage,
  sourceRect,
  viewOf,
  zoomAbout,
  zoomText,
  zoomTo,
} from "./zoom.js";

const FIT = { scale: null, cx: NaN, cy: NaN };

test("cleanZoom: fit for anything invalid, the centre kept with a scale", () => {
  assert.deepEqual(cleanZoom(null), FIT);
  assert.deepEqual(cleanZoom({ scale: -1, cx: 3, cy: 4 }), FIT);
  assert.deepEqual(cleanZoom({ scale: MAX_SCALE + 1 }), FIT);
  assert.deepEqual(cleanZoom({ scale: 8, cx: 3, cy: 4 }), { scale: 8, cx: 3, cy: 4 });
  assert.deepEqual(cleanZoom({ scale: 8, cx: "3" }), { scale: 8, cx: NaN, cy: NaN });
});

test("fitScale: the whole image in the box", () => {
  assert.equal(fitScale(4096, 4096, 512, 512), 0.125);
  assert.equal(fitScale(200, 100, 400, 400), 2);
  assert.equal(fitScale(0, 100, 400, 400), 1);
});

test("viewOf: fit centres the image; a scale below fit is fit; above the top is the top", () => {
  const v = viewOf(FIT, 4096, 4096, 512, 512);
  assert.equal(v.scale, 0.125);
  assert.equal(v.fit, true);
  assert.deepEqual([v.cx, v.cy], [2048, 2048]);
  assert.equal(viewOf({ scale: 0.01, cx: 0, cy: 0 }, 4096, 4096, 512, 512).fit, true);
  assert.equal(viewOf({ scale: 100, cx: 5, cy: 5 }, 64, 64, 512, 512).scale, MAX_SCALE);
  assert.equal(viewOf({ scale: 31, cx: 5, cy: 5 }, 4096, 4096, 512, 512).scale, 31);
});

test("viewOf: the centre is held so the view stays on the image", () => {
  const v = viewOf({ scale: 1, cx: 0, cy: 5000 }, 4096, 4096, 512, 512);
  assert.deepEqual([v.cx, v.cy], [256, 4096 - 256]);
});

test("screen and image points map both ways; pixelUnder floors and is null off the image", () => {
  const v = viewOf({ scale: 8, cx: 1000, cy: 2000 }, 4096, 4096, 512, 512);
  assert.deepEqual(screenToImage(v, 256, 256), { x: 1000, y: 2000 });
  assert.deepEqual(imageToScreen(v, 1001, 2002), { x: 264, y: 272 });
  assert.deepEqual(pixelUnder(v, 263.9, 256), { x: 1000, y: 2000 });
  assert.deepEqual(pixelUnder(v, 255.9, 256), { x: 999, y: 2000 });
  const f = viewOf(FIT, 100, 50, 200, 200); // scale 2, image 200×100 in the middle of 200×200
  assert.equal(pixelUnder(f, 10, 10), null);
  assert.deepEqual(pixelUnder(f, 10, 51), { x: 5, y: 0 });
});

test("zoomAbout: the image point under the cursor stays under it", () => {
  const fit = viewOf(FIT, 4096, 4096, 512, 512);
  const z = zoomAbout(fit, 64, 100, 300); // 0.125 × 64 = 8
  assert.equal(z.scale, 8);
  const v = viewOf(z, 4096, 4096, 512, 512);
  const before = screenToImage(fit, 100, 300);
  const after = screenToImage(v, 100, 300);
  assert.ok(Math.abs(before.x - after.x) < 1e-9 && Math.abs(before.y - after.y) < 1e-9);
  assert.deepEqual(zoomAbout(v, 1000, 0, 0).scale, MAX_SCALE);
  assert.deepEqual(zoomAbout(v, 1e-6, 0, 0), FIT);
});

test("zoomAbout near an edge: the centre is clamped, the view stays on the image", () => {
  const fit = viewOf(FIT, 4096, 4096, 512, 512);
  const v = viewOf(zoomAbout(fit, 64, 0, 0), 4096, 4096, 512, 512);
  assert.deepEqual([v.cx, v.cy], [32, 32]);
  assert.deepEqual(sourceRect(v), { sx: 0, sy: 0, sw: 64, sh: 64, dx: 0, dy: 0, dw: 512, dh: 512 });
});

test("zoomTo 1: actual size; at or below fit is fit", () => {
  const fit = viewOf(FIT, 4096, 4096, 512, 512);
  assert.deepEqual(zoomTo(fit, 1, 256, 256), { scale: 1, cx: 2048, cy: 2048 });
  assert.deepEqual(zoomTo(viewOf(FIT, 100, 100, 512, 512), 1, 256, 256), FIT);
});

test("panBy: the image moves with the pointer, clamped; at fit nothing moves", () => {
  const v = viewOf({ scale: 8, cx: 1000, cy: 2000 }, 4096, 4096, 512, 512);
  assert.deepEqual(panBy(v, 80, -40), { scale: 8, cx: 990, cy: 2005 });
  assert.deepEqual(panBy(v, 1e6, 0), { scale: 8, cx: 32, cy: 2000 });
  assert.deepEqual(panBy(viewOf(FIT, 64, 64, 512, 512), 10, 10), FIT);
});

test("sourceRect: only the pixels in view, whole pixels, placed in the box", () => {
  const v = viewOf({ scale: 8, cx: 1000.5, cy: 2000 }, 4096, 4096, 512, 512);
  const r = sourceRect(v);
  assert.deepEqual([r.sx, r.sy, r.sw, r.sh], [968, 1968, 65, 64]);
  assert.deepEqual([r.dx, r.dy, r.dw, r.dh], [-4, 0, 520, 512]);
  const f = sourceRect(viewOf(FIT, 100, 50, 200, 200));
  assert.deepEqual(f, { sx: 0, sy: 0, sw: 100, sh: 50, dx: 0, dy: 50, dw: 200, dh: 100 });
});

test("crisp once an image pixel is wider than a device pixel; zoomText", () => {
  assert.equal(crisp(viewOf(FIT, 4096, 4096, 512, 512)), false);
  assert.equal(crisp(viewOf(FIT, 4096, 4096, 512, 512), 16), true);
  assert.equal(crisp(viewOf({ scale: 2, cx: 0, cy: 0 }, 4096, 4096, 512, 512)), true);
  assert.equal(zoomText(viewOf(FIT, 4096, 4096, 512, 512)), "fit");
  assert.equal(zoomText(viewOf({ scale: 1, cx: 0, cy: 0 }, 4096, 4096, 512, 512)), "1× (actual size)");
  assert.equal(zoomText(viewOf({ scale: 8, cx: 0, cy: 0 }, 4096, 4096, 512, 512)), "8×");
  assert.equal(zoomText(viewOf({ scale: 2.5, cx: 0, cy: 0 }, 4096, 4096, 512, 512)), "2.5×");
});
