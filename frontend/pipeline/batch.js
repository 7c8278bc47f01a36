// The batch of one step as a grid (view/grid.js): whether a tag is shown as
// one, and the value range one colour bar covers for a column of masks.

/**
 * Whether a /tags entry is a batch of several images or masks, shown as a
 * grid by default. An entry with an `error` (unreadable) never is.
 * @param {{samples:number, masks:string[], error?:string}} info
 * @returns {boolean}
 */
function isBatch(info) {
  return !info.error && (info.samples > 1 || info.masks.length > 1);
}

/**
 * The range of several masks together, for their shared colour bar.
 * @param {{min:number, max:number}[]} masks
 * @returns {{min:number, max:number}|null} null for none.
 */
function pooledRange(masks) {
  if (!masks.length) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const m of masks) {
    if (m.min < min) min = m.min;
    if (m.max > max) max = m.max;
  }
  return { min, max };
}

/**
 * The frames of a filmstrip: the chosen sample at every kept step (the last
 * image of a step whose batch is smaller; a step without its batch size keeps
 * the sample).
 * @param {{step:number, samples?:number}[]} steps the kept steps.
 * @param {number} sample
 * @returns {{step:number, sample:number}[]}
 */
function filmFrames(steps, sample) {
  return steps.map((s) => ({ step: s.step, sample: s.samples ? Math.min(sample, s.samples - 1) : sample }));
}

export { isBatch, pooledRange, filmFrames };
