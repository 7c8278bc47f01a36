// Two masks of one image compared in one picture (the single view's
// "Compare with"): the arithmetic, without DOM. Mask A is the card's mask,
// mask B the one it is compared with; both are read at the image's size,
// resampled as the page draws them (colorize.js resampleMask), so a 7×7
// Grad-CAM compares with a 224×224 IG pixel for pixel of the image.
//
//   swipe       A's overlay left of a divider, B's right: swipeSplit.
//   flicker     A and B alternate, each shown 1/rate s: flickerShows.
//   difference  A − B (of the strengths the card's sign ranks; raw values
//               when signed) under one clip pooled over both masks, as
//               Normalize "masks" pools the masks shown together
//               (normalize.js pooledClip): differenceValues, pairClip.
//   agreement   the share of A's top-k % pixels that are also B's top-k %.
//
// B is a mask of the shown image, or of the same image at another kept step
// or in another run (its `source`: sourceOf, sourceStep; the image is matched
// by id where the steps' tables share ids, else by position: matchedSample).

import { clipFromSorted, cutFromSorted, sortedStrengths, strength } from "./clip.js";
import { resampleMask } from "./colorize.js";

/** The comparison modes, in the order the control lists them; the values remembered. */
const COMPARE_MODES = Object.freeze(["swipe", "flicker", "difference"]);

/** The flicker rates offered, in Hz: A or B changes this many times a second. */
const FLICKER_RATES = Object.freeze([1, 2, 4]);

/** The k of agreement when the card keeps every pixel (threshold 100 %). */
const DEFAULT_TOP = 10;

/**
 * A comparison's settings with every invalid entry replaced by its default.
 * @param {object} raw e.g. parsed from storage.
 * @returns {{mask:string|null, mode:string, divider:number, rate:number, source:string}}
 *   mask: B's name (null: no comparison); divider: the swipe's position, % of
 *   the width; source: where B's image is (sourceOf; "" the shown image).
 */
function cleanCompare(raw) {
  const r = raw && typeof raw === "object" ? raw : {};
  return {
    mask: typeof r.mask === "string" && r.mask ? r.mask : null,
    mode: COMPARE_MODES.includes(r.mode) ? r.mode : COMPARE_MODES[0],
    divider: typeof r.divider === "number" && r.divider >= 0 && r.divider <= 100 ? r.divider : 50,
    rate: FLICKER_RATES.includes(r.rate) ? r.rate : 2,
    source: typeof r.source === "string" && sourceOf(r.source) ? r.source : "",
  };
}

/**
 * Where B's image is, from a comparison's `source`: "" the shown image,
 * "previous" the same image at the kept step before the shown one,
 * "step:N" at kept step N, "run:NAME" in run NAME at its kept step nearest
 * the shown one.
 * @param {string} source
 * @returns {{kind:"image"}|{kind:"previous"}|{kind:"step", step:number}|{kind:"run", run:string}|null}
 *   null: not a source.
 */
function sourceOf(source) {
  if (source === "") return { kind: "image" };
  if (source === "previous") return { kind: "previous" };
  if (source.startsWith("step:")) {
    const text = source.slice(5);
    const step = Number(text);
    return /^-?\d+$/.test(text) && Number.isSafeInteger(step) ? { kind: "step", step } : null;
  }
  if (source.startsWith("run:") && source.length > 4) return { kind: "run", run: source.slice(4) };
  return null;
}

/**
 * The step B is read at in the card's own run, for a source of kind image,
 * previous or step: the shown step, the kept step before it, or step N.
 * @param {string} source @param {{step:number}[]} steps the kept steps. @param {number} index the shown one's.
 * @returns {number|null} null: a run's source, or no step before the first.
 */
function sourceStep(source, steps, index) {
  const s = sourceOf(source);
  if (!s || s.kind === "run") return null;
  if (s.kind === "image") return steps[index].step;
  if (s.kind === "previous") return index > 0 ? steps[index - 1].step : null;
  return s.step;
}

/**
 * B's name as the card prints it: its mask, and where it is when not the shown image.
 * @param {string} mask @param {{run:string, step:number}|null} where B's run and step; null: the shown image.
 * @param {string} run the card's run.
 * @returns {string} e.g. "ig", "ig @ step 100", "ig (run b, step 100)".
 */
function bName(mask, where, run) {
  if (!where) return mask;
  if (where.run !== run) return `${mask} (run ${where.run}, step ${where.step})`;
  return `${mask} @ step ${where.step}`;
}

/**
 * The index in B's step of image `sample` of A's, by id where the two steps'
 * tables share an id (none shared: by position, as the grid aligns them).
 * @param {string[]} idsA @param {string[]} idsB the steps' image ids (table_data.js readTable).
 * @param {number} sample @returns {number} -1: B's step does not have the image.
 */
function matchedSample(idsA, idsB, sample) {
  const own = new Set(idsB);
  const shared = idsA.some((id) => own.has(id));
  if (!shared) return sample < idsB.length ? sample : -1;
  return idsB.indexOf(idsA[sample]);
}

/**
 * The first column of a `width`-pixel picture that shows B when the divider
 * stands at `divider` % of its width: columns [0, split) show A, [split, width) B.
 * @param {number} divider in [0, 100]. @param {number} width @returns {number} in [0, width].
 */
function swipeSplit(divider, width) {
  const d = Math.min(100, Math.max(0, Number.isFinite(divider) ? divider : 50));
  return Math.round((d / 100) * width);
}

