// One card of the grid: a run/tag's image with its mask composited on a
// canvas. It loads its data (card_data.js) when it scrolls into view, keeps
// its controls in step with the DisplayState, and has its picture
// (view/picture.js) drawn with the cheapest work the change needs. A batch of
// several images or masks shows first as a grid (view/grid.js). Its elements
// are built by view/card_dom.js. Its step is chosen on its slider or typed in
// its box; under Lock steps it follows the step chosen on any card.

import { formatWallTime } from "../pipeline/format.js";
import { CardData } from "../card_data.js";
import { CompareSource } from "../compare_source.js";
import { nearestKeptIndex, parseStep } from "../steps.js";
import { buildCard } from "./card_dom.js";
import { el } from "./dom.js";
import { Filmstrip } from "./filmstrip.js";
import { CompareView } from "./compare.js";
import { CardModes } from "./grid.js";
import { CardPicture } from "./picture.js";
import { CardZoom } from "./zoom.js";

/** A card. Its root element carries `data-steps` (the kept steps,
 * comma-separated) once listed, and what view/picture.js sets when painted. */
class Card {
  /**
   * @param {object} app the dashboard's services: api, cache, strengths, palette,
   *   state (DisplayState), choices (for the controls), inView(card), and for
   *   Lock steps lock (steps.js StepLock), lockedStep(card) and stepChosen(card, step).
   * @param {string} run @param {string} tag
   * @param {{displayName:string, description:string, samples:number, masks:string[], error?:string}} info
   *   error: /tags could list the tag but not read it; the card says so and loads nothing.
   */
  constructor(app, run, tag, info) {
    this.app = app;
    this.run = run;
    this.tag = tag;
    /** @type {string} names the card in the DisplayState. */
    this.key = `${run}\u0000${tag}`;
    this.data = new CardData(app, run, tag, info);
    this.active = false;
    this.stale = false;
    /** @type {boolean} the user is typing in the step box (it is not overwritten). */
    this.typingStep = false;
    this._sampleDue = false; // moved to another step while out of view: load it when back
    /** Grid (the batch at a glance) or single view, and the switch between them. */
    this.modes = new CardModes(this);
    /** The chosen sample and mask at every kept step, when its box is ticked. */
    this.film = new Filmstrip(
      app,
      run,
      tag,
      () => this.settings(),
      this.data.tagPool,
      () => this.data.classNames,
      this.key,
    );
    /** "Compare with": mask A against mask B in the single view. */
    this.compare = new CompareView(this, info.masks);
    /** Mask B from another step or run (compare_source.js). */
    this.compareSource = new CompareSource(app, run, tag);
    /** Zoom and pan of the single view's pictures. */
    this.zoom = new CardZoom(this);
    Object.assign(this, buildCard(this, run, tag, info));
    this.picture = new CardPicture(app.palette, app.scoreCatalog, this.data, this, app.strengths);
    this._syncControls();
    this.modes.show();
  }

  /** The settings this card draws with. @returns {object} */
  settings() {
    return this.app.state.settingsFor(this.key);
  }

  _sideBySide() {
    return this.app.state.sideBySideFor(this.key);
  }

  _syncControls() {
    const s = this.settings();
    const own = this.app.state.overridesOf(this.key);
    this.showInput.checked = s.showMask;
    this.sbsInput.checked = this._sideBySide();
    for (const [key, control] of Object.entries(this.controls)) {
      control.set(s[key]);
      control.row.classList.toggle("overridden", key in own);
    }
    this.compare.sync();
    this.root.classList.toggle("has-overrides", Object.keys(own).length > 0);
  }

  /** One of this card's controls moved. @param {string} key @param {*} value */
  setOverride(key, value) {
    this.app.state.setOverride(this.key, key, value);
    this.update();
  }

  // ---------------------------------------------------------------- data

  /** Called when the card scrolls into view. */
  activate() {
    if (this.active && !this.stale) {
      if (this._sampleDue) this.loadSample();
      return;
    }
    this.active = true;
    this.stale = false;
    if (this._unreadable()) this._showUnreadable();
    else this._loadSteps();
  }

  /** The reason /tags gives for a tag the backend lists but cannot read, or null. */
  _unreadable() {
    const error = this.data.info.error;
    return typeof error === "string" && error ? error : null;
  }

