// Tests of the pure frontend core: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import zlib from "node:zlib";
import * as core from "./core.js";

const tables = JSON.parse(readFileSync(new URL("./colormaps.json", import.meta.url), "utf8"));
const gray = core.colormapLUT(tables, "gray");
const grayTable = core.overlayTable(gray);

/** Encodes like the Python writer (docs/format.md): quantise, split planes, gzip. */
function encodeMask(values) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const n = values.length;
  const planes = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const q = max === min ? 0 : Math.round(((values[i] - min) / (max - min)) * 65535);
    planes[i] = q >> 8;
    planes[n + i] = q & 255;
  }
  return { gz: zlib.gzipSync(planes), min: Math.fround(min), max: Math.fround(max) };
}

const px = (data, i) => Array.from(data.subarray(4 * i, 4 * i + 4));

test("colormaps.json has the 7 maps with 256 entries and known endpoints", () => {
  assert.deepEqual(Object.keys(tables.maps).sort(), ["gray", "inferno", "jet", "magma", "rdbu", "turbo", "viridis"]);
  for (const [name, hex] of Object.entries(tables.maps)) {
    assert.equal(hex.length, 256, name);
    for (const h of hex) assert.match(h, /^#[0-9a-f]{6}$/);
  }
  const m = tables.maps;
  assert.equal(m.gray[0], "#000000");
  assert.equal(m.gray[255], "#ffffff");
  assert.equal(m.viridis[0], "#440154");
  assert.equal(m.inferno[255], "#fcffa4");
  assert.equal(m.inferno[0], "#000004");
  assert.deepEqual(tables.diverging, ["rdbu"]);
  // rdbu: blue low (negative), white centre (zero), red high (positive)
  const rdbu = core.colormapLUT(tables, "rdbu");
  const [r0, , b0] = rdbu.subarray(0, 3);
  const [r255, , b255] = rdbu.subarray(765, 768);
  assert.ok(b0 > r0 && r255 > b255);
  for (const i of [127, 128]) for (const c of rdbu.subarray(3 * i, 3 * i + 3)) assert.ok(c >= 253);
});

test("colormapLUT decodes hex, rejects unknown names with the choices", () => {
  const lut = core.colormapLUT(tables, "viridis");
  assert.deepEqual(Array.from(lut.subarray(0, 3)), [0x44, 0x01, 0x54]);
  assert.equal(lut.length, 768);
  assert.throws(() => core.colormapLUT(tables, "nope"), /colormap must be one of .*inferno/);
  assert.equal(core.isDiverging(tables, "rdbu"), true);
  assert.equal(core.isDiverging(tables, "inferno"), false);
  assert.equal(core.defaultColormap(tables, "signed"), "rdbu");
  assert.equal(core.defaultColormap(tables, "absolute"), "inferno");
});

test("decodeMask round-trips the u16planes+gzip encoding within half a step", () => {
  const w = 37;
  const h = 23;
  const values = new Float32Array(w * h).map((_, i) => Math.sin(i * 0.37) * 0.02 - 0.003 * (i % 7));
  const { gz, min, max } = encodeMask(values);
  const bytes = new Uint8Array(zlib.gunzipSync(gz));
  const out = core.decodeMask(bytes, { width: w, height: h, min, max });
  assert.equal(out.length, w * h);
  const step = (max - min) / 65535;
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - values[i]) <= step / 2 + 1e-9, `pixel ${i}`);
  assert.equal(out[values.indexOf(min)], min);
  assert.ok(Math.abs(out[values.indexOf(max)] - max) < 1e-9);
  // plane order: high bytes first
  const two = core.decodeMask(new Uint8Array([0xff, 0x00, 0xff, 0x00]), { width: 2, height: 1, min: 0, max: 65535 });
  assert.deepEqual(Array.from(two), [65535, 0]);
  // constant mask: q = 0 everywhere
  const flat = core.decodeMask(new Uint8Array(8), { width: 2, height: 2, min: 3, max: 3 });
  assert.deepEqual(Array.from(flat), [3, 3, 3, 3]);
  assert.throws(() => core.decodeMask(new Uint8Array(7), { width: 2, height: 2, min: 0, max: 1 }), /needs 8 bytes/);
});

