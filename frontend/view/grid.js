// A card's grid: the whole batch of one step at a glance. One row per image
// of the batch (with its label); one group of columns per source (the card's
// run at its step, and, to compare, the same run at a second step or the
// other runs with this tag), each group the image column and one column per
// mask, so image i of every source sits on the same row. Each mask is clipped
// as Normalize says (alone, with its image's other masks, or with its whole
// column) and each mask column has one colour bar. Rows fetch their blobs when they scroll into view inside the
// card; clicking a cell opens that sample and mask in a single view.

import { gridSources, isBatch, pooledRange } from "../pipeline/batch.js";
import { clipFromSorted, cutFromSorted } from "../pipeline/clip.js";
import { batchLines, compactScores } from "../pipeline/scores.js";
import { drawColorbar } from "./colorbar.js";
import { el, labelled, select } from "./dom.js";
import { OverlayCanvas } from "./overlay.js";
import { setChunks } from "./scores.js";

/** The grid of a card. Its root carries `data-step` once listed, `data-sources`
 * (groups of columns) and `data-loaded` (rows painted); a painted row `data-loaded="1"`. */
class GridView {
  /**
   * @param {{api:object, cache:object, strengths:object, palette:object}} app the dashboard's services.
   * @param {string} run @param {string} tag
   * @param {{settings:() => object, open:(source:object, sample:number, mask:string|null) => void}} host the card.
   */
  constructor(app, run, tag, host) {
    this._app = app;
    this._tag = tag;
    this._host = host;
    this.root = el("div", { class: "grid-view", role: "group", "aria-label": `Batch of ${run} / ${tag}` });
    this.tools = el("div", { class: "grid-tools" });
    this._head = el("div", { class: "grid-head" });
    this._body = el("div", { class: "grid-body" });
    this.root.append(this._head, this._body);
    this._observer = new IntersectionObserver((entries) => this._onIntersect(entries), { root: this.root });
    this._rows = [];
    this._bars = []; // {name, element, key}
    this._sources = [];
    this._masks = [];
    this._key = null;
    this._token = 0;
  }

  /**
   * Shows `sources` side by side, rows for the largest batch among them, columns for `masks`.
   * @param {{run:string, step:number, samples:number, title:string}[]} sources see gridSources.
   * @param {string[]} masks
   */
  show(sources, masks) {
    const key = JSON.stringify([sources, masks]);
    if (key === this._key) return;
    this._key = key;
    this._token++;
    this._sources = sources;
    this._masks = masks;
    this.root.dataset.step = String(sources[0].step);
    this.root.dataset.sources = String(sources.length);
    this.root.dataset.loaded = "0";
    this.root.classList.toggle("grid-compare", sources.length > 1);
    this.root.style.setProperty("--grid-columns", String(sources.length * (masks.length + 1)));
    this._observer.disconnect();
    this._bars = [];
    const heads = [];
    if (sources.length > 1) {
      const titles = el("div", { class: "grid-row grid-groups" });
      for (const source of sources) {
        const t = el("div", { class: "grid-cell grid-title grid-group-title", text: source.title });
        t.style.gridColumn = `span ${masks.length + 1}`;
        titles.append(t);
      }
      heads.push(titles);
    }
    const names = el("div", { class: "grid-row" });
    this._batchScores = sources.map(() => new Map());
    for (let i = 0; i < sources.length; i++) {
      names.append(el("div", { class: `grid-cell grid-title${i ? " group-start" : ""}`, text: "image" }));
      for (const name of masks) {
        const cell = el("div", { class: "grid-cell grid-title" });
        const bar = el("div", { class: "grid-colorbar", "aria-label": `Colour bar of ${name}` });
        const batch = el("div", { class: "grid-batch-scores", hidden: true });
        cell.append(el("span", { class: "grid-mask-name", text: name }), bar, batch);
        this._bars.push({ name, element: bar, key: null });
        this._batchScores[i].set(name, batch);
        names.append(cell);
      }
    }
    heads.push(names);
    this._head.replaceChildren(...heads);
    const rows = Math.max(...sources.map((s) => s.samples));
    this._rows = Array.from({ length: rows }, (_, i) => this._row(i));
    this._body.replaceChildren(...this._rows.map((r) => r.root));
    this.root.scrollTop = 0;
    for (const r of this._rows) this._observer.observe(r.root);
  }

