// Tests of grid_window.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { gridLayout } from "./grid_window.js";

test("gridLayout without groups: rows one under another, the window the rows in view plus overscan", () => {
  const l = gridLayout({ count: 100000, groups: [], rowHeight: 100, headerHeight: 30 });
  assert.equal(l.height, 100000 * 100);
  assert.equal(l.rowTop(5), 500);
  assert.deepEqual(l.visible(0, 450, 2), { headers: [], first: 0, last: 7 });
  assert.deepEqual(l.visible(1_000_050, 1_000_300, 2), { headers: [], first: 9998, last: 10005 });
  assert.deepEqual(l.visible(9_999_900, 10_000_000, 2), { headers: [], first: 99997, last: 100000 });
});

test("gridLayout with groups: a header above each group's rows; the window holds the headers it crosses", () => {
  // Groups of rows [0, 3), [3, 4), [4, 10): header 10 px, row 100 px.
  const l = gridLayout({
    count: 10,
    groups: [{ start: 0 }, { start: 3 }, { start: 4 }],
    rowHeight: 100,
    headerHeight: 10,
  });
  assert.equal(l.height, 3 * 10 + 10 * 100);
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(l.rowTop), [10, 110, 210, 320, 430, 930]);
  assert.deepEqual([0, 1, 2].map(l.headerTop), [0, 310, 420]);
  assert.deepEqual(l.visible(0, 50, 0), { headers: [0], first: 0, last: 1 });
  assert.deepEqual(l.visible(300, 440, 0), { headers: [0, 1, 2], first: 2, last: 5 });
  assert.deepEqual(l.visible(425, 429, 0), { headers: [2], first: 4, last: 5 });
  assert.deepEqual(l.visible(2000, 3000, 0), { headers: [2], first: 9, last: 10 });
});

test("gridLayout of no rows", () => {
  const l = gridLayout({ count: 0, groups: [], rowHeight: 100, headerHeight: 10 });
  assert.equal(l.height, 0);
  assert.deepEqual(l.visible(0, 500), { headers: [], first: 0, last: 0 });
});
