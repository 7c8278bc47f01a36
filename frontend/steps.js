// Going to a step: the kept step nearest a typed one, and "Lock steps", which
// keeps every card at its kept step nearest one step. No DOM: runs under
// Node's test runner (steps.test.mjs).

/**
 * The index of the kept step nearest `target`: the earlier of two equally near,
 * the first or last kept step for a target outside their range.
 * @param {{step:number}[]} steps the kept steps (not empty).
 * @param {number} target
 * @returns {number}
 */
function nearestKeptIndex(steps, target) {
  let best = 0;
  for (let i = 1; i < steps.length; i++) {
    const d = Math.abs(steps[i].step - target);
    const bestD = Math.abs(steps[best].step - target);
    if (d < bestD || (d === bestD && steps[i].step < steps[best].step)) best = i;
  }
  return best;
}

/**
 * The step typed in a box, or null when it is no number.
 * @param {string} text @returns {number|null}
 */
function parseStep(text) {
  const trimmed = String(text).trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/**
 * The latest step every list has reached: the smallest of their last steps
 * (their latest common step when they are logged at the same steps).
 * @param {{step:number}[][]} lists kept steps of several cards; empty lists are skipped.
 * @returns {number|null} null for no steps at all.
 */
function latestCommonStep(lists) {
  let out = null;
  for (const steps of lists) {
    let last = null;
    for (const s of steps) if (last === null || s.step > last) last = s.step;
    if (last !== null && (out === null || last < out)) out = last;
  }
  return out;
}

/** "Lock steps": whether it is on and the one step every card follows (each at
 * its kept step nearest it). The step is the one last chosen on a card; until
 * the user chooses one, the latest common step of the cards listed so far. */
class StepLock {
  /** @param {boolean} on */
  constructor(on) {
    this.on = Boolean(on);
    this._step = null;
    this._chosen = null; // the step a card was last moved to by the user
  }

  /** The step the cards follow: null when off, or before any card is listed. @returns {number|null} */
  get step() {
    return this.on ? this._step : null;
  }

  /**
   * The user moved a card to `step`.
   * @param {number} step @returns {boolean} whether the other cards follow.
   */
  chose(step) {
    this._chosen = step;
    if (this.on) this._step = step;
    return this.on;
  }

  /**
   * Turns the lock on or off. On, it takes the step last chosen, else the latest common step of `lists`.
   * @param {boolean} on @param {{step:number}[][]} lists the kept steps of the cards listed.
   * @returns {number|null} the step the cards follow now.
   */
  set(on, lists) {
    this.on = Boolean(on);
    this._step = this.on ? (this._chosen ?? latestCommonStep(lists)) : null;
    return this.step;
  }

  /**
   * A card listed its steps. While no step was chosen, the lock takes the latest common step.
   * @param {{step:number}[][]} lists the kept steps of the cards listed.
   * @returns {boolean} whether the step changed (the cards listed before follow it).
   */
  listed(lists) {
    if (!this.on || this._chosen !== null) return false;
    const step = latestCommonStep(lists);
    if (step === this._step) return false;
    this._step = step;
    return true;
  }
}

export { nearestKeptIndex, parseStep, latestCommonStep, StepLock };