  _row(sample) {
    const root = el("div", { class: "grid-row", "data-sample": sample });
    const label = el("div", { class: "grid-label", text: `image ${sample + 1}` });
    root.append(label);
    const groups = this._sources.map((source, i) => {
      const present = sample < source.samples;
      const cells = [this._cell(source, sample, null, present)];
      if (i) cells[0].root.classList.add("group-start");
      for (const name of this._masks) cells.push(this._cell(source, sample, name, present));
      for (const c of cells) root.append(c.root);
      return { source, present, cells, image: null, label: null, masks: new Map(), urls: new Map() };
    });
    return { root, label, sample, groups, loaded: false, loading: false };
  }

  _cell(source, sample, mask, present) {
    const where = this._sources.length > 1 ? ` of ${source.title}` : "";
    const what = `image ${sample + 1}${mask ? ` with mask ${mask}` : ""}${where}`;
    const text = present ? mask || "image" : "not in this batch";
    const caption = el("span", { class: "grid-caption", text, title: text });
    if (!present) {
      const root = el("div", { class: "grid-cell grid-absent" });
      root.append(caption);
      return { root, view: null, mask, caption };
    }
    const view = new OverlayCanvas(what.charAt(0).toUpperCase() + what.slice(1));
    view.canvas.className = "grid-canvas"; // not the single view's canvas.composite
    const root = el("button", { type: "button", class: "grid-cell", "aria-label": `Open ${what}` });
    const score = el("span", { class: "grid-score", hidden: true });
    root.append(view.canvas, caption, score);
    root.addEventListener("click", () => this._host.open(source, sample, mask));
    return { root, view, mask, caption, score, colourKey: null };
  }

