// Tests of pipeline/colormap.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { tables } from "../testing.mjs";
import {
  Palette,
  TINT,
  colormapForSign,
  colormapLUT,
  defaultColormap,
  hexToRgb,
  isDiverging,
  overlayTable,
} from "./colormap.js";

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
  const rdbu = colormapLUT(tables, "rdbu");
  const [r0, , b0] = rdbu.subarray(0, 3);
  const [r255, , b255] = rdbu.subarray(765, 768);
  assert.ok(b0 > r0 && r255 > b255);
  for (const i of [127, 128]) for (const c of rdbu.subarray(3 * i, 3 * i + 3)) assert.ok(c >= 253);
});

test("colormapLUT decodes hex, rejects unknown names with the choices", () => {
  const lut = colormapLUT(tables, "viridis");
  assert.deepEqual(Array.from(lut.subarray(0, 3)), [0x44, 0x01, 0x54]);
  assert.equal(lut.length, 768);
  assert.throws(() => colormapLUT(tables, "nope"), /colormap must be one of .*inferno/);
  assert.equal(isDiverging(tables, "rdbu"), true);
  assert.equal(isDiverging(tables, "inferno"), false);
  assert.equal(defaultColormap(tables, "signed"), "rdbu");
  assert.equal(defaultColormap(tables, "absolute"), "inferno");
  assert.deepEqual(hexToRgb("#0a10ff"), [10, 16, 255]);
});

test("colormap follows the sign unless the user chose one", () => {
  const t = { default: "inferno", default_diverging: "rdbu" };
  assert.equal(colormapForSign("inferno", "absolute", "signed", t), "rdbu");
  assert.equal(colormapForSign("rdbu", "signed", "positive", t), "inferno");
  assert.equal(colormapForSign("viridis", "absolute", "signed", t), "viridis");
});

test("overlayTable: heatmap is opaque colormap colour; tint alpha follows the value", () => {
  const gray = colormapLUT(tables, "gray");
  const heat = overlayTable(gray);
  assert.deepEqual(Array.from(heat.subarray(4 * 200, 4 * 201)), [200, 200, 200, 255]);
  const tint = overlayTable(gray, { mode: "tint", tint: [1, 2, 3] });
  assert.deepEqual(Array.from(tint.subarray(4 * 77, 4 * 78)), [1, 2, 3, 77]);
  const signed = overlayTable(gray, { mode: "tint", sign: "signed", tint: [9, 9, 9], tintNegative: [1, 1, 1] });
  assert.deepEqual(Array.from(signed.subarray(0, 4)), [1, 1, 1, 255]);
  assert.deepEqual(Array.from(signed.subarray(1020, 1024)), [9, 9, 9, 255]);
  assert.throws(() => overlayTable(gray, { mode: "blend" }), /mode must be one of heatmap, tint/);
});

test("Palette builds each table once; tint uses the tint colour", () => {
  const palette = new Palette(tables);
  assert.deepEqual(palette.names, Object.keys(tables.maps));
  const s = { colormap: "viridis", sign: "absolute", tint: "#ff0000" };
  assert.equal(palette.table(s), palette.table({ ...s }));
  assert.deepEqual(palette.table(s), overlayTable(colormapLUT(tables, "viridis")));
  const t = palette.table({ colormap: TINT, sign: "absolute", tint: "#00ff00" });
  assert.deepEqual(Array.from(t.subarray(4 * 255)), [0, 255, 0, 255]);
});
