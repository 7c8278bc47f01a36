// Node tests of the dashboard's pure control logic (settings.js).
import test from "node:test";
import assert from "node:assert/strict";
import { percentile } from "./core.js";
import {
  colorbarScale,
  cleanSettings, colormapForSign, cutFromSorted, DEFAULTS, downloadName, effectiveSettings, loadState,
  maskIndexAt, percentileSorted, pixelAt, readoutValue, saveState, snapZero, sortedStrengths, tagMatcher,
  visibleCards,
} from "./settings.js";

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) { this.items.set(k, String(v)); }
}

test("percentileSorted equals core.percentile (numpy linear)", () => {
  const values = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  for (const sign of ["absolute", "positive", "negative"]) {
    const s = sortedStrengths([values], sign);
    const raw = Float32Array.from(values, (v) => (sign === "positive" ? Math.max(v, 0) : sign === "negative" ? Math.max(-v, 0) : Math.abs(v)));
    for (const p of [0, 1, 50, 90, 99, 99.5, 100]) assert.ok(Math.abs(percentileSorted(s, p) - percentile(raw, p)) < 1e-7, `${sign} p${p}`);
  }
  assert.ok(Number.isNaN(percentileSorted(new Float32Array(0), 50)));
});

test("sortedStrengths pools several masks", () => {
  const s = sortedStrengths([Float32Array.of(-3, 1), Float32Array.of(2)], "absolute");
  assert.deepEqual([...s], [1, 2, 3]);
});

test("cutFromSorted: 100% keeps every non-zero pixel, k% keeps the top k%", () => {
  const s = sortedStrengths([Float32Array.from({ length: 100 }, (_, i) => i)], "absolute");
  assert.equal(cutFromSorted(s, 100), 0);
  assert.equal(cutFromSorted(s, null), 0);
  assert.equal(cutFromSorted(s, 10), percentileSorted(s, 90));
});

test("snapZero sets values within half a quantisation step of 0 to 0", () => {
  const half = 1 / 131070;
  const v = Float32Array.of(-0.5, half, -half, 3 * half, 0.5);
  snapZero(v, { min: -0.5, max: 0.5 });
  assert.deepEqual([...v].slice(0, 3), [-0.5, 0, 0]);
  assert.ok(v[3] > 0);
  const pos = Float32Array.of(0.1, 0.2);
  snapZero(pos, { min: 0.1, max: 0.2 });
  assert.deepEqual([...pos], [Math.fround(0.1), Math.fround(0.2)]);
});

test("settings: invalid stored values are dropped, overrides win", () => {
  const clean = cleanSettings({ opacity: 2, colormap: "nope", sign: "signed", clip: 95, bogus: 1 }, ["inferno"]);
  assert.deepEqual(clean, { sign: "signed", clip: 95 });
  const eff = effectiveSettings({ ...DEFAULTS }, { opacity: 0, actualSize: true });
  assert.equal(eff.opacity, 0);
  assert.equal(eff.actualSize, DEFAULTS.actualSize); // not overridable per card
});

test("loadState/saveState round-trip; hidden runs and tag filter remembered", () => {
  const st = new MemoryStorage();
  assert.deepEqual(loadState(st).settings, DEFAULTS);
  saveState(st, { settings: { ...DEFAULTS, opacity: 0.3 }, hiddenRuns: new Set(["a"]), tagFilter: "^x" });
  const back = loadState(st, ["inferno"]);
  assert.equal(back.settings.opacity, 0.3);
  assert.deepEqual(back.hiddenRuns, ["a"]);
  assert.equal(back.tagFilter, "^x");
  st.setItem("tensorboard-plugin-saliency/v1", "{not json");
  assert.deepEqual(loadState(st).settings, DEFAULTS);
});

test("tag filter: case-insensitive regex; an invalid one matches nothing and says why", () => {
  assert.ok(tagMatcher("").test("anything"));
  assert.ok(tagMatcher("^Sal").test("saliency/x"));
  const bad = tagMatcher("(");
  assert.ok(bad.error);
  // the page prefixes "Invalid regular expression: " itself: not said twice
  assert.ok(!/invalid regular expression/i.test(bad.error), bad.error);
  assert.ok(!bad.error.includes("/(/i"), bad.error);
  assert.equal(tagMatcher("valid(").error, "Unterminated group");
  assert.equal(bad.test("("), false);
  const cards = visibleCards({ b: { t2: {}, t1: {} }, a: { t1: {} } }, ["a"], tagMatcher("1"));
  assert.deepEqual(cards.map((c) => `${c.run}/${c.tag}`), ["b/t1"]);
});