  // Says why the tag cannot be read, as text, instead of loading it.
  _showUnreadable() {
    this.data.begin(); // a load under way is dropped
    this.notLoaded.hidden = true;
    this.error.hidden = false;
    this.error.textContent = `This tag cannot be read: ${this._unreadable()}`;
  }

  /** TensorBoard reloaded its data: fetch the step list again when shown.
   * @param {object} [info] the card's new entry of /tags. */
  refresh(info) {
    if (info) {
      this.data.info = info;
      this.modes.refresh();
      this._showSamples(info.samples);
      this.modes.show();
      const names = info.masks;
      if (names.join("\u0000") !== [...this.maskSelect.options].map((o) => o.value).join("\u0000")) {
        this.maskSelect.replaceChildren(...names.map((m) => el("option", { value: m, text: m })));
        if (!names.includes(this.data.maskName)) this.data.maskName = names[0] || null;
        this.maskSelect.value = this.data.maskName;
        this.compare.setMasks(names);
      }
    }
    this.compareSource.refresh();
    if (!this.active) return;
    if (this._unreadable()) {
      this._showUnreadable();
      return;
    }
    this.stale = true;
    if (this.app.inView(this)) this.activate();
  }

  async _loadSteps() {
    const d = this.data;
    const token = d.begin();
    try {
      // Under Lock steps the latest step may not be the one shown: no early guess.
      const early = this.app.lock.step === null ? d.earlySample() : null;
      if (!(await d.loadSteps(token))) return;
      const locked = this.app.lockedStep(this);
      if (locked !== null) d.chooseNearest(locked);
      this.root.dataset.steps = d.steps.map((s) => s.step).join(",");
      this.stepInput.max = d.steps.length - 1;
      this.stepInput.disabled = d.steps.length <= 1;
      this.stepBox.disabled = false;
      await this.loadSample(token, early);
    } catch (e) {
      if (d.current(token)) this._fail(e);
    }
  }

  /**
   * Loads and shows the chosen step and sample (after the step list, or when a slider moves).
   * @param {number} [token] the load this belongs to; a new one by default.
   * @param {Promise<object|null>|null} [early] CardData.earlySample().
   */
  async loadSample(token = this.data.begin(), early = null) {
    const d = this.data;
    this._sampleDue = false;
    this._showStep();
    d.clampSample();
    this._showSamples(d.samples);
    this.modes.showBatch();
    this.sampleInput.value = d.sample;
    this.sampleValue.textContent = `${d.sample + 1} of ${d.samples}`;
    this.sampleInput.setAttribute("aria-valuetext", `image ${d.sample + 1} of ${d.samples}`);
    try {
      if (await d.loadSample(token, early)) await this.showData(token);
    } catch (e) {
      if (d.current(token)) this._fail(e);
    }
  }

  // The slider and the box show the chosen step (the box not while the user types in it).
  _showStep() {
    const { step } = this.data.step;
    this.stepInput.value = this.data.stepIndex;
    this.stepInput.setAttribute("aria-valuetext", `step ${step}`);
    if (!this.typingStep) this.stepBox.value = String(step);
  }

  /**
   * The user moved this card to kept step `index` (slider, keys, box): it shows
   * it, and under Lock steps the other cards follow.
   * @param {number} index
   */
  pickStep(index) {
    const d = this.data;
    if (!d.steps || !(index >= 0 && index < d.steps.length)) return;
    if (index === d.stepIndex) {
      this._showStep();
      return;
    }
    d.chooseStep(index);
    this.loadSample();
    this.app.stepChosen(this, d.step.step);
  }

  /** The arrow keys in the step box: the next (1) or previous (-1) kept step. @param {number} delta */
  stepBy(delta) {
    const d = this.data;
    if (!d.steps) return;
    this.typingStep = false;
    this.pickStep(Math.min(d.steps.length - 1, Math.max(0, d.stepIndex + delta)));
  }

  /** Enter in the step box, or leaving it: the kept step nearest the typed one
   * (the first or last for one outside them); the box then shows the step shown. */
  goToTyped() {
    const typed = this.typingStep;
    this.typingStep = false;
    const d = this.data;
    if (!d.steps || !d.steps.length) return;
    const target = typed ? parseStep(this.stepBox.value) : null;
    if (target === null) this._showStep();
    else this.pickStep(nearestKeptIndex(d.steps, target));
  }

