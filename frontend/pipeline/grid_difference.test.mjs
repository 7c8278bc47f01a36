// Tests of pipeline/grid_difference.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { percentileSorted, sortedStrengths } from "./clip.js";
import {
  activeDifference,
  cleanGridDifference,
  differenceName,
  differencePool,
  differenceReach,
  pooledPercentile,
} from "./grid_difference.js";

test("cleanGridDifference: names kept, anything else none", () => {
  assert.deepEqual(cleanGridDifference(null), { a: null, b: null });
  assert.deepEqual(cleanGridDifference({ a: "ig", b: 3 }), { a: "ig", b: null });
  assert.deepEqual(cleanGridDifference({ a: "", b: "cam" }), { a: null, b: "cam" });
  assert.deepEqual(cleanGridDifference({ a: "ig", b: "cam", x: 1 }), { a: "ig", b: "cam" });
});

test("activeDifference: two different masks of the tag, else no column", () => {
  const masks = ["ig", "cam", "grad"];
  assert.deepEqual(activeDifference({ a: "ig", b: "cam" }, masks), { a: "ig", b: "cam" });
  assert.equal(activeDifference({ a: "ig", b: "ig" }, masks), null);
  assert.equal(activeDifference({ a: "ig", b: null }, masks), null);
  assert.equal(activeDifference({ a: "ig", b: "gone" }, masks), null);
  assert.equal(activeDifference(undefined, masks), null);
});

test("differencePool: A's then B's masks of the loaded rows' own group", () => {
  const m = (name, row) => ({ name, url: `${name}${row}`, mask: {} });
  const row = (id, state, names, other = []) => ({
    id,
    state,
    groups: [
      { masks: new Map(names.map((n) => [n, m(n, id)])) },
      { masks: new Map(other.map((n) => [n, m(n, `x${id}`)])) },
    ],
  });
  const rows = [
    row(0, "loaded", ["a", "b", "c"], ["a", "b"]),
    row(1, "pending", []),
    row(2, "loaded", ["a", "b"]),
    row(3, "loaded", ["a"]), // no B: left out
  ];
  assert.deepEqual(
    differencePool(rows, { a: "a", b: "b" }).map((p) => p.url),
    ["a0", "a2", "b0", "b2"],
  );
  assert.deepEqual(
    differencePool(rows, { a: "a", b: "b" }, 1).map((p) => p.url),
    ["ax0", "bx0"],
  );
  assert.deepEqual(differencePool([], { a: "a", b: "b" }), []);
});

test("differenceReach: the largest |A − B| or the clip", () => {
  assert.equal(differenceReach([{ min: -0.5, max: 0.25 }], 0.4), 0.5);
  assert.equal(
    differenceReach(
      [
        { min: -0.1, max: 0.2 },
        { min: 0, max: 0.3 },
      ],
      1,
    ),
    1,
  );
  assert.equal(differenceReach([], NaN), 0);
  assert.equal(differenceName({ a: "ig", b: "cam" }), "ig − cam");
});

test("pooledPercentile: the percentile of the masks' strengths pooled, as sorting them together gives", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const mask = (n, f) => Float32Array.from({ length: n }, f);
  const masks = [
    mask(500, random),
    mask(300, () => Math.round(random() * 4) / 4), // ties
    mask(200, () => 0), // zeros
    mask(1, () => 3),
  ];
  const each = masks.map((m) => sortedStrengths([m], "absolute"));
  const all = sortedStrengths(masks, "absolute");
  for (const p of [0, 1, 50, 90, 99, 99.9, 100])
    assert.equal(pooledPercentile(each, p), percentileSorted(all, p), `p${p}`);
  assert.equal(pooledPercentile([each[0]], 99), percentileSorted(each[0], 99));
  assert.ok(Number.isNaN(pooledPercentile([], 99)));
  assert.equal(pooledPercentile([new Float32Array(0), Float32Array.of(0, 0)], 99), 0);
});
