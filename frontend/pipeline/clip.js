// Strength, clip and threshold: which part of a mask counts and where its
// colours saturate. tensorboard_plugin_saliency/render.py implements the same
// numbers in NumPy.
//
// For one mask value v the strength s that clipping and thresholds rank is
//   absolute |v|, positive max(v, 0), negative max(-v, 0), signed |v|.
// The clip c is a value of s over the masks the caller pools (one mask, the
// masks of an image, or one mask across steps):
//   percentile  the p-th percentile of s, linear interpolation (numpy's
//               default; PAIR's visualisation uses p = 99);
//   mass        Captum's cumulative-mass point: the smallest s whose ascending
//               cumulative sum reaches p% of the total (outlier_perc=2 is p = 98).
// A threshold of k keeps the pixels whose s is in the top k% (and above 0).
//
// Everything is read from strengths sorted once per mask and sign (the page
// caches them): a percentile is then O(1), a mass point a binary search in
// prefix sums that are also computed once.

import { checkChoice, checkPercent } from "./check.js";

/** Sign modes, in the order a UI lists them. */
const SIGNS = Object.freeze(["absolute", "positive", "negative", "signed"]);

/** Ways to turn the `clip` percentage into a clip value. */
const CLIP_MODES = Object.freeze(["percentile", "mass"]);

// Writes the strengths of `mask` into dst[off ..). One loop per sign keeps
// each monomorphic and fast.
function strengthInto(mask, sign, dst, off) {
  const n = mask.length;
  if (sign === "positive") {
    for (let i = 0; i < n; i++) dst[off + i] = mask[i] > 0 ? mask[i] : 0;
  } else if (sign === "negative") {
    for (let i = 0; i < n; i++) dst[off + i] = mask[i] < 0 ? -mask[i] : 0;
  } else {
    for (let i = 0; i < n; i++) dst[off + i] = Math.abs(mask[i]);
  }
}

/**
 * The per-pixel strength s that clipping and thresholds rank.
 * @param {ArrayLike<number>} mask raw mask values.
 * @param {string} sign one of SIGNS.
 * @returns {Float32Array} s >= 0 for every pixel.
 */
function strength(mask, sign) {
  checkChoice("sign", sign, SIGNS);
  const s = new Float32Array(mask.length);
  strengthInto(mask, sign, s, 0);
  return s;
}

/**
 * Strengths sorted ascending, the table behind every clip and threshold of a
 * mask for one sign (absolute and signed rank the same |v|).
 * @param {ArrayLike<number>[]} masks raw values; all of them are pooled.
 * @param {string} sign one of SIGNS.
 * @returns {Float32Array}
 */
function sortedStrengths(masks, sign) {
  const n = masks.reduce((k, m) => k + m.length, 0);
  const s = new Float32Array(n);
  let off = 0;
  for (const m of masks) {
    strengthInto(m, sign, s, off);
    off += m.length;
  }
  return s.sort();
}

/**
 * The key under which sorted strengths can be cached: signed ranks |v| too.
 * @param {string} sign @returns {string}
 */
function strengthKey(sign) {
  return sign === "signed" ? "absolute" : sign;
}

/**
 * The p-th percentile of sorted values, linear interpolation (numpy's default), in O(1).
 * @param {ArrayLike<number>} sorted ascending.
 * @param {number} p percentage in [0, 100].
 * @returns {number} NaN for no values.
 */
function percentileSorted(sorted, p) {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (p / 100) * (n - 1);
  const k = Math.min(Math.floor(pos), n - 1);
  const lo = sorted[k];
  if (k + 1 >= n) return lo;
  return lo + (sorted[k + 1] - lo) * (pos - k);
}

const prefixes = new WeakMap(); // sorted strengths -> their running sums

/**
 * Running sums of sorted values, computed once per array: sums[i] = sorted[0] + ... + sorted[i],
 * added one after another in float64 (as numpy's cumsum, which render.py uses).
 * @param {Float32Array|Float64Array} sorted @returns {Float64Array}
 */
function prefixSums(sorted) {
  let sums = prefixes.get(sorted);
  if (!sums) {
    sums = new Float64Array(sorted.length);
    let cum = 0;
    for (let i = 0; i < sorted.length; i++) {
      cum += sorted[i];
      sums[i] = cum;
    }
    prefixes.set(sorted, sums);
  }
  return sums;
}

