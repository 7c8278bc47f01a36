// A card grid's difference column, without DOM: the two masks chosen (A and
// B among the tag's masks), the pool their one clip is read from, and the
// reach of its colour bar. Each cell's A − B is compare.js differenceValues
// (the strengths the card's sign ranks, raw when signed, at the image's size),
// coloured through the diverging colormap under one clip pooled over the A
// and B masks of the rows loaded (normalize.js pooledClip's rule), as the
// single view's difference pools A and B. A percentile clip of the pool is
// read from each mask's own sorted strengths (pooledPercentile), without
// sorting the pool's millions of values again.

import { percentileSorted } from "./clip.js";

// A float32's bits: non-negative floats order as their bit patterns do.
const FLOAT = new Float32Array(1);
const BITS = new Uint32Array(FLOAT.buffer);

/**
 * A grid's remembered difference with every invalid entry replaced by null.
 * @param {object} raw e.g. parsed from storage.
 * @returns {{a:string|null, b:string|null}} a, b: the masks' names (null: "—").
 */
function cleanGridDifference(raw) {
  const r = raw && typeof raw === "object" ? raw : {};
  const name = (v) => (typeof v === "string" && v ? v : null);
  return { a: name(r.a), b: name(r.b) };
}

/**
 * The difference the grid draws: both masks chosen, different, and among the
 * grid's mask columns; else null (no column).
 * @param {{a:string|null, b:string|null}} choice from cleanGridDifference.
 * @param {string[]} masks the tag's masks (the grid's columns).
 * @returns {{a:string, b:string}|null}
 */
function activeDifference(choice, masks) {
  const { a, b } = cleanGridDifference(choice);
  if (!a || !b || a === b || !masks.includes(a) || !masks.includes(b)) return null;
  return { a, b };
}

/**
 * The masks the difference column's clip pools: A and B of group `group` of
 * every loaded row that has both, A's then B's, in the rows' order.
 * @param {{state:string, groups:{masks:Map<string, object>}[]}[]} rows grid_rows.js rows.
 * @param {{a:string, b:string}} diff @param {number} [group] the group of columns (0: the card's own).
 * @returns {object[]} PoolMasks (normalize.js).
 */
function differencePool(rows, { a, b }, group = 0) {
  const as = [];
  const bs = [];
  for (const row of rows) {
    if (row.state !== "loaded") continue;
    const masks = row.groups[group]?.masks;
    const ma = masks?.get(a);
    const mb = masks?.get(b);
    if (!ma || !mb) continue;
    as.push(ma);
    bs.push(mb);
  }
  return [...as, ...bs];
}

/**
 * The p-th percentile (clip.js percentileSorted: linear interpolation) of
 * several sorted arrays of non-negative values taken together, as if merged
 * and sorted: each rank found by bisection over the float32 values.
 * @param {Float32Array[]} sorted each ascending, values >= 0 (a mask's sorted strengths, cache.js StrengthCache.of).
 * @param {number} p percentage in [0, 100].
 * @returns {number} NaN for no values.
 */
function pooledPercentile(sorted, p) {
  const arrays = sorted.filter((a) => a.length);
  if (arrays.length === 1) return percentileSorted(arrays[0], p);
  const n = arrays.reduce((k, a) => k + a.length, 0);
  if (n === 0) return NaN;
  const pos = (p / 100) * (n - 1);
  const k = Math.min(Math.floor(pos), n - 1);
  const lo = rankValue(arrays, k);
  if (k + 1 >= n) return lo;
  return lo + (rankValue(arrays, k + 1) - lo) * (pos - k);
}

// The value at rank r (0-based, ascending) of the arrays taken together: the
// smallest float32 v with more than r values <= v.
function rankValue(arrays, r) {
  let lo = 0;
  FLOAT[0] = Math.max(...arrays.map((a) => a[a.length - 1]));
  let hi = BITS[0];
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    BITS[0] = mid;
    const v = FLOAT[0];
    let count = 0;
    for (const a of arrays) count += atMost(a, v);
    if (count > r) hi = mid;
    else lo = mid + 1;
  }
  BITS[0] = lo;
  return FLOAT[0];
}

// How many values of ascending `a` are <= v.
function atMost(a, v) {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * How far the difference's colour bar reaches each side of 0: the largest
 * |A − B| among `diffs` or the clip, whichever is larger.
 * @param {{min:number, max:number}[]} diffs @param {number} clip @returns {number}
 */
function differenceReach(diffs, clip) {
  let m = Number.isFinite(clip) ? Math.abs(clip) : 0;
  for (const d of diffs) m = Math.max(m, Math.abs(d.min), Math.abs(d.max));
  return m;
}

/**
 * The difference column's title: "A − B".
 * @param {{a:string, b:string}} diff @returns {string}
 */
function differenceName({ a, b }) {
  return `${a} − ${b}`;
}

export { cleanGridDifference, activeDifference, differencePool, pooledPercentile, differenceReach, differenceName };
