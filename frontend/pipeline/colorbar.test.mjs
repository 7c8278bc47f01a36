// Tests of pipeline/colorbar.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { tables } from "../testing.mjs";
import { clipLabel, colorbar, colorbarScale, relativeLabels } from "./colorbar.js";
import { colormapLUT, overlayTable } from "./colormap.js";

test("colorbar: stops and real-value labels per sign", () => {
  const lut = colormapLUT(tables, "viridis");
  const table = overlayTable(lut);
  const flat = { min: 0, max: 0, top: 0 }; // a mask inside the clip range: the bar spans the clip
  const abs = colorbar(table, { ...flat, sign: "absolute", clip: 0.25, stops: 3 });
  assert.deepEqual(
    abs.stops.map((s) => s.offset),
    [0, 0.5, 1],
  );
  assert.equal(abs.stops[0].color, "rgba(68,1,84,1)");
  assert.deepEqual(
    abs.labels.map((l) => l.value),
    [0, 0.25],
  );
  const sig = colorbar(table, { ...flat, clip: 0.25, sign: "signed" });
  assert.deepEqual(
    sig.labels.map((l) => [l.offset, l.value, l.text]),
    [
      [0, -0.25, "-0.25"],
      [0.5, 0, "0"],
      [1, 0.25, "0.25"],
    ],
  );
  const neg = colorbar(table, { ...flat, clip: 2e-6, sign: "negative" });
  assert.deepEqual([neg.lo, neg.hi, neg.labels[1].text], [0, -2e-6, "-2e-6"]);
  assert.equal(neg.clip, 2e-6);
  const tint = overlayTable(lut, { mode: "tint", tint: [255, 0, 0] });
  const bar = colorbar(tint, { ...flat, sign: "absolute", clip: 1, stops: 2 });
  assert.deepEqual(
    bar.stops.map((s) => s.color),
    ["rgba(255,0,0,0)", "rgba(255,0,0,1)"],
  );
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
  // the zero label of a signed bar sits where zero falls
  const signed = colorbar(overlayTable(colormapLUT(tables, "rdbu")), {
    sign: "signed",
    clip: 1,
    min: -1,
    max: 3,
    top: 3,
  });
  assert.deepEqual(signed.labels[1], { offset: 0.25, value: 0, text: "0" });
});

test("clipLabel names the clip mode", () => {
  assert.equal(clipLabel({ sign: "absolute", clip: 99, clipValue: 0.75 }), "clip p99 = 0.75");
  assert.equal(clipLabel({ sign: "negative", clip: 99, clipValue: 0.75 }), "clip p99 = -0.75");
  assert.equal(clipLabel({ sign: "signed", clip: 98, clipMode: "mass", clipValue: 0.5 }), "clip 98% mass = ±0.5");
});

test("relativeLabels: a bar in units of each mask's own clip", () => {
  assert.deepEqual(relativeLabels({ sign: "absolute", clip: 99 }, "each image"), {
    low: "0",
    mid: "clip p99 of each image",
    high: "clip",
  });
  assert.deepEqual(relativeLabels({ sign: "signed", clip: 98, clipMode: "mass" }, "each image"), {
    low: "−clip",
    mid: "clip 98% mass of each image",
    high: "+clip",
  });
  assert.equal(relativeLabels({ sign: "negative", clip: 99 }, "x").high, "−clip");
});