/**
 * The divider's position (%, one decimal) under a pointer `offsetX` CSS pixels
 * from the left of a picture drawn `displayWidth` wide.
 * @param {number} offsetX @param {number} displayWidth @returns {number} in [0, 100].
 */
function dividerAt(offsetX, displayWidth) {
  if (!(displayWidth > 0)) return 50;
  const d = (offsetX / displayWidth) * 100;
  return Math.round(Math.min(100, Math.max(0, d)) * 10) / 10;
}

/**
 * The divider after a key: ← → by 1 %, Page Up / Page Down by 10 %, Home 0, End 100.
 * @param {number} divider @param {string} key a KeyboardEvent key.
 * @returns {number|null} null: the key does not move it.
 */
function dividerKey(divider, key) {
  const step = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 }[key];
  if (key === "Home") return 0;
  if (key === "End") return 100;
  if (step === undefined) return null;
  return Math.min(100, Math.max(0, Math.round(divider + step)));
}

/**
 * Whether flicker shows B `elapsed` ms after it started at `rate` Hz: A first,
 * then each for 1000/rate ms.
 * @param {number} elapsed @param {number} rate @returns {boolean}
 */
function flickerShows(elapsed, rate) {
  return Math.floor((Math.max(0, elapsed) * rate) / 1000) % 2 === 1;
}

/**
 * The clip A − B is coloured under: one clip over both masks' strengths (at
 * their own sizes), as normalize.js pooledClip reads a pool of two.
 * @param {ArrayLike<number>} a @param {ArrayLike<number>} b raw values.
 * @param {{sign:string, clip:number, clipMode?:string}} s the card's settings.
 * @returns {number} in mask units (>= 0).
 */
function pairClip(a, b, s) {
  return clipFromSorted(sortedStrengths([a, b], s.sign), s);
}

/**
 * A − B at the image's size: each mask resampled as it is drawn, then the
 * strength the card's sign ranks (raw values when signed), then subtracted.
 * @param {{values:ArrayLike<number>, width:number, height:number}} a
 * @param {{values:ArrayLike<number>, width:number, height:number}} b
 * @param {{width:number, height:number}} image
 * @param {{sign:string, smooth?:boolean}} opts
 * @returns {{values:Float32Array, width:number, height:number, min:number, max:number}}
 */
function differenceValues(a, b, image, { sign, smooth = true }) {
  const { width, height } = image;
  const ra = atImage(a, image, sign, smooth);
  const rb = atImage(b, image, sign, smooth);
  const values = new Float32Array(width * height);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const d = ra[i] - rb[i];
    values[i] = d;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  if (!values.length) min = max = 0;
  return { values, width, height, min, max };
}

// A mask at the image's size, as the strengths `sign` ranks (raw when signed).
function atImage(m, image, sign, smooth) {
  const r = resampleMask(m.values, m, image.width, image.height, smooth);
  return sign === "signed" ? r : strength(r, sign);
}

/**
 * The share of A's top-k % pixels that are also among B's top-k %, both read
 * at the image's size. A pixel is in a mask's top k % as the threshold
 * control keeps it (clip.js cutFromSorted: s >= the (100 − k)th percentile,
 * and s > 0).
 * @param {{values:ArrayLike<number>, width:number, height:number}} a
 * @param {{values:ArrayLike<number>, width:number, height:number}} b
 * @param {{width:number, height:number}} image
 * @param {{sign:string, top:number, smooth?:boolean}} opts top: k in (0, 100].
 * @returns {{share:number|null, top:number, inA:number, both:number}} share in [0, 1];
 *   null when A keeps no pixel (every strength 0).
 */
function agreement(a, b, image, { sign, top, smooth = true }) {
  const sa = strength(resampleMask(a.values, a, image.width, image.height, smooth), sign);
  const sb = strength(resampleMask(b.values, b, image.width, image.height, smooth), sign);
  const keep = (s) => Math.max(cutFromSorted(s.slice().sort(), top), Number.MIN_VALUE);
  const ca = keep(sa);
  const cb = keep(sb);
  let inA = 0;
  let both = 0;
  for (let i = 0; i < sa.length; i++) {
    if (sa[i] < ca) continue;
    inA++;
    if (sb[i] >= cb) both++;
  }
  return { share: inA ? both / inA : null, top, inA, both };
}

/**
 * The k of agreement under the card's threshold: the threshold itself, or
 * DEFAULT_TOP when it keeps every pixel.
 * @param {number} threshold the card's (% kept). @returns {number}
 */
function agreementTop(threshold) {
  return threshold > 0 && threshold < 100 ? threshold : DEFAULT_TOP;
}

/**
 * Agreement as the card prints it.
 * @param {string} a A's name @param {string} b B's name
 * @param {{share:number|null, top:number}} r from agreement.
 * @returns {string} e.g. "Agreement: 83 % of ig's top 10 % pixels are in grad_cam's top 10 %".
 */
function agreementText(a, b, r) {
  const k = `${r.top} %`;
  if (r.share === null) return `Agreement: ${a} has no top ${k} (every value is 0)`;
  const pct = Math.round(r.share * 1000) / 10;
  return `Agreement: ${pct} % of ${a}'s top ${k} pixels are in ${b}'s top ${k}`;
}

export {
  COMPARE_MODES,
  FLICKER_RATES,
  DEFAULT_TOP,
  cleanCompare,
  sourceOf,
  sourceStep,
  bName,
  matchedSample,
  swipeSplit,
  dividerAt,
  dividerKey,
  flickerShows,
  pairClip,
  differenceValues,
  agreement,
  agreementTop,
  agreementText,
};