  /**
   * Lock steps: shows the kept step nearest `step`. A card out of view loads
   * it once back in view; one not listed yet (or listing) picks it when listed.
   * @param {number} step
   */
  followStep(step) {
    const d = this.data;
    if (!d.steps || !d.steps.length || d.listing) return;
    if (!d.chooseNearest(step)) return;
    if (this.app.inView(this)) this.loadSample();
    else {
      this._showStep();
      this._sampleDue = true;
    }
  }

  _showSamples(samples) {
    this.sampleInput.max = Math.max(0, samples - 1);
    this.sampleInput.disabled = samples <= 1;
  }

  /**
   * Loads the masks the settings need for the shown sample, then shows it.
   * @param {number} [token] the load this belongs to; the newest by default.
   */
  async showData(token = this.data.token) {
    const d = this.data;
    if (!d.shown) return;
    d.fixMaskName();
    d.compareMask = this._compareHere();
    this.maskSelect.value = d.maskName ?? "";
    try {
      if (!(await d.loadMasks(token, this.settings(), this._sideBySide()))) return;
    } catch (e) {
      if (d.current(token)) this._fail(e);
      return;
    }
    this.error.hidden = true;
    this.notLoaded.hidden = true;
    this.root.classList.remove("failed");
    const { step, wall_time: wallTime, image, label } = d.shown;
    const when = formatWallTime(wallTime);
    this.meta.textContent = `Step ${step}${when ? ` · ${when}` : ""} · ${image.width}×${image.height}`;
    this.label.textContent = label ?? "";
    this.label.hidden = label == null || label === "";
    this.scores.show(d.maskName, d.shown.scores?.[d.maskName]);
    this.picture.invalidate();
    this.update();
  }

  // Says why the chosen step cannot be shown (e.g. its images and masks were
  // deleted or damaged), as text, in place of the picture: the picture of the
  // step shown before is taken away, never left under the chosen step's name.
  _fail(error) {
    this.data.shown = null;
    for (const key of ["step", "sample", "mask"]) delete this.root.dataset[key];
    this.root.classList.add("failed");
    this.notLoaded.hidden = true;
    this.error.hidden = false;
    this.error.textContent = `Could not load this card: ${error && error.message ? error.message : error}`;
  }

  // ---------------------------------------------------------------- drawing

  /** Brings the card up to date with the settings: its controls, then its picture. */
  update() {
    this._syncControls();
    this.modes.update();
    const d = this.data;
    if (!d.shown || !d.image) return;
    const s = this.settings();
    const sbs = this._sideBySide();
    this.root.classList.toggle("actual-size", s.actualSize);
    this.root.classList.toggle("pixelated", s.scaling === "pixelated");
    d.compareMask = this._compareHere();
    if (d.missing(s, sbs)) {
      this.showData();
      return;
    }
    this._findB();
    this.picture.update(s, sbs);
    this.film.root.hidden = !this.filmInput.checked;
    if (this.filmInput.checked) this.film.show(d.steps, d.sample, d.maskName);
  }

  // The mask of the shown image the single view compares with, or null.
  _compareHere() {
    const c = this.compare.active();
    return c && !c.source ? c.mask : null;
  }

  // Mask B from another step or run: looked for, then the picture coloured with it.
  _findB() {
    const c = this.compare.active();
    const d = this.data;
    if (!c || !c.source || this.compareSource.current(d, c)) return;
    const key = this.compareSource.keyOf(d, c);
    this.compareSource.load(d, c).then(() => {
      const now = this.compare.active();
      if (!now || this.compareSource.keyOf(d, now) !== key) return;
      this.picture.invalidate();
      this.update();
    });
  }

  /** Paints the picture again as it is coloured (the swipe's divider, flicker's phase moved). */
  repaint() {
    const d = this.data;
    if (d.shown && d.image && !d.missing(this.settings(), this._sideBySide())) this.picture.paint(this.settings());
  }

  /** The outlines of the regions follow the settings; every picture stays as it is. */
  updateRegions() {
    const s = this.settings();
    this.modes.updateRegions();
    if (this.data.shown && this.data.image) this.picture.updateRegions(s);
    if (this.filmInput.checked) this.film.updateRegions();
  }
}

export { Card };
