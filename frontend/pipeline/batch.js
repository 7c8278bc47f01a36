// The batch of one step as a grid (view/grid.js): whether a tag is shown as
// one, which run and step each group of columns shows when the grid compares
// steps or runs, and the value range one colour bar covers.

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

/** The most frames a filmstrip shows (and masks "shared across the tag" pools). */
const FILM_FRAMES = 50;

/**
 * At most `limit` of `steps`, evenly spread, the first and last always in.
 * @template T @param {T[]} steps oldest first. @param {number} limit (>= 2)
 * @returns {T[]}
 */
function spreadSteps(steps, limit) {
  if (steps.length <= limit) return steps;
  const out = [];
  for (let i = 0; i < limit; i++) out.push(steps[Math.round((i * (steps.length - 1)) / (limit - 1))]);
  return out;
}

/**
 * The frames of a filmstrip: the chosen sample at every kept step, or at
 * `limit` of them evenly spread (the last image of a step whose batch is
 * smaller; a step without its batch size keeps the sample).
 * @param {{step:number, samples?:number}[]} steps the kept steps.
 * @param {number} sample @param {number} [limit]
 * @returns {{step:number, sample:number}[]}
 */
function filmFrames(steps, sample, limit = FILM_FRAMES) {
  return spreadSteps(steps, limit).map((s) => ({
    step: s.step,
    sample: s.samples ? Math.min(sample, s.samples - 1) : sample,
  }));
}

/**
 * The kept step a comparison shows for `step`: that step, else the last one
 * kept before it, else the first kept.
 * @param {{step:number}[]} steps kept steps, oldest first (not empty).
 * @param {number} step
 * @returns {{step:number, samples?:number}}
 */
function nearestStep(steps, step) {
  let best = steps[0];
  for (const s of steps) if (s.step <= step) best = s;
  return best;
}

/**
 * The groups of columns of a grid, left to right: the card's run at its
 * step, then the same run at `compareStep`, then each other run at its kept
 * step nearest the card's (nearestStep). Each group is the image column and
 * one column per mask; rows are sample indices, so group A's image i sits
 * beside group B's image i.
 * @param {{run:string, step:{step:number, samples?:number}, samples:number}} main the card.
 * @param {{steps?:{step:number, samples?:number}[], compareStep?:number|null,
 *   runs?:{run:string, steps:{step:number, samples?:number}[]}[]}} [compare]
 *   steps: the card's kept steps; runs: other runs with the same tag (non-empty step lists).
 * @returns {{run:string, step:number, samples:number, title:string}[]}
 */
function gridSources(main, { steps = [], compareStep = null, runs = [] } = {}) {
  const at = (run, entry, fallback) => ({
    run,
    step: entry.step,
    samples: entry.samples || fallback,
    title: `${run} · step ${entry.step}`,
  });
  const out = [at(main.run, main.step, main.samples)];
  if (compareStep !== null && compareStep !== main.step.step) {
    const entry = steps.find((s) => s.step === compareStep);
    if (entry) out.push(at(main.run, entry, main.samples));
  }
  for (const { run, steps: theirs } of runs) {
    if (run !== main.run && theirs.length) out.push(at(run, nearestStep(theirs, main.step.step), main.samples));
  }
  return out;
}

export { FILM_FRAMES, isBatch, pooledRange, filmFrames, spreadSteps, nearestStep, gridSources };
