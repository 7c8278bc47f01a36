// A card's grid: the whole batch of one step at a glance. One row per image
// of the batch (with its label), one column for the image and one per mask,
// each mask column coloured with one clip value pooled over its loaded cells
// and shown by one colour bar. Rows fetch their blobs when they scroll into
// view inside the card; clicking a cell opens that sample and mask in the
// card's single view.

import { isBatch, pooledRange } from "../pipeline/batch.js";
import { clipFromSorted, cutFromSorted } from "../pipeline/clip.js";
import { drawColorbar } from "./colorbar.js";
import { el } from "./dom.js";
import { OverlayCanvas } from "./overlay.js";

/** The grid of a card. Its root carries `data-step` once listed and
 * `data-loaded` (rows painted). */
class GridView {
  /**
   * @param {{api:object, cache:object, strengths:object, palette:object}} app the dashboard's services.
   * @param {string} run @param {string} tag
   * @param {{settings:() => object, open:(sample:number, mask:string|null) => void}} host the card.
   */
  constructor(app, run, tag, host) {
    this._app = app;
    this._run = run;
    this._tag = tag;
    this._host = host;
    this.root = el("div", { class: "grid-view", role: "group", "aria-label": `Batch of ${run} / ${tag}` });
    this._head = el("div", { class: "grid-row grid-head" });
    this._body = el("div", { class: "grid-body" });
    this.root.append(this._head, this._body);
    this._observer = new IntersectionObserver((entries) => this._onIntersect(entries), { root: this.root });
    this._rows = [];
    this._bars = new Map(); // mask name -> colour bar element
    this._masks = [];
    this._step = null;
    this._token = 0;
  }

  /**
   * Shows the batch of `step`: rows for `samples` images, columns for `masks`.
   * @param {number} step @param {number} samples @param {string[]} masks
   */
  show(step, samples, masks) {
    const same = step === this._step && samples === this._rows.length && masks.join("\0") === this._masks.join("\0");
    if (same) return;
    this._token++;
    this._step = step;
    this._masks = masks;
    this.root.dataset.step = String(step);
    this.root.dataset.loaded = "0";
    this.root.style.setProperty("--grid-columns", String(masks.length + 1));
    this._observer.disconnect();
    this._bars.clear();
    const head = [el("div", { class: "grid-cell grid-title", text: "image" })];
    for (const name of masks) {
      const cell = el("div", { class: "grid-cell grid-title" });
      const bar = el("div", { class: "grid-colorbar", "aria-label": `Colour bar of ${name}` });
      cell.append(el("span", { class: "grid-mask-name", text: name }), bar);
      this._bars.set(name, bar);
      head.push(cell);
    }
    this._head.replaceChildren(...head);
    this._rows = Array.from({ length: samples }, (_, i) => this._row(i));
    this._body.replaceChildren(...this._rows.map((r) => r.root));
    for (const r of this._rows) this._observer.observe(r.root);
  }

  _row(sample) {
    const root = el("div", { class: "grid-row", "data-sample": sample });
    const label = el("div", { class: "grid-label", text: `image ${sample + 1}` });
    const cells = [this._cell(sample, null, "image")];
    for (const name of this._masks) cells.push(this._cell(sample, name, name));
    root.append(label, ...cells.map((c) => c.root));
    return { root, label, cells, sample, data: null, image: null, masks: new Map(), urls: new Map(), loading: false };
  }

  _cell(sample, mask, caption) {
    const view = new OverlayCanvas(`Image ${sample + 1}${mask ? `, mask ${mask}` : ""}`);
    view.canvas.className = "grid-canvas"; // not the single view's canvas.composite
    const root = el("button", {
      type: "button",
      class: "grid-cell",
      "aria-label": `Open image ${sample + 1}${mask ? ` with mask ${mask}` : ""}`,
    });
    root.append(view.canvas, el("span", { class: "grid-caption", text: caption }));
    root.addEventListener("click", () => this._host.open(sample, mask));
    return { root, view, mask };
  }

