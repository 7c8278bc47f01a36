// Tests of pipeline/grid_difference.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  activeDifference,
  cleanGridDifference,
  differenceName,
  differencePool,
  differenceReach,
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
