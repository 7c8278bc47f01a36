// What one card shows (run, tag, step, sample, mask) and the data fetched for
// it: the step list, the /sample answer, the image and the masks, and for
// Normalize "tag" the shown masks of the image at the kept steps. It keeps the
// card's TagPool (pipeline/normalize.js), which its grid holds its rows in
// too, and reads every clip of the single view through pipeline/normalize.js.
// No DOM.
//
// Loads are numbered: begin() starts a new one and every earlier load stops
// at its next await (a newer step or sample was asked for meanwhile).

import { cutFromSorted } from "./pipeline/clip.js";
import { FILM_FRAMES, spreadSteps } from "./pipeline/batch.js";
import { TagPool, clipPool, pooledClip } from "./pipeline/normalize.js";
import { nearestKeptIndex } from "./steps.js";

class CardData {
  /**
   * @param {{api:object, cache:import("./cache.js").BlobCache, strengths:import("./cache.js").StrengthCache}} io
   * @param {string} run @param {string} tag
   * @param {{samples:number, masks:string[]}} info the card's entry of /tags.
   */
  constructor({ api, cache, strengths }, run, tag, info) {
    this._api = api;
    this._cache = cache;
    this._strengths = strengths;
    this.run = run;
    this.tag = tag;
    this.info = info;
    /** @type {{step:number, samples?:number}[]|null} the kept steps. */
    this.steps = null;
    this.stepIndex = -1;
    this.followLatest = true;
    this.sample = 0;
    /** @type {string|null} */
    this.maskName = info.masks[0] || null;
    /** @type {object|null} the /sample answer shown. */
    this.shown = null;
    /** @type {object|null} its image (BlobCache entry). */
    this.image = null;
    /** @type {import("./pipeline/regions.js").Region|null} its regions (the answer's `region`), or null. */
    this.region = null;
    /** @type {string[]|null} the names of class indices, from the step's table once the grid read it. */
    this.classNames = null;
    /** @type {Map<string, object>} mask name -> BlobCache entry, of the shown sample. */
    this.masks = new Map();
    /** @type {{key:string, masks:import("./pipeline/normalize.js").PoolMask[]}|null}
     * Normalize "tag": the image's shown masks at the kept steps, and what they were loaded for. */
    this._stepMasks = null;
    /** @type {TagPool} the masks of the tag the card holds (Normalize "tag"): the
     * single view's here, the grid's rows (view/grid.js), by name. */
    this.tagPool = new TagPool();
    this.tagPool.hold("single view", (name) => this._heldMasks(name));
    this._wantedStep = null; // a step asked for before the step list came
    /** @type {boolean} the step list is being fetched (for the newest load). */
    this.listing = false;
    /** @type {boolean} the single view shows (not the grid): only then does
     * Normalize "tag" load its image at the kept steps. */
    this.singleView = true;
    /** @type {string|null} the mask the single view compares the chosen one with (view/compare.js), or none. */
    this.compareMask = null;
    this._token = 0;
  }

  /** Starts a new load. @returns {number} its token. */
  begin() {
    this.listing = false;
    return ++this._token;
  }

  /** The token of the newest load. @returns {number} */
  get token() {
    return this._token;
  }

  /** Whether the load `token` is still the newest. @param {number} token */
  current(token) {
    return token === this._token;
  }

  /** The chosen step's entry of the step list. */
  get step() {
    return this.steps[this.stepIndex];
  }

  /** Images in the chosen step's batch. @returns {number} */
  get samples() {
    return this.step.samples || this.info.samples;
  }

  /** The latest step's /sample, asked for at once when the card follows the
   * latest step (it arrives alongside the step list). @returns {Promise<object|null>|null} */
  earlySample() {
    return this.followLatest ? this._api.sample(this.run, this.tag, null, this.sample).catch(() => null) : null;
  }

