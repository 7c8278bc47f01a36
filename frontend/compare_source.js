// Mask B of a card's "Compare with" when it is not a mask of the shown image:
// the same image at another kept step of the card's run, or in another run
// at that run's kept step nearest the shown one. It finds the step, finds the
// image there (by id where the two steps' tables share ids, else by position:
// pipeline/compare.js matchedSample) and fetches its /sample and B's mask.
// No DOM.

import { bName, matchedSample, sourceOf, sourceStep } from "./pipeline/compare.js";
import { readTable } from "./table_data.js";
import { nearestKeptIndex } from "./steps.js";

/** The steps whose image ids are held (a step of 100,000 images holds 100,000 ids). */
const HELD_TABLES = 4;

/**
 * B from elsewhere, once looked for.
 * @typedef {{key:string, error:string|null, where?:{run:string, step:number},
 *   sample?:number, name?:string, url?:string, mask?:object}} FoundB
 *   error: why there is no B (as text); name: B as the card prints it
 *   (pipeline/compare.js bName); mask: its values (BlobCache entry).
 */

/** Where a card's mask B from another step or run is, and its values. */
class CompareSource {
  /**
   * @param {{api:object, cache:import("./cache.js").BlobCache}} io
   * @param {string} run @param {string} tag the card's.
   */
  constructor({ api, cache }, run, tag) {
    this._api = api;
    this._cache = cache;
    this._run = run;
    this._tag = tag;
    this._steps = new Map(); // run -> Promise of its kept steps of the tag
    this._ids = new Map(); // "run\0step" -> Promise of its image ids
    /** @type {FoundB|null} the last B looked for. */
    this.found = null;
    this._pending = null; // {key, promise}
  }

  /** TensorBoard reloaded: steps and tables are fetched again. */
  refresh() {
    this._steps.clear();
    this._ids.clear();
    this.found = null;
  }

  /**
   * What B is for the card's shown image and comparison `c`, or null when B
   * is a mask of the shown image (source "").
   * @param {import("./card_data.js").CardData} d @param {{mask:string, source:string}} c
   * @returns {string|null}
   */
  keyOf(d, c) {
    if (!c.source || !d.shown) return null;
    return [c.source, c.mask, d.shown.step, d.sample, d.steps.map((s) => s.step).join(",")].join("\u0000");
  }

  /**
   * B for `d` and `c` when it has been looked for; null while not.
   * @param {import("./card_data.js").CardData} d @param {{mask:string, source:string}} c
   * @returns {FoundB|null}
   */
  current(d, c) {
    const key = this.keyOf(d, c);
    return key !== null && this.found?.key === key ? this.found : null;
  }

  /**
   * Looks for B (once per key; a call for the key being looked for waits for it).
   * @param {import("./card_data.js").CardData} d @param {{mask:string, source:string}} c
   * @returns {Promise<FoundB>}
   */
  load(d, c) {
    const key = this.keyOf(d, c);
    if (this.found?.key === key) return Promise.resolve(this.found);
    if (this._pending?.key === key) return this._pending.promise;
    const promise = this._find(d, c, key)
      .catch((e) => ({ key, error: e && e.message ? e.message : String(e) }))
      .then((found) => {
        if (this._pending?.key === key) {
          this._pending = null;
          this.found = found;
        }
        return found;
      });
    this._pending = { key, promise };
    return promise;
  }

  async _find(d, c, key) {
    const source = sourceOf(c.source);
    const shownStep = d.shown.step;
    let where;
    if (source.kind === "run") {
      const steps = await this._stepsOf(source.run);
      if (!steps.length) return { key, error: `run ${source.run} has no steps of this tag` };
      where = { run: source.run, step: steps[nearestKeptIndex(steps, shownStep)].step };
    } else {
      const step = sourceStep(c.source, d.steps, d.stepIndex);
      if (step === null) return { key, error: `there is no kept step before step ${shownStep}` };
      if (!d.steps.some((s) => s.step === step)) return { key, error: `step ${step} is not a kept step` };
      where = { run: this._run, step };
    }
    const [idsA, idsB] = await Promise.all([this._idsOf(this._run, shownStep), this._idsOf(where.run, where.step)]);
    const sample = idsA && idsB ? matchedSample(idsA, idsB, d.sample) : d.sample;
    const image = idsA ? `image ${idsA[d.sample]}` : `image ${d.sample + 1}`;
    const place = where.run === this._run ? `step ${where.step}` : `run ${where.run} (step ${where.step})`;
    if (sample < 0) return { key, error: `${place} does not have ${image}` };
    const answer = await this._api.sample(where.run, this._tag, where.step, sample);
    if (answer.sample !== sample) return { key, error: `${place} does not have ${image}` };
    const info = answer.masks.find((m) => m.name === c.mask);
    if (!info) return { key, error: `${place} has no mask ${c.mask}` };
    const mask = await this._cache.mask(info);
    return { key, error: null, where, sample, name: bName(c.mask, where, this._run), url: info.url, mask };
  }

  _stepsOf(run) {
    if (!this._steps.has(run))
      this._steps.set(
        run,
        this._api.steps(run, this._tag).catch(() => []),
      );
    return this._steps.get(run);
  }

  // A step's image ids (its table's), or null when its table cannot be read.
  _idsOf(run, step) {
    const k = `${run}\u0000${step}`;
    if (!this._ids.has(k) && this._ids.size >= HELD_TABLES) this._ids.delete(this._ids.keys().next().value);
    if (!this._ids.has(k))
      this._ids.set(
        k,
        this._api
          .table(run, this._tag, step)
          .then((answer) => readTable(answer).ids)
          .catch(() => null),
      );
    return this._ids.get(k);
  }
}

export { CompareSource };