  _onIntersect(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const row = this._rows.find((r) => r.root === entry.target);
      if (row) this._load(row);
    }
  }

  async _load(row) {
    if (row.loading || row.loaded) return;
    row.loading = true;
    const token = this._token;
    try {
      const { api, cache } = this._app;
      await Promise.all(
        row.groups
          .filter((g) => g.present)
          .map(async (g) => {
            const data = await api.sample(g.source.run, this._tag, g.source.step, row.sample);
            const infos = data.masks.filter((m) => this._masks.includes(m.name));
            const [image, ...masks] = await Promise.all([
              cache.image(data.image.url),
              ...infos.map((m) => cache.mask(m)),
            ]);
            if (token !== this._token) return;
            infos.forEach((m, i) => {
              g.masks.set(m.name, masks[i]);
              g.urls.set(m.name, m.url);
            });
            g.image = image;
            g.label = data.label ?? null;
            this._showScores(g, data);
          }),
      );
      if (token !== this._token) return;
      row.loaded = true;
      row.root.dataset.loaded = "1";
      this._showLabels(row);
      this.update();
    } catch (e) {
      if (token !== this._token) return;
      // The row says why, in place of its cells (as a failed card does).
      row.root.classList.add("failed");
      row.label.textContent = `image ${row.sample + 1}: ${e && e.message ? e.message : e}`;
    } finally {
      row.loading = false;
    }
  }

  // Each mask cell's scores for its image, and once per source the batch means
  // under the mask's column title ("batch mean", then a line per score). Both
  // wrap only between their pieces ("del 0.42 · ins 0.8", "del 0.42 · random 0.5").
  _showScores(group, data) {
    for (const cell of group.cells) {
      if (!cell.mask || !cell.score) continue;
      const { chunks, title } = compactScores(data.scores?.[cell.mask]);
      setChunks(cell.score, chunks);
      cell.score.title = title;
      cell.score.hidden = chunks.length === 0;
    }
    const heads = this._batchScores[this._sources.indexOf(group.source)];
    for (const [name, element] of heads ?? []) {
      if (!element.hidden) continue;
      const lines = batchLines(data.batch_scores?.[name]);
      element.replaceChildren(
        el("div", { class: "grid-batch-label", text: "batch mean" }),
        ...lines.map((line) => {
          const row = el("div", { class: "grid-batch-line", title: line.title });
          setChunks(row, line.chunks);
          return row;
        }),
      );
      element.hidden = lines.length === 0;
    }
  }

  // One source: its label names the row. Several: each image's caption
  // carries its own label (runs may predict differently).
  _showLabels(row) {
    const first = row.groups.find((g) => g.image);
    if (this._sources.length === 1) {
      row.label.textContent = first?.label ?? `image ${row.sample + 1}`;
      return;
    }
    for (const g of row.groups) {
      if (!g.image || !g.label) continue;
      g.cells[0].caption.textContent = g.label;
      g.cells[0].caption.title = g.label;
    }
  }

  /** Colours and paints every loaded row with the card's settings: the pixel
   * loop only for cells whose colouring changed, a repaint for the rest.
   * Normalize picks which cells share a clip value: "image", each cell alone;
   * "masks", the masks of one image; "tag", a mask column over every loaded
   * image of every source (its colour bar then reads in mask values). */
  update() {
    const s = this._host.settings();
    const { palette, strengths } = this._app;
    const table = palette.table(s);
    const tableKey = `${s.colormap}|${s.sign}|${s.tint}|${s.alpha}`;
    const loaded = this._rows.filter((r) => r.loaded);
    const groups = loaded.flatMap((r) => r.groups.filter((g) => g.image));
    const opacity = s.showMask ? s.opacity : 0;
    const smooth = s.scaling === "smooth";
    // The clip value shared by `cells` ([mask, url] pairs), and their sorted strengths.
    const shared = (cells) => {
      if (!cells.length) return { clip: 0, sorted: null };
      const sorted =
        cells.length === 1
          ? strengths.of(cells[0][0].values, s.sign)
          : strengths.pooled(
              `grid|${cells.map(([, url]) => url).join(" ")}`,
              () => cells.map(([m]) => m.values),
              s.sign,
            );
      return { clip: clipFromSorted(sorted, s), sorted };
    };
    const cellsOf = (g, names) => names.filter((n) => g.masks.has(n)).map((n) => [g.masks.get(n), g.urls.get(n)]);
    const columns = new Map();
    if (s.normalize === "tag") {
      for (const name of this._masks) columns.set(name, shared(groups.flatMap((g) => cellsOf(g, [name]))));
    }
    this._drawBars(s, table, tableKey, groups, columns, new Set(loaded.map((r) => r.sample)).size);
    for (const g of groups) {
      const row = s.normalize === "masks" ? shared(cellsOf(g, this._masks)) : null;
      for (const name of this._masks) {
        const cell = g.cells.find((c) => c.mask === name);
        const mask = g.masks.get(name);
        cell.view.resize(g.image.width, g.image.height);
        let colourKey = "none";
        if (mask) {
          const { clip } = columns.get(name) ?? row ?? shared([[mask, g.urls.get(name)]]);
          const cut = cutFromSorted(strengths.of(mask.values, s.sign), s.threshold);
          colourKey = `${g.urls.get(name)}|${tableKey}|${clip}|${cut}|${smooth}`;
          if (cell.colourKey !== colourKey) cell.view.colour(mask, { table, clip, sign: s.sign, cut, smooth });
        } else if (cell.colourKey !== colourKey) {
          cell.view.colour(null);
        }
        cell.colourKey = colourKey;
        cell.view.paint(g.image.bitmap, mask ? opacity : 0);
      }
      const cell = g.cells[0];
      if (cell.colourKey === "image") continue; // drawn once: the image alone
      cell.colourKey = "image";
      cell.view.resize(g.image.width, g.image.height);
      cell.view.colour(null);
      cell.view.paint(g.image.bitmap, 0);
    }
    this.root.dataset.loaded = String(loaded.length);
  }

  // One colour bar per mask column: in mask values when the column shares one
  // clip ("tag"), else in units of each image's own clip.
  _drawBars(s, table, tableKey, groups, columns, count) {
    const each = s.normalize === "masks" ? "each image's masks together" : "each image";
    for (const bar of this._bars) {
      const column = columns.get(bar.name);
      const masks = groups.map((g) => g.masks.get(bar.name)).filter(Boolean);
      const range = pooledRange(masks);
      const top = column?.sorted?.at(-1) || 0;
      const key = column
        ? `${tableKey}|${s.clip}|${s.clipMode}|${column.clip}|${range?.min}|${range?.max}|${count}`
        : `${tableKey}|${s.clip}|${s.clipMode}|${each}|${range ? 1 : 0}`;
      if (bar.key === key) continue;
      bar.key = key;
      if (!column) {
        drawColorbar(bar.element, { table, settings: s, mask: range, eachClipped: each });
        continue;
      }
      drawColorbar(bar.element, { table, settings: s, clipValue: column.clip, mask: range, top });
      bar.element.title += `. One clip for the column, over the ${count} of ${this._rows.length} images loaded`;
    }
  }
}

/** Which view a card shows — its batch as a grid (the default for several
 * images or masks) or one sample and mask — the switches between them, and
 * what the grid compares (a second step, the other runs with the tag). */