test("percentile matches numpy's linear interpolation", () => {
  const v = [5, 1, 4, 2, 3];
  assert.equal(core.percentile(v, 0), 1);
  assert.equal(core.percentile(v, 100), 5);
  assert.equal(core.percentile(v, 50), 3);
  assert.equal(core.percentile(v, 10), 1.4); // pos 0.4 between 1 and 2
  assert.equal(core.percentile([7], 99), 7);
  assert.ok(Number.isNaN(core.percentile([], 50)));
  const big = new Float32Array(10001).map((_, i) => (i * 7919) % 10001); // permutation of 0..10000
  assert.equal(core.percentile(big, 99), 9900);
  assert.equal(big[0], 0, "input is not mutated");
  const dup = new Float32Array(1000).fill(2);
  dup[999] = 10;
  assert.ok(Math.abs(core.percentile(dup, 99.95) - 6.004) < 1e-9); // pos 998.5005 between 2 and 10
});

test("computeClip: PAIR percentile of |v|, per sign, over several masks", () => {
  const a = Float32Array.from({ length: 101 }, (_, i) => (i % 2 ? -i : i)); // |v| = 0..100
  assert.equal(core.computeClip([a], { clip: 99 }), 99);
  assert.equal(core.computeClip([a], { clip: 100 }), 100);
  assert.equal(core.computeClip([a], { sign: "signed", clip: 50 }), 50);
  // positive: negatives count as 0 (51 evens 0..100, 50 zeros)
  assert.equal(core.computeClip([a], { sign: "positive", clip: 100 }), 100);
  assert.equal(core.computeClip([a], { sign: "negative", clip: 100 }), 99);
  assert.equal(core.computeClip([a], { sign: "positive", clip: 40 }), 0);
  // shared across masks = percentile of their union
  const b = Float32Array.from({ length: 101 }, (_, i) => 1000 + i);
  assert.equal(core.computeClip([a, b], { clip: 50 }), core.percentile([...a.map(Math.abs), ...b], 50));
  assert.throws(() => core.computeClip([a], { clip: 0 }), /clip must be in \(0, 100\]/);
  assert.throws(() => core.computeClip([a], { sign: "both" }), /sign must be one of absolute, positive, negative, signed/);
});

test("computeClip mass mode = Captum's cumulative-sum threshold", () => {
  const v = Float32Array.from([1, 1, 1, 1, 96]); // total 100
  assert.equal(core.computeClip([v], { clip: 4, clipMode: "mass" }), 1);
  assert.equal(core.computeClip([v], { clip: 5, clipMode: "mass" }), 96);
  assert.equal(core.massThreshold([3, 1, 2], 100), 3);
  assert.equal(core.massThreshold([3, 1, 2], 50), 2); // ascending cum 1, 3, 6 reaches 3 at value 2
});

test("normalize: sign modes", () => {
  assert.equal(core.normalize(-0.5, "absolute", 1), 0.5);
  assert.equal(core.normalize(3, "absolute", 1), 1);
  assert.equal(core.normalize(-0.5, "positive", 1), 0);
  assert.equal(core.normalize(0.25, "positive", 1), 0.25);
  assert.equal(core.normalize(-0.25, "negative", 1), 0.25);
  assert.equal(core.normalize(0.25, "negative", 1), 0);
  assert.equal(core.normalize(0, "signed", 2), 0.5);
  assert.equal(core.normalize(-1, "signed", 2), 0.25);
  assert.equal(core.normalize(-9, "signed", 2), 0);
  assert.equal(core.normalize(9, "signed", 2), 1);
  assert.equal(core.normalize(5, "absolute", 0), 0, "clip 0 (all-zero mask) gives 0");
});