  /**
   * Fetches the step list and picks the step: the latest, or the same step as
   * before when the user chose one that is still kept.
   * @param {number} token @returns {Promise<boolean>} false: a newer load took over.
   */
  async loadSteps(token) {
    this.listing = true;
    let steps;
    try {
      steps = await this._api.steps(this.run, this.tag);
    } finally {
      if (this.current(token)) this.listing = false;
    }
    if (!this.current(token)) return false;
    const old = this.steps && this.steps[this.stepIndex];
    this.steps = steps;
    if (!steps.length) throw new Error("no readable steps");
    let index = steps.length - 1;
    const wanted = this._wantedStep;
    this._wantedStep = null;
    const keep = wanted ?? (!this.followLatest && old ? old.step : null);
    if (keep !== null) {
      const same = steps.findIndex((s) => s.step === keep);
      if (same >= 0) index = same;
    }
    this.stepIndex = index;
    if (wanted !== null) this.followLatest = index === steps.length - 1;
    return true;
  }

  /** Picks the kept step `step` now, or once the step list comes.
   * @param {number} step */
  preferStep(step) {
    if (!this.steps) {
      this._wantedStep = step;
      return;
    }
    const index = this.steps.findIndex((s) => s.step === step);
    if (index >= 0) this.chooseStep(index);
  }

  /** Picks a step by its index in the step list. @param {number} index */
  chooseStep(index) {
    this.stepIndex = index;
    this.followLatest = index === this.steps.length - 1;
  }

  /** Picks the kept step nearest `step` (steps.js nearestKeptIndex).
   * @param {number} step @returns {boolean} whether the chosen step changed. */
  chooseNearest(step) {
    const index = nearestKeptIndex(this.steps, step);
    const changed = index !== this.stepIndex;
    this.chooseStep(index);
    return changed;
  }

  /** Keeps the sample inside the chosen step's batch. */
  clampSample() {
    if (this.sample >= this.samples) this.sample = this.samples - 1;
  }

  /**
   * Fetches the chosen step and sample: its /sample answer and image.
   * @param {number} token @param {Promise<object|null>|null} early from earlySample().
   * @returns {Promise<boolean>} false: a newer load took over.
   */
  async loadSample(token, early) {
    const step = this.step;
    const first = early ? await early : null;
    const data =
      first && first.step === step.step && first.sample === this.sample
        ? first
        : await this._api.sample(this.run, this.tag, step.step, this.sample);
    if (!this.current(token)) return false;
    const [image, region] = await Promise.all([
      this._cache.image(data.image.url),
      this._cache.region(data.region).catch(() => null),
    ]);
    if (!this.current(token)) return false;
    this.shown = data;
    this.image = image;
    this.region = region;
    this.masks = new Map();
    return true;
  }

  /** Keeps the chosen mask among those of the shown sample. */
  fixMaskName() {
    if (!this.shown.masks.some((m) => m.name === this.maskName)) this.maskName = this.shown.masks[0]?.name ?? null;
  }

  /**
   * Masks needed for a view: the selected one (and the one it is compared with), or all of them.
   * @param {{normalize:string}} s the card's settings. @param {boolean} sideBySide
   * @returns {object[]} entries of the shown sample's `masks`.
   */
  neededMasks(s, sideBySide) {
    if (sideBySide || s.normalize === "masks") return this.shown.masks;
    const chosen = this.shown.masks.filter((m) => m.name === this.maskName).slice(0, 1);
    const other = this.compareMask !== this.maskName && this.shown.masks.find((m) => m.name === this.compareMask);
    return other ? [...chosen, other] : chosen;
  }

  /** Whether drawing with settings `s` needs masks that are not loaded yet.
   * @param {object} s @param {boolean} sideBySide */
  missing(s, sideBySide) {
    if (this.neededMasks(s, sideBySide).some((m) => !this.masks.has(m.name))) return true;
    return this._acrossSteps(s) && this._stepMasks?.key !== this._stepKey(s, sideBySide);
  }