/**
 * Captum's cumulative-mass point (`_cumulative_sum_threshold`) of sorted
 * non-negative values: the smallest value whose ascending cumulative sum
 * reaches `keep`% of the total.
 * @param {Float32Array|Float64Array} sorted ascending strengths.
 * @param {number} keep percentage in (0, 100].
 * @returns {number} NaN for no values.
 */
function massSorted(sorted, keep) {
  const n = sorted.length;
  if (n === 0) return NaN;
  const sums = prefixSums(sorted);
  const target = sums[n - 1] * 0.01 * keep;
  if (!(sums[n - 1] >= target)) return sorted[n - 1]; // keep=100 may round the target above the total
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sums[mid] >= target) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo];
}

/**
 * The clip value from sorted strengths.
 * @param {Float32Array|Float64Array} sorted ascending strengths of the pooled masks.
 * @param {{clip:number, clipMode?:string}} opts clip: the percentage; clipMode: one of CLIP_MODES.
 * @returns {number} in mask units (>= 0; 0 when every strength is 0).
 */
function clipFromSorted(sorted, { clip, clipMode = "percentile" }) {
  return clipMode === "mass" ? massSorted(sorted, clip) : percentileSorted(sorted, clip);
}

/**
 * The strength cut for colorizeMask as the page applies a threshold: pixels
 * keep when s >= cut and s > 0. A threshold of 100 (or none) keeps every
 * non-zero pixel, so a pixel whose mask is exactly zero always shows the plain image.
 * @param {ArrayLike<number>} sorted ascending strengths of the mask.
 * @param {number|null} threshold percentage of pixels kept.
 * @returns {number} >= 0.
 */
function cutFromSorted(sorted, threshold) {
  if (threshold === null || threshold === undefined || threshold >= 100) return 0;
  return Math.max(percentileSorted(sorted, 100 - threshold), 0);
}

function sortedCopy(values) {
  return (values instanceof Float32Array ? values.slice() : Float64Array.from(values)).sort();
}

/**
 * The p-th percentile with linear interpolation (numpy's default method).
 * @param {ArrayLike<number>} values not changed.
 * @param {number} p percentage in [0, 100].
 * @returns {number} NaN for an empty input.
 */
function percentile(values, p) {
  return percentileSorted(sortedCopy(values), p);
}

/**
 * Captum's cumulative-mass point of unsorted values (see massSorted).
 * @param {ArrayLike<number>} values non-negative strengths; not changed.
 * @param {number} keep percentage in (0, 100].
 * @returns {number}
 */
function massThreshold(values, keep) {
  return massSorted(sortedCopy(values), keep);
}

/**
 * The clip value for a set of masks (one mask, all the masks of an image, or
 * one tag's masks across steps: the caller decides and passes them all).
 * @param {ArrayLike<number>[]} masks raw mask values.
 * @param {{sign?:string, clip?:number, clipMode?:string}} opts clip is the
 *   percentage: percentile of s over all pixels (PAIR: 99), or with
 *   clipMode "mass" the cumulative mass kept (Captum outlier_perc=2: 98).
 * @returns {number} clip in mask units (>= 0; 0 when every s is 0).
 */
function computeClip(masks, { sign = "absolute", clip = 99, clipMode = "percentile" } = {}) {
  checkPercent("clip", clip);
  checkChoice("sign", sign, SIGNS);
  checkChoice("clipMode", clipMode, CLIP_MODES);
  return clipFromSorted(sortedStrengths(masks, sign), { clip, clipMode });
}

/**
 * The strength below which a pixel is dropped to keep the top `threshold`%,
 * as the Python renderer applies a threshold (none: every pixel is coloured).
 * @param {ArrayLike<number>} mask raw values (native size).
 * @param {{sign?:string, threshold?:number|null}} opts threshold in (0, 100].
 * @returns {number} cut (pixels keep when s >= cut and s > 0); -Infinity for no threshold.
 */
function thresholdCut(mask, { sign = "absolute", threshold = null } = {}) {
  if (threshold === null || threshold === undefined) return -Infinity;
  checkPercent("threshold", threshold);
  checkChoice("sign", sign, SIGNS);
  return percentileSorted(sortedStrengths([mask], sign), 100 - threshold);
}

export {
  SIGNS,
  CLIP_MODES,
  strength,
  sortedStrengths,
  strengthKey,
  percentileSorted,
  prefixSums,
  massSorted,
  clipFromSorted,
  cutFromSorted,
  percentile,
  massThreshold,
  computeClip,
  thresholdCut,
};
