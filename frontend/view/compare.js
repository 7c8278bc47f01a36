// The single view's "Compare with": mask A (the card's mask) against mask B
// in one picture, by swipe, flicker or difference, with the agreement of their
// top pixels printed beside the picture. B is another mask of the same image,
// or a mask of the same image at another kept step or in another run ("B
// from"; found by compare_source.js). The controls, the swipe's divider (a
// focusable slider over the picture: dragged, or moved with the arrow keys),
// flicker's timer and the Space key held on the picture (B alone) live here;
// the card keeps the choices in the DisplayState (state.js compareFor /
// setCompare) and its picture (view/picture.js) draws them. The arithmetic is
// pipeline/compare.js.

import { COMPARE_MODES, FLICKER_RATES, dividerKey, flickerShows } from "../pipeline/compare.js";
import { el, labelled, select } from "./dom.js";

const MODE_LABELS = {
  swipe: "Swipe (A left, B right)",
  flicker: "Flicker (A, B in turn)",
  difference: "Difference (A − B)",
};

/** What a card's comparison shows, its controls and its divider. */
class CompareView {
  /**
   * @param {import("./card.js").Card} card its app.state, key, data, picture and update() are used.
   * @param {string[]} masks the tag's mask names.
   */
  constructor(card, masks) {
    this._card = card;
    /** @type {boolean} B alone is shown: Space is held on the picture. */
    this.held = false;
    /** @type {boolean} flicker's phase: B shows. */
    this.flickerB = false;
    this._timer = null;
    this._rate = 0;

    this.maskSelect = el("select", { "aria-label": "Compare with" });
    this.setMasks(masks);
    this.maskSelect.addEventListener("change", () => this._set({ mask: this.maskSelect.value || null }));
    this.sourceSelect = el("select", { "aria-label": "B from" });
    this.sourceSelect.addEventListener("change", () => this._set({ source: this.sourceSelect.value }));
    this._sourceRow = labelled("B from", this.sourceSelect);
    this._sourceRow.title = "The same image at another kept step, or in another run at its kept step nearest this one";
    this.modeSelect = select(
      "Comparison",
      COMPARE_MODES.map((m) => [m, MODE_LABELS[m]]),
    );
    this.modeSelect.addEventListener("change", () => this._set({ mode: this.modeSelect.value }));
    this.rateSelect = select(
      "Flicker rate",
      FLICKER_RATES.map((r) => [String(r), `${r} Hz`]),
    );
    this.rateSelect.addEventListener("change", () => this._set({ rate: Number(this.rateSelect.value) }));
    this._modeRow = labelled("Mode", this.modeSelect);
    this._rateRow = labelled("Rate", this.rateSelect);
    this._rateRow.title = "A and B each show this many times a second; hold Space on the picture to see B alone";
    /** @type {HTMLOutputElement} the agreement of A's and B's top pixels, as text. */
    this.agreement = el("output", { class: "compare-agreement", "aria-label": "Agreement of A and B", hidden: true });
    /** @type {HTMLElement} the row of controls under the picture. */
    this.root = el("div", { class: "card-compare" });
    this.root.append(
      labelled("Compare with", this.maskSelect),
      this._sourceRow,
      this._modeRow,
      this._rateRow,
      this.agreement,
    );

    /** @type {HTMLElement} the swipe's divider, over the picture (put it in the picture's stack). */
    this.divider = el("div", {
      class: "swipe-divider",
      role: "slider",
      tabindex: 0,
      "aria-label": "Swipe divider: mask A left of it, mask B right",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-orientation": "horizontal",
      hidden: true,
    });
    this.divider.addEventListener("keydown", (e) => {
      const next = dividerKey(this._settings().divider, e.key);
      if (next === null) return;
      e.preventDefault();
      this._moveDivider(next);
    });
    this.divider.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      this.divider.setPointerCapture(e.pointerId);
      this.divider.focus();
      this.divider.classList.add("dragging");
    });
    this.divider.addEventListener("pointermove", (e) => {
      if (!this.divider.hasPointerCapture(e.pointerId)) return;
      this._moveDivider(card.picture.dividerAt(e.clientX));
    });
    const drop = () => this.divider.classList.remove("dragging");
    this.divider.addEventListener("pointerup", drop);
    this.divider.addEventListener("pointercancel", drop);
  }

  /**
   * Makes the picture's canvas answer Space held (B alone) while comparing.
   * @param {HTMLCanvasElement} canvas
   */
  bindPicture(canvas) {
    this._canvas = canvas;
    canvas.addEventListener("keydown", (e) => {
      if (e.key !== " " || !this.active()) return;
      e.preventDefault();
      if (!this.held) this._hold(true);
    });
    canvas.addEventListener("keyup", (e) => {
      if (e.key === " ") this._hold(false);
    });
    canvas.addEventListener("blur", () => this._hold(false));
  }

  /** The tag's masks changed. @param {string[]} masks */
  setMasks(masks) {
    this._masks = masks;
    this._fillMasks();
  }

  // "—" and every mask; A itself only from another step or run.
  _fillMasks() {
    const a = this._card.data.maskName;
    const here = !this._settings().source;
    const key = [a, here, ...this._masks].join("\u0000");
    if (key === this._optionsKey) return;
    this._optionsKey = key;
    this.maskSelect.replaceChildren(
      el("option", { value: "", text: "—" }),
      ...this._masks.map((m) => el("option", { value: m, text: m, disabled: here && m === a })),
    );
  }

  // "this image", the previous kept step, each kept step, each other run with the tag.
  _fillSources(stored) {
    const card = this._card;
    const steps = card.data.steps ? card.data.steps.map((s) => s.step) : [];
    const runs = card.app.runsWithTag(card.run, card.tag);
    const options = [
      ["", "this image"],
      ["previous", "the step before"],
      ...steps.map((s) => [`step:${s}`, `step ${s}`]),
      ...runs.map((r) => [`run:${r}`, `run ${r}`]),
    ];
    // A source remembered but not offered now (a run hidden, a step no longer kept) stays listed.
    if (!options.some(([v]) => v === stored.source)) options.push([stored.source, stored.source]);
    const key = options.map(([v]) => v).join("\u0000");
    if (key === this._sourcesKey) return;
    this._sourcesKey = key;
    this.sourceSelect.replaceChildren(...options.map(([value, text]) => el("option", { value, text })));
  }

  /** The card's remembered comparison. @returns {{mask:string|null, mode:string, divider:number, rate:number}} */
  _settings() {
    return this._card.app.state.compareFor(this._card.key);
  }

  /**
   * The comparison the single view draws now, or null: a mask B chosen that
   * the shown image has, other than A, while the single view shows.
   * @returns {{mask:string, mode:string, divider:number, rate:number}|null}
   */
  active() {
    const card = this._card;
    const d = card.data;
    const c = this._settings();
    if (!c.mask || card.modes.gridMode) return null;
    if (c.source) return c; // found (or not) by compare_source.js
    if (c.mask === d.maskName) return null;
    if (d.shown && !d.shown.masks.some((m) => m.name === c.mask)) return null;
    return c;
  }

  /** Which layer the picture paints: "A", "B" (flicker's phase, Space held) or "swipe". @returns {string} */
  showing() {
    const c = this.active();
    if (!c || c.mode === "difference") return "A";
    if (this.held) return "B";
    if (c.mode === "flicker") return this.flickerB ? "B" : "A";
    return "swipe";
  }

  /** The controls, the divider and flicker's timer follow the remembered comparison. */
  sync() {
    const stored = this._settings();
    this._fillMasks();
    this._fillSources(stored);
    const c = this.active();
    this.maskSelect.value = c ? c.mask : "";
    this.sourceSelect.value = stored.source;
    this.modeSelect.value = stored.mode;
    this.rateSelect.value = String(stored.rate);
    this.modeSelect.disabled = !c;
    this._rateRow.hidden = !c || c.mode !== "flicker";
    this.agreement.hidden = !c;
    this.divider.hidden = !c || c.mode !== "swipe";
    this.divider.setAttribute("aria-valuenow", String(stored.divider));
    this.divider.setAttribute("aria-valuetext", `${stored.divider} %`);
    this._flicker(c && c.mode === "flicker" ? c.rate : 0);
  }

  // Starts, restarts (another rate) or stops flicker's timer.
  _flicker(rate) {
    if (rate === this._rate) return;
    this._rate = rate;
    clearInterval(this._timer);
    this._timer = null;
    this.flickerB = false;
    if (!rate) return;
    const start = performance.now();
    this._timer = setInterval(
      () => {
        if (!this._card.root.isConnected) return;
        const b = flickerShows(performance.now() - start, rate);
        if (b === this.flickerB) return;
        this.flickerB = b;
        if (!this.held) this._card.repaint();
      },
      1000 / rate / 4,
    );
  }

  _hold(on) {
    if (this.held === on) return;
    this.held = on;
    this._card.repaint();
  }

  _moveDivider(divider) {
    if (divider === this._settings().divider) return;
    this._card.app.state.setCompare(this._card.key, { divider });
    this.sync();
    this._card.repaint();
  }

  _set(changes) {
    // B from elsewhere with no mask chosen yet: A's own mask there.
    if (changes.source && !this._settings().mask && this._card.data.maskName)
      changes = { ...changes, mask: this._card.data.maskName };
    this._card.app.state.setCompare(this._card.key, changes);
    this._card.update();
  }
}

export { CompareView };
