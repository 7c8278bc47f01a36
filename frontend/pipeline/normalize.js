// Normalize: which masks share one clip value. One meaning per choice, for
// every view of a card alike: the single view (card_data.js, view/picture.js),
// the filmstrip (view/filmstrip.js) and the grid (view/grid.js).
//
//   image  each mask alone: its clip is read from its own strengths (as PAIR's
//          and the SmoothGrad page's grids do). The default.
//   masks  the masks of one image at one step together: its gradients,
//          SmoothGrad, Grad-CAM ... share one clip, so the methods read on one
//          scale.
//   tag    every mask of that name the card has loaded for its tag: the
//          grid's loaded rows, in each of its groups of columns (the card's
//          step, the step beside it, the other runs), and the single view's
//          image at the step it shows and, once the single view has shown it
//          under this choice, at the card's kept steps (every one, or 50
//          evenly spaced as its filmstrip). Every view of the card reads the
//          same pool, so within a card one value has one colour: in the grid,
//          in the single view, in the filmstrip and from step to step. The pool
//          grows as rows and steps load (its colour bar says over how many
//          masks) and changes when the grid shows another step or runs.
//
// The pool of "tag" spans steps because that is what the single view and the
// filmstrip are for (when did the model start looking at the object?), and
// images and runs because that is what the grid is for; taking what the card
// has loaded, not every image at every step, keeps it to the blobs the views
// fetch anyway (a grid of 16 images at 50 steps would be 800 blobs per mask).

import { pooledRange } from "./batch.js";
import { checkChoice } from "./check.js";
import { clipFromSorted } from "./clip.js";

/** The Normalize choices, in the order the control lists them; the values
 * remembered in saved settings. */
const NORMALIZE_MODES = Object.freeze(["image", "tag", "masks"]);

/** What each Normalize choice means, one sentence each (the control's tooltip). */
const NORMALIZE_MEANINGS = Object.freeze({
  image: "Per image: each mask is clipped on its own.",
  tag:
    "Shared across the tag: each mask name has one clip over every such mask the card has loaded " +
    "(the grid's rows at every step and run it shows, the single view's image at every kept step), " +
    "so one value has one colour in the grid, the single view and from step to step.",
  masks: "Shared by the image's masks: the masks of one image at one step are clipped together.",
});

/**
 * A decoded mask in a pool: its name, the URL naming its bytes (a mask held
 * twice counts once), and its values and range (a BlobCache mask entry).
 * @typedef {{name:string, url:string, mask:{values:Float32Array, min:number, max:number}}} PoolMask
 */

/**
 * The masks of a tag a card holds, by name, gathered from named holders (the
 * grid's rows, the single view's steps): the pool of Normalize "tag".
 */
class TagPool {
  constructor() {
    /** @type {Map<string, (name:string) => PoolMask[]>} */
    this._holders = new Map();
  }

  /**
   * Makes `masks(name)` what `holder` holds of each name, in place of what it held before.
   * @param {string} holder e.g. "grid", "single view".
   * @param {(name:string) => PoolMask[]} masks asked each time the pool is read.
   */
  hold(holder, masks) {
    this._holders.set(holder, masks);
  }

  /**
   * Every mask named `name` the holders hold, each URL once, in URL order (so
   * the same masks always make the same pool).
   * @param {string} name @returns {PoolMask[]}
   */
  masks(name) {
    const byUrl = new Map();
    for (const held of this._holders.values()) {
      for (const m of held(name)) if (m.name === name && !byUrl.has(m.url)) byUrl.set(m.url, m);
    }
    return [...byUrl.keys()].sort().map((url) => byUrl.get(url));
  }
}

/**
 * The masks whose strengths set the clip of `mask` under Normalize `mode`
 * (see the top of this file): `mask` alone, the masks of its image, or every
 * mask of its name in the card's TagPool. `mask` itself is always in.
 * @param {string} mode one of NORMALIZE_MODES.
 * @param {PoolMask} mask the mask being coloured.
 * @param {{imageMasks?:PoolMask[], tagPool?:TagPool|null}} [held]
 *   imageMasks: the loaded masks of `mask`'s image at its step; tagPool: the card's.
 * @returns {PoolMask[]} not empty.
 */
function clipPool(mode, mask, { imageMasks = [], tagPool = null } = {}) {
  checkChoice("normalize", mode, NORMALIZE_MODES);
  let pool = [];
  if (mode === "masks") pool = imageMasks;
  else if (mode === "tag" && tagPool) pool = tagPool.masks(mask.name);
  return withMasks(pool, [mask]);
}

/**
 * `pool` and, after it, each of `masks` it lacks (by URL).
 * @param {PoolMask[]} pool @param {PoolMask[]} masks @returns {PoolMask[]}
 */
function withMasks(pool, masks) {
  const urls = new Set(pool.map((m) => m.url));
  const missing = masks.filter((m) => !urls.has(m.url));
  return missing.length ? [...pool, ...missing] : pool;
}

/**
 * The clip value a pool shares under settings `s`, with what its colour bar
 * shows: the pool's sorted strengths, its size and its value range.
 * @param {PoolMask[]} pool from clipPool (not empty).
 * @param {{sign:string, clip:number, clipMode?:string}} s the card's settings.
 * @param {{of:(values:Float32Array, sign:string) => Float32Array,
 *   pooled:(key:string, masks:() => Float32Array[], sign:string) => Float32Array}} strengths
 *   sorted strengths, built once per mask and per pool (cache.js StrengthCache).
 * @returns {{clip:number, sorted:Float32Array, count:number, range:{min:number, max:number}}}
 */
function pooledClip(pool, s, strengths) {
  const sorted =
    pool.length === 1
      ? strengths.of(pool[0].mask.values, s.sign)
      : strengths.pooled(`pool|${pool.map((m) => m.url).join(" ")}`, () => pool.map((m) => m.mask.values), s.sign);
  return { clip: clipFromSorted(sorted, s), sorted, count: pool.length, range: pooledRange(pool.map((m) => m.mask)) };
}

/**
 * What a grid column's colour bar stands for under `mode`: null when the
 * column shares one clip ("tag": the bar reads in mask values), else over
 * what each of its cells is clipped (the bar reads in units of that clip).
 * @param {string} mode one of NORMALIZE_MODES. @returns {string|null}
 */
function eachClipped(mode) {
  checkChoice("normalize", mode, NORMALIZE_MODES);
  if (mode === "tag") return null;
  return mode === "masks" ? "each image's masks together" : "each image";
}

/**
 * What a colour bar says of the pool its clip was read from (its tooltip),
 * or "" for a mask clipped alone.
 * @param {string} mode one of NORMALIZE_MODES. @param {string} name the mask's name.
 * @param {number} count the masks in the pool (pooledClip's count).
 * @returns {string}
 */
function poolNote(mode, name, count) {
  checkChoice("normalize", mode, NORMALIZE_MODES);
  if (mode === "masks") return `Shared by the image's masks: one clip over its ${count} masks`;
  if (mode === "tag") return `Shared across the tag: one clip over the ${count} ${name} masks this card has loaded`;
  return "";
}

export { NORMALIZE_MODES, NORMALIZE_MEANINGS, TagPool, clipPool, withMasks, pooledClip, eachClipped, poolNote };
