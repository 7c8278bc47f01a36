// Tests of pipeline/regions.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { encodeMask } from "../testing.mjs";
import { decodeMask } from "./decode.js";
import {
  MAX_SIDE,
  OUTLINE,
  boxRects,
  className,
  outlinePixels,
  viewWindow,
  outlineRgba,
  outlineSize,
  readRegion,
  regionLabels,
  regionText,
  rgbOf,
} from "./regions.js";

const { none: N, other: O, explained: E } = OUTLINE;

/** A region mask of `rows` (strings of digits, one per pixel), decoded as the page decodes it. */
function decoded(rows) {
  const width = rows[0].length;
  const height = rows.length;
  const values = rows.join("").split("").map(Number);
  const { gz, min, max } = encodeMask(values);
  return { values: decodeMask(new Uint8Array(zlib.gunzipSync(gz)), { width, height, min, max }), width, height };
}

/** Outline pixels as rows of digits (0 none, 1 other, 2 explained). */
const rowsOf = (out, width) =>
  Array.from({ length: out.length / width }, (_, y) => out.slice(y * width, (y + 1) * width).join(""));

/** The definition, pixel by pixel: in a region, and a 4-neighbour within `t` (or the picture's edge) not in the same one. */
function reference(labels, w, h, W, H, t) {
  const at = (X, Y) =>
    labels[Math.min(h - 1, Math.floor(((Y + 0.5) * h) / H)) * w + Math.min(w - 1, Math.floor(((X + 0.5) * w) / W))];
  const out = new Uint8Array(W * H);
  for (let Y = 0; Y < H; Y++)
    for (let X = 0; X < W; X++) {
      const v = at(X, Y);
      if (!v) continue;
      let edge = false;
      for (let d = 1; d <= t; d++)
        for (const [dx, dy] of [
          [d, 0],
          [-d, 0],
          [0, d],
          [0, -d],
        ]) {
          const x = X + dx;
          const y = Y + dy;
          if (x < 0 || y < 0 || x >= W || y >= H || at(x, y) !== v) edge = true;
        }
      if (edge) out[Y * W + X] = 1;
    }
  return out;
}

test("region mask values come back as the integers written (0 outside, class + 1)", () => {
  const mask = decoded(["0012", "3400", "0009"]);
  assert.deepEqual(Array.from(regionLabels(mask.values)), [0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 9]);
  assert.equal(regionLabels(mask.values), regionLabels(mask.values), "rounded once per decoded mask");
  const big = decoded(["0", "7"]);
  big.values[1] = 65534.4; // the largest stored value
  assert.equal(regionLabels(big.values)[1], 65534);
});

test("a region is read from /sample's entry: its mask's labels, its boxes, the explained class", () => {
  const mask = decoded(["01", "10"]);
  const json = {
    kind: "labels",
    mask: { url: "blob?key=r", width: 2, height: 2, min: 0, max: 1, encoding: "u16planes+gzip" },
    boxes: [{ box: [0, 0, 1, 1], label: 3 }, { box: [0, 1, 2, 2], label: null }, { box: [1, 2] }, null],
    class: 0,
  };
  const region = readRegion(json, mask);
  assert.deepEqual(
    { ...region, labels: Array.from(region.labels) },
    {
      kind: "labels",
      labels: [0, 1, 1, 0],
      width: 2,
      height: 2,
      boxes: [
        { box: [0, 0, 1, 1], label: 3 },
        { box: [0, 1, 2, 2], label: null },
      ],
      explained: 0,
      classNames: null,
    },
  );
  assert.deepEqual(readRegion({ ...json, class_names: ["a", 2] }, mask).classNames, ["a", "2"]);
  assert.equal(readRegion(null, null), null);
  assert.equal(readRegion({ kind: "binary", mask: null, boxes: [], class: null }, null), null, "nothing to draw");
  const boxesOnly = readRegion({ kind: "binary", mask: null, boxes: [{ box: [1, 1, 3, 3], label: null }] }, null);
  assert.deepEqual([boxesOnly.labels, boxesOnly.explained, boxesOnly.boxes.length], [null, null, 1]);
});

test("at the image's size: the region's pixels with a 4-neighbour outside it; the inside and outside stay clear", () => {
  const region = readRegion(
    { kind: "binary", mask: {}, boxes: [] },
    decoded(["000000", "011110", "011110", "011110", "011110", "000000"]),
  );
  assert.deepEqual(rowsOf(outlinePixels(region, 6, 6, 6, 6), 6), [
    "000000",
    "022220",
    "020020",
    "020020",
    "022220",
    "000000",
  ]);
  // A diagonal neighbour outside does not make an outline pixel.
  const plus = readRegion({ kind: "binary", mask: {}, boxes: [] }, decoded(["000", "111", "111"]));
  assert.deepEqual(
    rowsOf(outlinePixels(plus, 3, 3, 3, 3), 3),
    ["000", "222", "222"],
    "the picture's edge counts as outside",
  );
});