class CardModes {
  /** @param {import("./card.js").Card} card its `viewToggle` and `root` are used once built. */
  constructor(card) {
    this._card = card;
    /** @type {GridView} */
    this.grid = new GridView(card.app, card.run, card.tag, {
      settings: () => card.settings(),
      open: (source, sample, mask) => this.openCell(source, sample, mask),
    });
    /** @type {boolean} the grid shows. */
    this.gridMode = isBatch(card.data.info);
    /** @type {number|null} the step shown beside the card's own, or none. */
    this.compareStep = null;
    /** @type {boolean} the other runs with this tag are shown beside it. */
    this.compareRuns = false;
    this._runSteps = new Map(); // run -> its kept steps of this tag
    this._buildTools();
  }

  _buildTools() {
    this._stepSelect = select("Compare with step", [["", "—"]], "");
    this._stepSelect.addEventListener("change", () => {
      this.compareStep = this._stepSelect.value === "" ? null : Number(this._stepSelect.value);
      this.showBatch();
    });
    this._runsInput = el("input", { type: "checkbox", "aria-label": "Compare runs" });
    this._runsInput.addEventListener("change", () => {
      this.compareRuns = this._runsInput.checked;
      this.showBatch();
    });
    this._runsRow = labelled("Compare runs", this._runsInput);
    this.grid.tools.append(labelled("Beside step", this._stepSelect), this._runsRow);
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

  /**
   * A grid cell was clicked: that sample and mask in a single view; the
   * card's own for its run (at the cell's step), the other run's card for another run.
   * @param {{run:string, step:number}} source @param {number} sample @param {string|null} mask null: the image column.
   */
  openCell(source, sample, mask) {
    const card = this._card;
    if (source.run !== card.run) {
      card.app.openCard(source.run, card.tag, source.step, sample, mask);
      return;
    }
    this.open(sample, mask, source.step);
  }

  /** Opens sample and mask in the card's single view, at `step` if kept; a
   * step other than the card's counts as the user's choice (Lock steps).
   * @param {number} sample @param {string|null} mask @param {number} [step] */
  open(sample, mask, step) {
    const card = this._card;
    const d = card.data;
    const before = d.steps ? d.stepIndex : null;
    d.sample = sample;
    if (mask) d.maskName = mask;
    if (step !== undefined) d.preferStep(step);
    this.gridMode = false;
    this.show();
    if (d.steps) card.loadSample();
    if (step === undefined) return;
    if (!d.steps) card.app.stepChosen(card, step);
    else if (d.stepIndex !== before) card.app.stepChosen(card, d.step.step);
  }

  /** TensorBoard reloaded: the other runs' steps are listed again when needed. */
  refresh() {
    this._runSteps.clear();
  }

  /** The grid follows the card's chosen step and what it compares. */
  async showBatch() {
    const card = this._card;
    const d = card.data;
    if (!this.gridMode || !d.steps) return;
    this._syncTools();
    const others = this.compareRuns ? card.app.runsWithTag(card.run, card.tag) : [];
    const runs = [];
    for (const run of others) {
      if (!this._runSteps.has(run)) {
        const steps = await card.app.api.steps(run, card.tag).catch(() => []);
        this._runSteps.set(run, steps);
        if (!this.gridMode || card.data !== d) return;
      }
      runs.push({ run, steps: this._runSteps.get(run) });
    }
    const main = { run: card.run, step: d.step, samples: d.samples };
    const sources = gridSources(main, { steps: d.steps, compareStep: this.compareStep, runs });
    this.grid.show(sources, d.info.masks);
    this.grid.update();
  }

  // The step choices follow the kept steps; "Compare runs" shows only when
  // another shown run has this tag.
  _syncTools() {
    const card = this._card;
    const steps = card.data.steps.map((s) => String(s.step));
    const listed = [...this._stepSelect.options].slice(1).map((o) => o.value);
    if (steps.join(",") !== listed.join(",")) {
      this._stepSelect.replaceChildren(
        el("option", { value: "", text: "—" }),
        ...steps.map((s) => el("option", { value: s, text: `step ${s}` })),
      );
    }
    if (this.compareStep !== null && !steps.includes(String(this.compareStep))) this.compareStep = null;
    this._stepSelect.value = this.compareStep === null ? "" : String(this.compareStep);
    const others = card.app.runsWithTag(card.run, card.tag);
    this._runsRow.hidden = others.length === 0;
    if (!others.length) this.compareRuns = false;
    this._runsInput.checked = this.compareRuns;
    this._runsRow.title = others.length ? `Beside: ${others.join(", ")}` : "";
  }

  /** The grid follows the settings. */
  update() {
    if (this.gridMode) this.grid.update();
  }
}

export { GridView, CardModes };
