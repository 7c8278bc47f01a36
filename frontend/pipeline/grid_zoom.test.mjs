// Tests of pipeline/grid_zoom.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { cellView, cleanGridZoom, gridPanBy, gridZoomAbout, gridZoomText, relativeZoom } from "./grid_zoom.js";
import { MAX_SCALE, pixelUnder, sourceRect, zoomAbout } from "./zoom.js";

const FIT = { factor: null, fx: 0.5, fy: 0.5 };
const cell = (width, height, boxWidth, boxHeight = (boxWidth * height) / width) => ({
  width,
  height,
  boxWidth,
  boxHeight,
});

test("cleanGridZoom: fit for anything invalid, the centre held on the image", () => {
  assert.deepEqual(cleanGridZoom(null), FIT);
  assert.deepEqual(cleanGridZoom({ factor: 1 }), FIT);
  assert.deepEqual(cleanGridZoom({ factor: "2" }), FIT);
  assert.deepEqual(cleanGridZoom({ factor: 4, fx: 0.25, fy: 2 }), { factor: 4, fx: 0.25, fy: 1 });
  assert.deepEqual(cleanGridZoom({ factor: 4, fx: NaN }), { factor: 4, fx: 0.5, fy: 0.5 });
});

test("cellView: fit, or the factor over each cell's own fit about the same relative centre", () => {
  const fit = cellView(FIT, cell(32, 32, 128));
  assert.equal(fit.fit, true);
  assert.equal(fit.scale, 4);
  const z = { factor: 4, fx: 0.25, fy: 0.5 };
  const small = cellView(z, cell(32, 32, 128));
  const big = cellView(z, cell(64, 64, 128));
  assert.equal(small.scale, 16);
  assert.equal(big.scale, 8);
  assert.deepEqual([small.cx, small.cy], [8, 16]);
  assert.deepEqual([big.cx, big.cy], [16, 32]);
  // The same part of each image: the source rectangles are in proportion.
  const a = sourceRect(small);
  const b = sourceRect(big);
  assert.deepEqual([a.sx * 2, a.sy * 2, a.sw * 2, a.sh * 2], [b.sx, b.sy, b.sw, b.sh]);
});

test("gridZoomAbout: the image point under the pointer stays there, in every cell of that size", () => {
  const c = cell(32, 32, 128);
  const z = gridZoomAbout(FIT, c, 4, 50, 70);
  assert.ok(Math.abs(z.factor - 4) < 1e-12);
  const before = pixelUnder(cellView(FIT, c), 50, 70);
  for (const other of [c, { ...c }]) assert.deepEqual(pixelUnder(cellView(z, other), 50, 70), before);
  // As zoom.js would zoom the one cell.
  const direct = zoomAbout(cellView(FIT, c), 4, 50, 70);
  const v = cellView(z, c);
  assert.ok(Math.abs(v.cx - direct.cx) < 1e-9 && Math.abs(v.cy - direct.cy) < 1e-9);
  // Zooming out past fit is fit.
  assert.deepEqual(gridZoomAbout(z, c, 1 / 8, 50, 70), FIT);
  // The top: zoom.js MAX_SCALE CSS pixels per image pixel.
  const top = gridZoomAbout(FIT, c, 1000, 64, 64);
  assert.equal(cellView(top, c).scale, MAX_SCALE);
});

test("gridPanBy: a drag moves every cell's view; at fit it does nothing", () => {
  const c = cell(32, 32, 128);
  const z = { factor: 4, fx: 0.5, fy: 0.5 };
  const p = gridPanBy(z, c, -32, 16); // 16 CSS px per image px: 2 right, 1 up
  assert.equal(p.factor, 4);
  assert.ok(Math.abs(p.fx * 32 - 18) < 1e-9 && Math.abs(p.fy * 32 - 15) < 1e-9);
  assert.deepEqual(gridPanBy(FIT, c, 10, 10), FIT);
  // Held on the image.
  const far = gridPanBy(z, c, -1e6, 1e6);
  assert.deepEqual([far.fx * 32, far.fy * 32], [28, 4]);
});

test("relativeZoom and gridZoomText", () => {
  const v = cellView(FIT, cell(100, 50, 200));
  assert.deepEqual(relativeZoom({ scale: null, cx: NaN, cy: NaN }, v), FIT);
  assert.deepEqual(relativeZoom({ scale: 6, cx: 25, cy: 10 }, v), { factor: 3, fx: 0.25, fy: 0.2 });
  assert.equal(gridZoomText(FIT), "fit");
  assert.equal(gridZoomText({ factor: 4 }), "4× fit");
  assert.equal(gridZoomText({ factor: 12.4 }), "12× fit");
});