  _onIntersect(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const row = this._rows.find((r) => r.root === entry.target);
      if (row) this._load(row);
    }
  }

  async _load(row) {
    if (row.loading || row.data) return;
    row.loading = true;
    const token = this._token;
    try {
      const { api, cache } = this._app;
      const data = await api.sample(this._run, this._tag, this._step, row.sample);
      const image = await cache.image(data.image.url);
      const infos = data.masks.filter((m) => this._masks.includes(m.name));
      const loaded = await Promise.all(infos.map((m) => cache.mask(m)));
      if (token !== this._token) return;
      infos.forEach((m, i) => {
        row.masks.set(m.name, loaded[i]);
        row.urls.set(m.name, m.url);
      });
      row.data = data;
      row.image = image;
      row.label.textContent = data.label ?? `image ${row.sample + 1}`;
      this.update();
    } catch (e) {
      if (token === this._token) row.label.textContent = `image ${row.sample + 1}: ${e && e.message ? e.message : e}`;
    } finally {
      row.loading = false;
    }
  }

  /** Colours and paints every loaded row with the card's settings. */
  update() {
    const s = this._host.settings();
    const { palette, strengths } = this._app;
    const table = palette.table(s);
    const loaded = this._rows.filter((r) => r.data);
    for (const name of this._masks) {
      const masks = loaded.map((r) => r.masks.get(name)).filter(Boolean);
      const key = `grid|${loaded.map((r) => r.urls.get(name) ?? "").join(" ")}`;
      const sorted = masks.length ? strengths.pooled(key, () => masks.map((m) => m.values), s.sign) : null;
      const clip = sorted ? clipFromSorted(sorted, s) : 0;
      const range = pooledRange(masks);
      drawColorbar(this._bars.get(name), {
        table,
        settings: s,
        clipValue: clip,
        mask: range,
        top: sorted?.at(-1) || 0,
      });
      for (const row of loaded) {
        const cell = row.cells.find((c) => c.mask === name);
        const mask = row.masks.get(name);
        cell.view.resize(row.image.width, row.image.height);
        const cut = mask ? cutFromSorted(strengths.of(mask.values, s.sign), s.threshold) : 0;
        const smooth = s.scaling === "smooth";
        cell.view.colour(mask || null, mask && { table, clip, sign: s.sign, cut, smooth });
        cell.view.paint(row.image.bitmap, s.showMask && mask ? s.opacity : 0);
      }
    }
    for (const row of loaded) {
      const cell = row.cells[0];
      cell.view.resize(row.image.width, row.image.height);
      cell.view.colour(null);
      cell.view.paint(row.image.bitmap, 0);
    }
    this.root.dataset.loaded = String(loaded.length);
  }
}

/** Which view a card shows — its batch as a grid (the default for several
 * images or masks) or one sample and mask — and the switches between them. */
class CardModes {
  /** @param {import("./card.js").Card} card its `viewToggle` and `root` are used once built. */
  constructor(card) {
    this._card = card;
    /** @type {GridView} */
    this.grid = new GridView(card.app, card.run, card.tag, {
      settings: () => card.settings(),
      open: (sample, mask) => this.open(sample, mask),
    });
    /** @type {boolean} the grid shows. */
    this.gridMode = isBatch(card.data.info);
  }

  /** Shows the mode: the card's class and the toggle's text. */
  show() {
    const card = this._card;
    if (card.data.info.error) this.gridMode = false;
    card.root.classList.toggle("grid-mode", this.gridMode);
    card.viewToggle.hidden = !isBatch(card.data.info) && !this.gridMode;
    card.viewToggle.textContent = this.gridMode ? "Single view" : "Back to grid";
  }

  /** The toggle: grid to single view (the sample and mask chosen last), or back. */
  toggle() {
    this.gridMode = !this.gridMode;
    this.show();
    this.showBatch();
    this._card.update();
  }

  /** A grid cell was clicked: that sample and mask in the single view.
   * @param {number} sample @param {string|null} mask null: the image column. */
  open(sample, mask) {
    const card = this._card;
    card.data.sample = sample;
    if (mask) card.data.maskName = mask;
    this.gridMode = false;
    this.show();
    if (card.data.steps) card.loadSample();
  }

  /** The grid follows the card's chosen step. */
  showBatch() {
    const d = this._card.data;
    if (this.gridMode && d.steps) this.grid.show(d.step.step, d.samples, d.info.masks);
  }

  /** The grid follows the settings. */
  update() {
    if (this.gridMode) this.grid.update();
  }
}

export { GridView, CardModes };
