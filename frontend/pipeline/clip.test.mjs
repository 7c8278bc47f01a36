// Tests of pipeline/clip.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clipFromSorted,
  computeClip,
  cutFromSorted,
  massSorted,
  massThreshold,
  percentile,
  percentileSorted,
  prefixSums,
  sortedStrengths,
  strength,
  strengthKey,
  thresholdCut,
} from "./clip.js";

test("percentile matches numpy's linear interpolation", () => {
  const v = [5, 1, 4, 2, 3];
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile(v, 100), 5);
  assert.equal(percentile(v, 50), 3);
  assert.equal(percentile(v, 10), 1.4); // pos 0.4 between 1 and 2
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  const big = new Float32Array(10001).map((_, i) => (i * 7919) % 10001); // permutation of 0..10000
  assert.equal(percentile(big, 99), 9900);
  assert.equal(big[0], 0, "input is not mutated");
  const dup = new Float32Array(1000).fill(2);
  dup[999] = 10;
  assert.ok(Math.abs(percentile(dup, 99.95) - 6.004) < 1e-9); // pos 998.5005 between 2 and 10
});

test("percentileSorted equals percentile (numpy linear)", () => {
  const values = Float32Array.from({ length: 1001 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
  for (const sign of ["absolute", "positive", "negative"]) {
    const s = sortedStrengths([values], sign);
    const raw = Float32Array.from(values, (v) =>
      sign === "positive" ? Math.max(v, 0) : sign === "negative" ? Math.max(-v, 0) : Math.abs(v),
    );
    for (const p of [0, 1, 50, 90, 99, 99.5, 100]) {
      assert.ok(Math.abs(percentileSorted(s, p) - percentile(raw, p)) < 1e-7, `${sign} p${p}`);
    }
  }
  assert.ok(Number.isNaN(percentileSorted(new Float32Array(0), 50)));
});

test("strength and sortedStrengths: per sign, pooled over several masks", () => {
  assert.deepEqual([...strength([-2, 0, 3], "absolute")], [2, 0, 3]);
  assert.deepEqual([...strength([-2, 0, 3], "positive")], [0, 0, 3]);
  assert.deepEqual([...strength([-2, 0, 3], "negative")], [2, 0, 0]);
  assert.throws(() => strength([1], "both"), /sign must be one of absolute, positive, negative, signed/);
  const s = sortedStrengths([Float32Array.of(-3, 1), Float32Array.of(2)], "absolute");
  assert.deepEqual([...s], [1, 2, 3]);
  assert.equal(strengthKey("signed"), "absolute");
  assert.equal(strengthKey("negative"), "negative");
});

test("cutFromSorted: 100% keeps every non-zero pixel, k% keeps the top k%", () => {
  const s = sortedStrengths([Float32Array.from({ length: 100 }, (_, i) => i)], "absolute");
  assert.equal(cutFromSorted(s, 100), 0);
  assert.equal(cutFromSorted(s, null), 0);
  assert.equal(cutFromSorted(s, 10), percentileSorted(s, 90));
  assert.equal(thresholdCut(s, { threshold: null }), -Infinity);
  assert.equal(thresholdCut(s, { threshold: 10 }), cutFromSorted(s, 10));
});

test("computeClip: PAIR percentile of |v|, per sign, over several masks", () => {
  const a = Float32Array.from({ length: 101 }, (_, i) => (i % 2 ? -i : i)); // |v| = 0..100
  assert.equal(computeClip([a], { clip: 99 }), 99);
  assert.equal(computeClip([a], { clip: 100 }), 100);
  assert.equal(computeClip([a], { sign: "signed", clip: 50 }), 50);
  // positive: negatives count as 0 (51 evens 0..100, 50 zeros)
  assert.equal(computeClip([a], { sign: "positive", clip: 100 }), 100);
  assert.equal(computeClip([a], { sign: "negative", clip: 100 }), 99);
  assert.equal(computeClip([a], { sign: "positive", clip: 40 }), 0);
  // shared across masks = percentile of their union
  const b = Float32Array.from({ length: 101 }, (_, i) => 1000 + i);
  assert.equal(computeClip([a, b], { clip: 50 }), percentile([...a.map(Math.abs), ...b], 50));
  assert.throws(() => computeClip([a], { clip: 0 }), /clip must be in \(0, 100\]/);
  assert.throws(() => computeClip([a], { sign: "both" }), /sign must be one of absolute, positive, negative, signed/);
  assert.throws(() => computeClip([a], { clipMode: "max" }), /clipMode must be one of percentile, mass/);
});

test("computeClip mass mode = Captum's cumulative-sum threshold", () => {
  const v = Float32Array.from([1, 1, 1, 1, 96]); // total 100
  assert.equal(computeClip([v], { clip: 4, clipMode: "mass" }), 1);
  assert.equal(computeClip([v], { clip: 5, clipMode: "mass" }), 96);
  assert.equal(massThreshold([3, 1, 2], 100), 3);
  assert.equal(massThreshold([3, 1, 2], 50), 2); // ascending cum 1, 3, 6 reaches 3 at value 2
  assert.ok(Number.isNaN(massThreshold([], 50)));
});

test("massSorted: a binary search in cached prefix sums equals the linear cumulative scan", () => {
  // The scan of render.mass_threshold: numpy's sequential cumsum, first index reaching the target.
  const scan = (sorted, keep) => {
    let total = 0;
    for (const v of sorted) total += v;
    const target = total * 0.01 * keep;
    let cum = 0;
    for (const v of sorted) {
      cum += v;
      if (cum >= target) return v;
    }
    return sorted[sorted.length - 1];
  };
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) ** 3;
  const values = Float32Array.from({ length: 5000 }, (_, i) => (i % 9 === 0 ? 0 : rand()));
  const sorted = sortedStrengths([values], "absolute");
  for (const keep of [0.001, 1, 50, 90, 97.5, 98, 99, 99.9, 100]) {
    assert.equal(massSorted(sorted, keep), scan(sorted, keep), `keep ${keep}`);
  }
  assert.equal(prefixSums(sorted), prefixSums(sorted), "prefix sums are computed once per table");
  const zeros = new Float32Array(10);
  assert.equal(massSorted(zeros, 98), 0);
  assert.equal(clipFromSorted(sorted, { clip: 98, clipMode: "mass" }), scan(sorted, 98));
  assert.equal(clipFromSorted(sorted, { clip: 98 }), percentileSorted(sorted, 98));
});