  /**
   * Fetches the masks settings `s` need.
   * @param {number} token @param {object} s @param {boolean} sideBySide
   * @returns {Promise<boolean>} false: a newer load took over.
   */
  async loadMasks(token, s, sideBySide) {
    const needed = this.neededMasks(s, sideBySide).filter((m) => !this.masks.has(m.name));
    const loaded = await Promise.all(needed.map((m) => this._cache.mask(m)));
    if (!this.current(token)) return false;
    needed.forEach((m, i) => this.masks.set(m.name, loaded[i]));
    if (this._acrossSteps(s)) await this._loadStepMasks(token, s, sideBySide);
    return this.current(token);
  }

  // Whether the single view shows under Normalize "tag", so its masks are
  // wanted at every kept step (the grid has its rows instead).
  _acrossSteps(s) {
    return s.normalize === "tag" && this.singleView;
  }

  // Normalize "tag" in the single view: each mask it shows, of this image, at
  // every kept step (at most FILM_FRAMES of them, evenly spread, as the
  // filmstrip shows), so that its colours compare from step to step.
  async _loadStepMasks(token, s, sideBySide) {
    const key = this._stepKey(s, sideBySide);
    if (this._stepMasks?.key === key) return;
    const names = this.neededMasks(s, sideBySide).map((m) => m.name);
    const pooled = new Set(spreadSteps(this.steps, FILM_FRAMES).map((step) => step.step));
    const answers = (await this._api.samples(this.run, this.tag, this.sample)).filter((d) => pooled.has(d.step));
    const infos = answers.flatMap((d) => d.masks.filter((m) => names.includes(m.name)));
    const decoded = await Promise.all(infos.map((m) => this._cache.mask(m)));
    if (!this.current(token)) return;
    this._stepMasks = { key, masks: infos.map((m, i) => ({ name: m.name, url: m.url, mask: decoded[i] })) };
  }

  _stepKey(s, sideBySide) {
    const names = this.neededMasks(s, sideBySide).map((m) => m.name);
    return `${this.steps.map((step) => step.step).join(",")}|${this.sample}|${names.join(",")}`;
  }

  // What the single view holds in the card's TagPool of mask `name`: the
  // shown image's, and the same image's at the kept steps.
  _heldMasks(name) {
    const out = this._shownMasks().filter((m) => m.name === name);
    for (const m of this._stepMasks?.masks ?? []) if (m.name === name) out.push(m);
    return out;
  }

  // The loaded masks of the shown image, as pool entries.
  _shownMasks() {
    if (!this.shown) return [];
    return this.shown.masks
      .filter((m) => this.masks.has(m.name))
      .map((m) => ({ name: m.name, url: m.url, mask: this.masks.get(m.name) }));
  }

  /**
   * The clip of mask `name` of the shown image under settings `s`, shared as
   * Normalize says (pipeline/normalize.js), and the pool it is read from.
   * @param {string} name @param {{sign:string, clip:number, clipMode:string, normalize:string}} s
   * @returns {{clip:number, sorted:Float32Array, count:number, range:{min:number, max:number}}}
   */
  clipOf(name, s) {
    const imageMasks = this._shownMasks();
    const own = imageMasks.find((m) => m.name === name);
    return pooledClip(clipPool(s.normalize, own, { imageMasks, tagPool: this.tagPool }), s, this._strengths);
  }

  /**
   * The clip value (mask units) of mask `name` under settings `s` (clipOf).
   * @param {string} name @param {object} s @returns {number}
   */
  clipValue(name, s) {
    return this.clipOf(name, s).clip;
  }

  /** The threshold's strength cut of mask `name`. @param {string} name @param {object} s @returns {number} */
  cut(name, s) {
    return cutFromSorted(this.sortedOf(name, s.sign), s.threshold);
  }

  /** Sorted strengths of mask `name` alone. @param {string} name @param {string} sign @returns {Float32Array} */
  sortedOf(name, sign) {
    return this._strengths.of(this.masks.get(name).values, sign);
  }
}

export { CardData };