test("scaled up: the outline follows the region's pixel edges at the drawn size", () => {
  const region = readRegion({ kind: "binary", mask: {}, boxes: [] }, decoded(["000", "010", "000"]));
  assert.deepEqual(rowsOf(outlinePixels(region, 3, 3, 9, 9), 9), [
    "000000000",
    "000000000",
    "000000000",
    "000222000",
    "000202000",
    "000222000",
    "000000000",
    "000000000",
    "000000000",
  ]);
  assert.deepEqual(
    rowsOf(outlinePixels(region, 3, 3, 9, 9, 2), 9).slice(3, 6),
    ["000222000", "000222000", "000222000"],
    "two pixels thick",
  );
});

test("at any size and thickness the outline is the definition's, pixel for pixel", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const [w, h, W, H, t] of [
    [7, 5, 23, 16, 1],
    [16, 16, 37, 37, 2],
    [5, 9, 5, 9, 1],
    [12, 8, 7, 5, 1],
    [9, 9, 100, 100, 3],
  ]) {
    const rows = Array.from({ length: h }, () =>
      Array.from({ length: w }, () => (random() < 0.4 ? 0 : 1 + Math.floor(random() * 3))).join(""),
    );
    const region = readRegion({ kind: "labels", mask: {}, boxes: [] }, decoded(rows));
    const out = outlinePixels(region, w, h, W, H, t).map((v) => (v ? 1 : 0));
    assert.deepEqual(
      Array.from(out),
      Array.from(reference(region.labels, w, h, W, H, t)),
      `${w}x${h} at ${W}x${H}, ${t}`,
    );
  }
});

test("a label map: the explained class's region in full, another class's fainter, and each class outlined where it meets another", () => {
  // Classes 0 (stored 1) and 1 (stored 2) side by side.
  const region = readRegion(
    { kind: "labels", mask: {}, boxes: [], class: 1 },
    decoded(["0000", "1122", "1122", "0000"]),
  );
  assert.deepEqual(rowsOf(outlinePixels(region, 4, 4, 4, 4), 4), [
    "0000",
    `${O}${O}${E}${E}`,
    `${O}${O}${E}${E}`,
    "0000",
  ]);
  const none = readRegion({ kind: "labels", mask: {}, boxes: [], class: null }, decoded(["12"]));
  assert.deepEqual(Array.from(outlinePixels(none, 2, 1, 2, 1)), [E, E], "no class explained: every region in full");
  const binary = readRegion({ kind: "binary", mask: {}, boxes: [], class: 5 }, decoded(["1"]));
  assert.deepEqual(Array.from(outlinePixels(binary, 1, 1, 1, 1)), [E], "a binary mask is the explained class's region");
});

test("boxes: rectangles scaled with the picture, their lines inside their edge, clipped to the picture", () => {
  const boxes = [
    { box: [1, 1, 4, 3], label: 2 },
    { box: [5, 4, 9, 9], label: null },
    { box: [20, 20, 30, 30], label: 1 },
  ];
  const clipped = (rects) => rects.map(({ edges, ...r }) => r); // eslint-disable-line no-unused-vars
  assert.deepEqual(clipped(boxRects(boxes, 6, 6, 12, 12)), [
    { x: 2, y: 2, width: 6, height: 4, label: 2 },
    { x: 10, y: 8, width: 2, height: 4, label: null },
  ]);
  assert.deepEqual(boxRects(boxes, 6, 6, 12, 12)[1].edges, { x0: 10, y0: 8, x1: 12, y1: 12 }, "at the image's edge");
  assert.deepEqual(clipped(boxRects([{ box: [2, 2, 2.1, 2.1], label: null }], 10, 10, 10, 10)), [
    { x: 2, y: 2, width: 1, height: 1, label: null },
  ]);
  const region = { kind: "binary", labels: null, width: 0, height: 0, boxes: [boxes[0]], explained: 1 };
  assert.deepEqual(rowsOf(outlinePixels(region, 6, 6, 6, 6), 6), [
    "000000",
    `0${O}${O}${O}00`,
    `0${O}${O}${O}00`,
    "000000",
    "000000",
    "000000",
  ]);
  const tall = { ...region, boxes: [{ box: [1, 1, 5, 5], label: 2 }] };
  assert.deepEqual(
    rowsOf(outlinePixels(tall, 6, 6, 6, 6), 6).slice(1, 5),
    [`0${O}${O}${O}${O}0`, `0${O}00${O}0`, `0${O}00${O}0`, `0${O}${O}${O}${O}0`],
    "the inside of a box stays clear",
  );
  const explained = { ...region, explained: 2 };
  assert.equal(outlinePixels(explained, 6, 6, 6, 6)[1 * 6 + 1], E, "a box of the explained class in full");
  const any = { ...region, boxes: [{ box: [0, 0, 6, 6], label: null }] };
  const out = outlinePixels(any, 6, 6, 12, 12, 2);
  assert.deepEqual(rowsOf(out, 12).slice(0, 3), ["222222222222", "222222222222", "220000000022"]);
});

