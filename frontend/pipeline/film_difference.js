// A filmstrip's frames as differences, without DOM: under "Frames:
// difference from the previous step" each frame shows A − B, A the mask at
// its step and B the same mask of the same image at the frame before it
// (compare.js differenceValues: the strengths the card's sign ranks, raw
// values when signed, both read at A's image size, so frames whose images
// differ in size compare pixel for pixel of A's image). The first frame, and
// any frame whose previous frame has no such mask, is shown as its plain mask:
// the reference the next frame is read against. One clip pooled over every
// frame's mask colours all the differences (the filmstrip's own clip).

import { differenceValues } from "./compare.js";

/** What a filmstrip's frames show, in the order the control lists them; the values remembered. */
const FILM_MODES = Object.freeze(["mask", "difference"]);

/**
 * A remembered filmstrip mode, or the default ("mask") when invalid.
 * @param {*} raw e.g. parsed from storage. @returns {string} one of FILM_MODES.
 */
function cleanFilmMode(raw) {
  return FILM_MODES.includes(raw) ? raw : FILM_MODES[0];
}

/**
 * What each frame shows under "difference from the previous step".
 * @param {{step:number, image:{width:number, height:number}|null,
 *   mask:{values:ArrayLike<number>, width:number, height:number}|null}[]} frames
 *   in the strip's order; image null: not loaded yet; mask null: none (yet) at that step.
 * @param {{sign:string, smooth?:boolean}} opts the card's sign and scaling.
 * @returns {{step:number, from:number|null, diff:object|null, caption:string}[]} per frame:
 *   from: the step it is compared with (null: shown as its plain mask); diff: A − B at
 *   A's image size (differenceValues), null for a plain frame; caption: e.g. "step 200 − step 100".
 */
function filmDifferences(frames, { sign, smooth = true }) {
  return frames.map((f, i) => {
    const prev = i > 0 ? frames[i - 1] : null;
    if (!f.image || !f.mask) return { step: f.step, from: null, diff: null, caption: `step ${f.step}` };
    if (!prev || !prev.image || !prev.mask)
      return { step: f.step, from: null, diff: null, caption: `step ${f.step} (reference)` };
    const diff = differenceValues(f.mask, prev.mask, f.image, { sign, smooth });
    return { step: f.step, from: prev.step, diff, caption: `step ${f.step} − step ${prev.step}` };
  });
}

/**
 * The half-width of the signed colour bar of the differences: the largest
 * |A − B| of any frame, and at least the clip.
 * @param {{diff:{min:number, max:number}|null}[]} frames from filmDifferences.
 * @param {number} clip the pooled clip (mask units). @returns {number}
 */
function differenceRange(frames, clip) {
  let m = Math.max(0, clip);
  for (const { diff } of frames) if (diff) m = Math.max(m, Math.abs(diff.min), Math.abs(diff.max));
  return m;
}

export { FILM_MODES, cleanFilmMode, filmDifferences, differenceRange };