test("colormap follows the sign unless the user chose one", () => {
  const tables = { default: "inferno", default_diverging: "rdbu" };
  assert.equal(colormapForSign("inferno", "absolute", "signed", tables), "rdbu");
  assert.equal(colormapForSign("rdbu", "signed", "positive", tables), "inferno");
  assert.equal(colormapForSign("viridis", "absolute", "signed", tables), "viridis");
});

test("pointer geometry: display pixels to image pixels to native mask values", () => {
  assert.deepEqual(pixelAt(0, 0, 320, 240, 64, 48), { x: 0, y: 0 });
  assert.deepEqual(pixelAt(319.9, 239.9, 320, 240, 64, 48), { x: 63, y: 47 });
  assert.equal(pixelAt(-1, 5, 320, 240, 64, 48), null);
  assert.equal(pixelAt(320, 5, 320, 240, 64, 48), null);
  // a 7x7 Grad-CAM over a 224x224 image: each mask pixel covers 32x32
  assert.deepEqual(maskIndexAt(0, 0, 224, 224, 7, 7), { mx: 0, my: 0, index: 0 });
  assert.deepEqual(maskIndexAt(223, 40, 224, 224, 7, 7), { mx: 6, my: 1, index: 13 });
});

test("readout and file names", () => {
  assert.equal(readoutValue(1.25), "1.25");
  assert.equal(readoutValue(0), "0");
  assert.equal(readoutValue(-0.000012345), "-1.2345e-5");
  assert.equal(readoutValue(0.123456789), "0.123457");
  assert.equal(downloadName("<img src=x>", "a/b", 3, 1, "grad"), "img_src_x__a_b__step3_sample1_grad.png");
});

test("colour bar: its ends are the mask's real extremes, or the clip point when further out", () => {
  // signed, asymmetric mask: -0.0184 .. 0.0138, clip 0.00857 -> ends -0.0184 and 0.0138, not ±0.0184
  let b = colorbarScale({ sign: "signed", clip: 0.00857, min: -0.0184, max: 0.0138, top: 0.0184 });
  assert.equal(b.lo, -0.0184);
  assert.equal(b.hi, 0.0138);
  const pos = (v) => (v - b.lo) / (b.hi - b.lo);
  assert.deepEqual(b.ticks, [pos(-0.00857), pos(0.00857)]);
  // the colours along it: saturated blue end, white zero, saturated red end
  const tAt = (offset) => b.stops.find((st) => Math.abs(st.offset - offset) < 1e-12).t;
  assert.equal(tAt(0), 0);
  assert.equal(tAt(1), 1);
  assert.equal(tAt(pos(0)), 0.5);
  assert.equal(tAt(pos(0.00857)), 1);
  for (let i = 1; i < b.stops.length; i++) assert.ok(b.stops[i].offset > b.stops[i - 1].offset);
  // a side smaller than the clip reaches the clip point
  b = colorbarScale({ sign: "signed", clip: 0.5, min: 0.001, max: 2, top: 2 });
  assert.equal(b.lo, -0.5);
  assert.equal(b.hi, 2);
  // absolute / negative: 0 .. max(top, clip), with the sign's direction
  b = colorbarScale({ sign: "absolute", clip: 0.3, min: -1, max: 0.5, top: 1 });
  assert.deepEqual([b.lo, b.hi, b.ticks], [0, 1, [0.3]]);
  b = colorbarScale({ sign: "negative", clip: 0.3, min: -1, max: 0.5, top: 1 });
  assert.deepEqual([b.lo, b.hi], [0, -1]);
  assert.ok(Math.abs(b.ticks[0] - 0.3) < 1e-12);
  assert.equal(b.stops[b.stops.length - 1].t, 1);
  // clip from other masks beyond this one's top: the bar reaches it
  b = colorbarScale({ sign: "positive", clip: 2, min: -1, max: 0.5, top: 0.5 });
  assert.deepEqual([b.lo, b.hi, b.ticks], [0, 2, [1]]);
  // an all-zero mask: no ticks, one colour
  b = colorbarScale({ sign: "absolute", clip: 0, min: 0, max: 0, top: 0 });
  assert.deepEqual([b.lo, b.hi, b.ticks], [0, 0, []]);
  assert.ok(b.stops.every((st) => st.t === 0));
});