test("the drawn size: one pixel per device pixel of the picture as it fits its box, in the image's shape", () => {
  assert.deepEqual(outlineSize(320, 320, 16, 16), { width: 320, height: 320 });
  assert.deepEqual(outlineSize(320, 100, 16, 16), { width: 100, height: 100 }, "fits the box's height");
  assert.deepEqual(outlineSize(300, 999, 64, 32), { width: 300, height: 150 });
  assert.deepEqual(outlineSize(150, 150, 16, 16, 2), { width: 300, height: 300 });
  assert.deepEqual(outlineSize(1e5, 1e5, 100, 50), { width: MAX_SIDE, height: MAX_SIDE / 2 });
  assert.equal(outlineSize(0, 100, 16, 16), null);
  assert.equal(outlineSize(100, 100, 0, 16), null);
});

test("outline pixels in the chosen colour: opaque for the explained region, fainter for another, clear elsewhere", () => {
  const rgba = outlineRgba(new Uint8Array([N, O, E]), "#10ff80");
  assert.deepEqual(Array.from(rgba), [0, 0, 0, 0, 16, 255, 128, 150, 16, 255, 128, 255]);
  assert.deepEqual(rgbOf("#00E5FF"), [0, 229, 255]);
  assert.equal(rgbOf("red"), null);
});

test("names: class names or the number, as text", () => {
  assert.equal(className(2, ["a", "b", "<b>c</b>"]), "<b>c</b>");
  assert.equal(className(7, ["a"]), "7");
  assert.equal(className(null, ["a"]), "");
  const region = readRegion(
    {
      kind: "labels",
      mask: {},
      boxes: [
        { box: [0, 0, 1, 1], label: 1 },
        { box: [0, 0, 1, 1], label: null },
      ],
      class: 0,
    },
    decoded(["1"]),
  );
  assert.equal(
    regionText(region, ["cat", "dog"]),
    "Regions: the region of each class, class cat explained; boxes: dog, a box",
  );
  assert.equal(regionText(null), "");
});

test("zoomed: the outlines of the part of the image in view, none where a region goes on past it", () => {
  // A 8x8 image whose region is the square [2, 6) x [2, 6); the window [4, 8) x [4, 8) drawn at 8x8 (2x).
  const labels = new Uint8Array(64);
  for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) labels[y * 8 + x] = 1;
  const region = { kind: "binary", labels, width: 8, height: 8, boxes: [], explained: null };
  const window = { x0: 4, y0: 4, x1: 8, y1: 8 };
  const rows = rowsOf(outlinePixels(region, 8, 8, 8, 8, 1, window), 8);
  assert.deepEqual(rows.slice(0, 5), [`000${E}0000`, `000${E}0000`, `000${E}0000`, `${E}${E}${E}${E}0000`, "00000000"]);
  assert.deepEqual(
    outlinePixels(region, 8, 8, 8, 8, 1, { x0: 0, y0: 0, x1: 8, y1: 8 }),
    outlinePixels(region, 8, 8, 8, 8, 1),
    "the whole image as the window is the fitted drawing",
  );
  // A box [2, 2, 6, 6]: only its right and bottom edges are in the window.
  const boxed = { ...region, labels: null, width: 0, height: 0, boxes: [{ box: [2, 2, 6, 6], label: null }] };
  const boxRows = rowsOf(outlinePixels(boxed, 8, 8, 8, 8, 1, window), 8);
  assert.equal(boxRows[0], `000${E}0000`);
  assert.equal(boxRows[3], `${E}${E}${E}${E}0000`);
  assert.equal(boxRows[1][0], "0", "no line where the box goes on past the window");
  assert.deepEqual(viewWindow({ cx: 6, cy: 6, scale: 2, boxWidth: 8, boxHeight: 8 }), window);
});