test("colorizeMask: gray heatmap indexes floor(t*255+0.5) per sign", () => {
  const mask = Float32Array.from([-1, -0.5, 0, 0.5, 1, 2]);
  const size = { width: 6, height: 1 };
  const r = (sign) => Array.from({ length: 6 }, (_, i) => core.colorizeMask(mask, size, { table: grayTable, clip: 1, sign })[4 * i]);
  assert.deepEqual(r("absolute"), [255, 128, 0, 128, 255, 255]);
  assert.deepEqual(r("positive"), [0, 0, 0, 128, 255, 255]);
  assert.deepEqual(r("negative"), [255, 128, 0, 0, 0, 0]);
  assert.deepEqual(r("signed"), [0, 64, 128, 191, 255, 255]);
  const out = core.colorizeMask(mask, size, { lut: gray, clip: 1 });
  assert.deepEqual(px(out, 3), [128, 128, 128, 255]);
  assert.throws(() => core.colorizeMask(mask, { width: 5, height: 1 }, { table: grayTable, clip: 1 }), /6 values, not 5x1/);
});

test("colorizeMask: threshold keeps the top k% only", () => {
  const mask = Float32Array.from({ length: 100 }, (_, i) => i / 99);
  const size = { width: 10, height: 10 };
  const out = core.colorizeMask(mask, size, { table: grayTable, clip: 1, threshold: 10 });
  const kept = [];
  for (let i = 0; i < 100; i++) if (out[4 * i + 3]) kept.push(i);
  assert.deepEqual(kept, [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  // zero strength never counts as "top", even at threshold 100
  const all = core.colorizeMask(mask, size, { table: grayTable, clip: 1, threshold: 100 });
  assert.equal(all[3], 0);
  assert.equal(all[7], 255);
  // cut precomputed by the caller gives the same layer
  const cut = core.thresholdCut(mask, { threshold: 10 });
  assert.deepEqual(core.colorizeMask(mask, size, { table: grayTable, clip: 1, cut }), out);
  assert.throws(() => core.thresholdCut(mask, { threshold: 0 }), /threshold must be in/);
});

test("tint mode: one colour, alpha follows the value; signed uses two colours", () => {
  const mask = Float32Array.from([0, 0.5, 1, -1]);
  const size = { width: 4, height: 1 };
  const abs = core.colorizeMask(mask, size, { lut: gray, mode: "tint", tint: [10, 20, 30], clip: 1 });
  assert.deepEqual(px(abs, 0), [10, 20, 30, 0]);
  assert.deepEqual(px(abs, 1), [10, 20, 30, 128]);
  assert.deepEqual(px(abs, 2), [10, 20, 30, 255]);
  const sig = core.colorizeMask(mask, size, { lut: gray, mode: "tint", sign: "signed", tint: [255, 0, 0], tintNegative: [0, 0, 255], clip: 1 });
  assert.deepEqual(px(sig, 2), [255, 0, 0, 255]);
  assert.deepEqual(px(sig, 3), [0, 0, 255, 255]);
  assert.ok(sig[3] <= 2, "zero is (almost) transparent");
});

test("colorizeMask: mask smaller than the image, nearest and bilinear", () => {
  const mask = Float32Array.from([0, 1, 1, 0]); // 2x2
  const size = { width: 2, height: 2 };
  const near = core.colorizeMask(mask, size, { table: grayTable, clip: 1, outWidth: 4, outHeight: 4, smooth: false });
  const row = (d, y) => [0, 1, 2, 3].map((x) => d[4 * (4 * y + x)]);
  assert.deepEqual(row(near, 0), [0, 0, 255, 255]);
  assert.deepEqual(row(near, 3), [255, 255, 0, 0]);
  const bil = core.colorizeMask(mask, size, { table: grayTable, clip: 1, outWidth: 4, outHeight: 4, smooth: true });
  // pixel centres: x = (X+.5)/2 - .5 -> 0(clamped), .25, .75, 1(clamped)
  assert.deepEqual(row(bil, 0), [0, 64, 191, 255]);
  // (1,1): 0.75*0.75*0 + 0.25*0.75*1 + 0.75*0.25*1 + 0.25*0.25*0 = 0.375
  assert.equal(bil[4 * (4 * 1 + 1)], 96);
  // 1x1 mask -> uniform
  const one = core.colorizeMask(Float32Array.from([0.5]), { width: 1, height: 1 }, { table: grayTable, clip: 1, outWidth: 3, outHeight: 2 });
  for (let i = 0; i < 6; i++) assert.deepEqual(px(one, i), [128, 128, 128, 255]);
});

test("composite = canvas source-over with globalAlpha", () => {
  const image = { width: 2, height: 1, data: new Uint8ClampedArray([100, 100, 100, 255, 0, 0, 0, 0]) };
  const overlay = new Uint8ClampedArray([200, 0, 50, 255, 200, 0, 50, 128]);
  const out = core.composite(image, overlay, 0.5);
  assert.deepEqual(px(out.data, 0), [150, 50, 75, 255]);
  // transparent image pixel: colour = overlay, alpha = 128/255*0.5
  assert.deepEqual(px(out.data, 1), [200, 0, 50, 64]);
  assert.deepEqual(px(core.composite(image, overlay, 0).data, 0), [100, 100, 100, 255]);
  assert.deepEqual(px(core.composite(image, overlay, 1).data, 0), [200, 0, 50, 255]);
  assert.deepEqual(px(image.data, 0), [100, 100, 100, 255], "input untouched");
  // rounding is floor(x+.5), not the clamped array's round-half-even: 0.5*1 + 0.5*2 = 1.5 -> 2
  const r = core.composite({ width: 1, height: 1, data: new Uint8ClampedArray([2, 2, 2, 255]) }, new Uint8ClampedArray([1, 1, 1, 255]), 0.5);
  assert.deepEqual(px(r.data, 0), [2, 2, 2, 255]);
});

test("renderOverlay: clip + colorize at image size + composite; showMask", () => {
  const image = { width: 4, height: 4, data: new Uint8ClampedArray(64).fill(255) };
  const mask = Float32Array.from([0, 0, 0, 4]);
  const out = core.renderOverlay(image, mask, { width: 2, height: 2 }, { lut: gray, opacity: 1, clipValue: 4, smooth: false });
  assert.deepEqual(px(out.data, 0), [0, 0, 0, 255]);
  assert.deepEqual(px(out.data, 15), [255, 255, 255, 255]);
  const hidden = core.renderOverlay(image, mask, { width: 2, height: 2 }, { lut: gray, showMask: false });
  assert.deepEqual(hidden.data, image.data);
  assert.throws(() => core.renderOverlay(image, mask, { width: 2, height: 2 }, { lut: gray, opacity: 2 }), /opacity/);
});

test("colorbar: stops and real-value labels per sign", () => {
  const lut = core.colormapLUT(tables, "viridis");
  const abs = core.colorbar(lut, { clip: 0.25, stops: 3 });
  assert.deepEqual(abs.stops.map((s) => s.offset), [0, 0.5, 1]);
  assert.equal(abs.stops[0].color, "rgba(68,1,84,1)");
  assert.deepEqual(abs.labels.map((l) => l.value), [0, 0.25]);
  const sig = core.colorbar(lut, { clip: 0.25, sign: "signed" });
  assert.deepEqual(sig.labels.map((l) => [l.offset, l.value, l.text]), [[0, -0.25, "-0.25"], [0.5, 0, "0"], [1, 0.25, "0.25"]]);
  const neg = core.colorbar(lut, { clip: 2e-6, sign: "negative" });
  assert.deepEqual([neg.low, neg.high, neg.labels[1].text], [0, -2e-6, "-2e-6"]);
  assert.equal(neg.clip, 2e-6);
  const tint = core.colorbar(lut, { clip: 1, mode: "tint", tint: [255, 0, 0], stops: 2 });
  assert.deepEqual(tint.stops.map((s) => s.color), ["rgba(255,0,0,0)", "rgba(255,0,0,1)"]);
});

test("colorizeMask 512x512 is fast enough to run on every slider change", () => {
  const n = 512 * 512;
  const mask = new Float32Array(n).map((_, i) => Math.sin(i * 0.001) - 0.2);
  const clip = core.computeClip([mask], { clip: 99 });
  const out = new Uint8ClampedArray(4 * n);
  const run = () => core.colorizeMask(mask, { width: 512, height: 512 }, { table: grayTable, clip, out });
  for (let i = 0; i < 5; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) run();
  const ms = (performance.now() - t0) / 20;
  assert.ok(ms < 20, `${ms.toFixed(2)} ms`); // generous bound for shared CI machines; target is <= 4 ms
});
