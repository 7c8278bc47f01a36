// A card's grid: the whole batch of one step at a glance. One row per image
// of the batch (with its label); one group of columns per source (the card's
// run at its step, and, to compare, the same run at a second step or the
// other runs with this tag), each group the image column and one column per
// mask, so image i of every source sits on the same row. The rows' data, load
// state, order and hidden set are a model apart (grid_rows.js); this view
// draws the rows it shows, in its order, each in an element built once and
// handed to another row when its own row is hidden, so rows reorder, hide and
// show again without a fetch. Each mask is clipped as Normalize says
// (pipeline/normalize.js) and each mask column has one colour bar. Rows fetch
// their blobs when they scroll into view inside the card; clicking a cell
// opens that sample and mask in a single view. The rows shown can come in
// groups, each under a header with its count. A long grid (more than
// WINDOW_FROM rows shown) is windowed: rows of one fixed height, and only the
// rows in or near view have an element (grid_window.js); the card's table
// (grid_table.js) picks, orders and groups the rows. A "Difference" column
// (two masks A and B chosen in the grid's tools) follows the card's own group
// of columns: per row A − B at the image's size under one clip pooled over the
// loaded rows' A and B masks, through the diverging colormap, with its colour
// bar in mask units around 0 (pipeline/grid_difference.js, compare.js); a
// click on it opens the single view comparing A with B by difference. The
// grid zooms and pans as one (view/grid_zoom.js): every cell shows the same
// part of its image, drawn only for the part in view.

import { GridRows, rowLabel, sampleOf } from "../grid_rows.js";
import { gridLayout, WINDOW_FROM } from "../grid_window.js";
import { gridSources, isBatch, pooledRange } from "../pipeline/batch.js";
import { cutFromSorted } from "../pipeline/clip.js";
import { clipName } from "../pipeline/colorbar.js";
import { defaultColormap } from "../pipeline/colormap.js";
import { differenceValues } from "../pipeline/compare.js";
import { formatValue } from "../pipeline/format.js";
import {
  activeDifference,
  differenceName,
  differencePool,
  differenceReach,
  pooledPercentile,
} from "../pipeline/grid_difference.js";
import { clipPool, eachClipped, poolNote, pooledClip } from "../pipeline/normalize.js";
import { drawColorbar } from "./colorbar.js";
import { el, labelled, select } from "./dom.js";
import { GridTable } from "./grid_table.js";
import { GridZoom, cellBox } from "./grid_zoom.js";
import { OverlayCanvas } from "./overlay.js";
import { setChunks } from "./scores.js";
import { CELL_KNOWN } from "../pipeline/scores.js";

/**
 * A cell of a row element: the image column (`mask` null), a mask's, or the
 * difference column (`difference` true, in the card's own group only). An
 * absent cell (past its source's batch) has no view. `alpha`: the overlay's
 * opacity it was last painted with; `diff`: its A − B (compare.js differenceValues) and their key.
 * @typedef {{root:HTMLElement, view:OverlayCanvas|null, mask:string|null, caption:HTMLElement,
 *   score:HTMLElement|null, colourKey:string|null, difference?:boolean, alpha?:number,
 *   diff?:{key:string, values:Float32Array, width:number, height:number, min:number, max:number}|null}} GridCell
 */

/**
 * The element of a row, bound to one row of the model at a time (`id`),
 * with one group of cells per source.
 * @typedef {{root:HTMLElement, label:HTMLElement, id:number|null,
 *   groups:{present:boolean|null, cells:GridCell[]}[]}} RowElement
 */

/** Height of a group header in a windowed grid, in CSS pixels. */
const HEADER_HEIGHT = 28;

/** Height of a windowed row beyond its images (label, caption, scores, gaps), in CSS pixels. */
const ROW_EXTRA = 60;

/** The tallest a windowed grid's body gets, in CSS pixels: under the height
 * browsers lay out (Firefox stops near 17.9 million), so that the last of
 * 100,000 rows can be scrolled to; the rows' images shrink to fit. */
const MAX_BODY_HEIGHT = 15e6;

/** How long a grid in the step's order waits for its first rows before it
 * reads the step's table anyway, in milliseconds. */
const FIRST_ROWS_MS = 1500;

/** The grid of a card. Its root carries `data-step` once listed, `data-sources`
 * (groups of columns), `data-loaded` (rows painted), `data-shown` (rows its
 * table shows) and class `grid-windowed` when windowed; a painted row `data-loaded="1"`. */
class GridView {
  /**
   * @param {{api:object, cache:object, strengths:object, palette:object, scoreCatalog:object}} app
   *   the dashboard's services.
   * @param {string} run @param {string} tag
   * @param {{settings:() => object, open:(source:object, sample:number, mask:string|null) => void,
   *   tagPool:import("../pipeline/normalize.js").TagPool, classNames?:() => string[]|null,
   *   difference?:() => {a:string|null, b:string|null},
   *   openDifference?:(source:object, sample:number, diff:{a:string, b:string}) => void,
   *   zoom?:{get:() => object, set:(zoom:object) => void}}} host the card;
   *   the grid holds its loaded rows in the card's tagPool (Normalize "tag"); classNames names
   *   the classes of box labels; difference: the masks of the difference column chosen;
   *   openDifference: a difference cell clicked; zoom: the card's remembered grid zoom.
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
    /** @type {GridRows} the rows' data, load state, order and hidden set; render() draws them. */
    this.rows = new GridRows((source, sample, masks) => this._fetchCell(source, sample, masks));
    host.tagPool.hold("grid", (name) => this.rows.masksNamed(name));
    /** @type {Map<number, RowElement>} the element of each row shown, by row id. */
    this._elements = new Map();
    /** @type {WeakMap<HTMLElement, RowElement>} */
    this._byRoot = new WeakMap();
    /** @type {RowElement[]} elements of rows no longer shown, for the next row shown. */
    this._spare = [];
    this._bars = []; // {name, element, key}
    this._batchScores = [];
    this._firstRows = deferred();
    this._tableMeans = new Map(); // "run\0step" -> that step's batch means from its table
    /** @type {{title:string, count:number, start:number}[]} groups of the rows shown (table_view.js). */
    this._groups = [];
    /** @type {HTMLElement[]} the group headers' elements, by group. */
    this._headers = [];
    /** @type {() => void} arranges the rows' order and groups after their sources change (the card's table). */
    this.arrange = () => {};
    this._frame = 0; // a scheduled render of the window
    /** @type {{a:string, b:string}|null} the difference column shown, or none. */
    this._difference = null;
    /** @type {{cell:HTMLElement, name:HTMLElement, bar:HTMLElement, key:string|null}|null} its title. */
    this._diffHead = null;
    /** @type {HTMLElement|null} the title the difference column's title follows (the own group's last mask). */
    this._diffAnchor = null;
    /** @type {HTMLElement|null} the title of the card's own group (under Compare runs / Beside step). */
    this._ownTitle = null;
    let zoom = { factor: null };
    const store = host.zoom ?? { get: () => zoom, set: (z) => (zoom = z) };
    /** @type {GridZoom} the zoom of every cell; its controls go in the grid's tools. */
    this.zoom = new GridZoom(store, () => this.repaintZoom());
    this._loadTimer = 0; // a scheduled load of the rows in the window
    this.root.addEventListener("scroll", () => this._schedule(), { passive: true });
    new ResizeObserver(() => this._schedule()).observe(this.root);
  }

  // A windowed grid draws the window again on the next frame.
  _schedule() {
    if (this._frame || !this.root.classList.contains("grid-windowed")) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this.render();
    });
  }

  /**
   * The groups of the rows shown, each under a header with its title and count.
   * @param {{title:string, count:number, start:number}[]} groups start: its first row among the rows shown.
   */
  setGroups(groups) {
    this._groups = groups;
    this._headers = groups.map((g) =>
      el("div", { class: "grid-group-header", role: "heading", "aria-level": "4", text: `${g.title} (${g.count})` }),
    );
  }

  /**
   * Shows `sources` side by side, rows for the largest batch among them, columns for `masks`.
   * @param {{run:string, step:number, samples:number, title:string}[]} sources see gridSources.
   * @param {string[]} masks
   */
  show(sources, masks) {
    if (!this.rows.reset(sources, masks)) return;
    this._firstRows = deferred();
    this.root.dataset.step = String(sources[0].step);
    this.root.dataset.sources = String(sources.length);
    this.root.dataset.loaded = "0";
    this.root.classList.toggle("grid-compare", sources.length > 1);
    this._observer.disconnect();
    this._bars = [];
    const heads = [];
    this._ownTitle = null;
    if (sources.length > 1) {
      const titles = el("div", { class: "grid-row grid-groups" });
      for (const source of sources) {
        const t = el("div", { class: "grid-cell grid-title grid-group-title", text: source.title });
        t.style.gridColumn = `span ${masks.length + 1}`;
        this._ownTitle ??= t;
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
      if (i === 0) this._diffAnchor = names.lastElementChild;
    }
    heads.push(names);
    this._head.replaceChildren(...heads);
    // New columns: the elements of the rows before do not fit them.
    this._elements = new Map();
    this._spare = [];
    this._body.replaceChildren();
    this._difference = null;
    this.root.style.removeProperty("--grid-columns");
    this._showDifference(this._chosenDifference());
    this.root.scrollTop = 0;
    this.arrange();
    this.render();
  }

  /**
   * Lays out the rows the model shows, in its order, under their group
   * headers: a row keeps its element, a row shown anew takes the element of a
   * row no longer shown (or a new one), drawn from the row's data at once when
   * it is loaded, else loaded when it scrolls into view. A windowed grid lays
   * out only the rows in or near view. Call after `rows.order()`,
   * `rows.hide()` or `rows.view()`.
   */
  render() {
    const shown = this.rows.shown();
    const windowed = shown.length > WINDOW_FROM;
    this.root.classList.toggle("grid-windowed", windowed);
    let ids = shown;
    let headers = this._groups.map((_, g) => g);
    let layout = null;
    let first = 0;
    if (windowed) {
      layout = this._layout(shown.length);
      const top = this.root.scrollTop - this._body.offsetTop;
      const view = layout.visible(top, top + this.root.clientHeight);
      ({ headers, first } = view);
      ids = shown.slice(view.first, view.last);
      this._body.style.height = `${layout.height}px`;
    } else {
      this._body.style.height = "";
    }
    const keep = new Set(ids);
    for (const [id, element] of this._elements) {
      if (keep.has(id)) continue;
      this._observer.unobserve(element.root);
      this._elements.delete(id);
      element.id = null;
      this._spare.push(element);
    }
    const bound = [];
    const roots = ids.map((id, k) => {
      let element = this._elements.get(id);
      if (!element) {
        element = this._spare.pop() ?? this._rowElement();
        this._bind(element, this.rows.row(id));
        this._elements.set(id, element);
        bound.push(element);
      }
      element.root.style.top = layout ? `${layout.rowTop(first + k)}px` : "";
      return element.root;
    });
    // Each group's header goes before its first row (windowed: at its place).
    const starts = new Map(headers.map((g) => [this._groups[g].start, this._headers[g]]));
    const children = [];
    if (layout) {
      for (const g of headers) {
        this._headers[g].style.top = `${layout.headerTop(g)}px`;
        children.push(this._headers[g]);
      }
      children.push(...roots);
    } else {
      roots.forEach((root, k) => {
        if (starts.has(k)) {
          starts.get(k).style.top = "";
          children.push(starts.get(k));
        }
        children.push(root);
      });
    }
    const current = this._body.children;
    if (current.length !== children.length || children.some((child, i) => current[i] !== child)) {
      this._body.replaceChildren(...children);
    }
    if (windowed) {
      this._loadSoon();
      if (bound.length) this.update();
      return;
    }
    for (const element of bound) this._observer.observe(element.root);
    this.update();
  }

  // The fixed-height layout of `count` rows shown in their groups; the row
  // height follows the width of a cell (images drawn 48 to 160 px tall, less
  // when the rows would pass MAX_BODY_HEIGHT).
  _layout(count) {
    const columns = Math.max(1, this._columnCount());
    const width = this._body.clientWidth || this.root.clientWidth || 600;
    const fits = (MAX_BODY_HEIGHT - this._groups.length * HEADER_HEIGHT) / count - ROW_EXTRA;
    const image = Math.floor(Math.max(16, Math.min(160, Math.max(48, width / columns - 8), fits)));
    this.root.style.setProperty("--grid-image-height", `${image}px`);
    this.root.style.setProperty("--grid-row-height", `${image + ROW_EXTRA}px`);
    this.root.style.setProperty("--grid-header-height", `${HEADER_HEIGHT}px`);
    return gridLayout({ count, groups: this._groups, rowHeight: image + ROW_EXTRA, headerHeight: HEADER_HEIGHT });
  }

  // A windowed grid loads the rows still in its window a moment after the
  // last scroll, so that rows scrolled past quickly fetch nothing.
  _loadSoon() {
    clearTimeout(this._loadTimer);
    this._loadTimer = setTimeout(() => {
      for (const [id, element] of this._elements) {
        if (element.id === id && this.rows.row(id)?.state === "pending") this._load(id);
      }
    }, 60);
  }

  // One image of one source with the masks of the columns, decoded (GridRows' fetchCell).
  async _fetchCell(source, sample, masks) {
    const { api, cache } = this._app;
    const data = await api.sample(source.run, this._tag, source.step, sample);
    const infos = data.masks.filter((m) => masks.includes(m.name));
    const [image, region, ...decoded] = await Promise.all([
      cache.image(data.image.url),
      cache.region(data.region).catch(() => null),
      ...infos.map((m) => cache.mask(m)),
    ]);
    return {
      label: data.label ?? null,
      scores: data.scores ?? {},
      batchScores: data.batch_scores ?? null,
      image,
      masks: infos.map((m, i) => ({ name: m.name, url: m.url, mask: decoded[i] })),
      region,
    };
  }

  // An empty row element, its groups built when first bound.
  _rowElement() {
    const element = {
      root: el("div", { class: "grid-row" }),
      label: el("div", { class: "grid-label" }),
      id: null,
      groups: this.rows.sources.map(() => ({ present: null, cells: [] })),
    };
    element.root.append(element.label);
    this._byRoot.set(element.root, element);
    return element;
  }

  // Gives `element` to `row`: its cells named for the row and blank until drawn
  // (a group's cells built anew where the row's image is in its source's batch
  // and the element's last row's was not, or the other way round).
  _bind(element, row) {
    element.id = row.id;
    element.root.dataset.sample = String(row.id);
    row.groups.forEach((g, i) => {
      const group = element.groups[i];
      if (group.present !== g.present) {
        const cells = [null, ...this.rows.masks].map((mask) => this._cell(element, g.source, mask, g.present));
        if (i === 0) cells.push(this._cell(element, g.source, null, g.present, true));
        if (i) cells[0].root.classList.add("group-start");
        if (group.cells.length) group.cells[0].root.before(...cells.map((c) => c.root));
        else element.root.append(...cells.map((c) => c.root));
        for (const c of group.cells) c.root.remove();
        group.present = g.present;
        group.cells = cells;
      }
      for (const cell of group.cells) this._nameCell(cell, g.source, row.id);
    });
    this._differenceCells(element);
    this._showRow(element, row);
  }

  // A cell of `source`'s group in `element`: the image column (mask null), a
  // mask's, or the difference column (`difference`).
  _cell(element, source, mask, present, difference = false) {
    if (!present) {
      const text = "not in this batch";
      const root = el("div", { class: `grid-cell grid-absent${difference ? " grid-difference" : ""}` });
      const caption = el("span", { class: "grid-caption", text, title: text });
      root.append(caption);
      return { root, view: null, mask, caption, score: null, colourKey: null, difference };
    }
    const view = new OverlayCanvas("");
    view.canvas.className = "grid-canvas"; // not the single view's canvas.composite
    const root = el("button", { type: "button", class: "grid-cell" });
    const caption = el("span", { class: "grid-caption" });
    const score = el("span", { class: "grid-score", hidden: true });
    root.append(view.root, caption, score);
    if (difference) root.classList.add("grid-difference");
    const open = () => {
      if (element.id === null) return;
      const sample = sampleOf(source, element.id);
      if (difference && this._difference) this._host.openDifference?.(source, sample, this._difference);
      else if (!difference) this._host.open(source, sample, mask);
    };
    root.addEventListener("click", (e) => this.zoom.click(e, open));
    const cell = { root, view, mask, caption, score, colourKey: null, difference, diff: null };
    this.zoom.bind(root, view.canvas, () => this._boxOf(element, source, view.canvas));
    return cell;
  }

  // A cell's image in its box now (view/grid_zoom.js cellBox), null until its row is drawn.
  _boxOf(element, source, canvas) {
    if (element.id === null) return null;
    const group = this.rows.row(element.id)?.groups.find((g) => g.source === source);
    if (!group?.image) return null;
    const windowed = this.root.classList.contains("grid-windowed");
    const r = canvas.getBoundingClientRect();
    return cellBox(r.width, r.height, group.image, windowed);
  }

  // A cell's names for image `id`, its caption and no scores, its canvas blank.
  _nameCell(cell, source, id) {
    if (!cell.view) return; // absent: its caption says so
    const where = this.rows.sources.length > 1 ? ` of ${source.title}` : "";
    const d = cell.difference ? this._difference : null;
    const masked = d ? ` with ${differenceName(d)}` : cell.mask ? ` with mask ${cell.mask}` : "";
    const what = `image ${id + 1}${masked}${where}`;
    cell.view.canvas.setAttribute("aria-label", what.charAt(0).toUpperCase() + what.slice(1));
    cell.root.setAttribute("aria-label", d ? `Open ${what}, comparing ${d.a} with ${d.b}` : `Open ${what}`);
    const text = d ? differenceName(d) : cell.mask || "image";
    cell.caption.textContent = text;
    cell.caption.title = text;
    cell.score.replaceChildren();
    cell.score.title = "";
    cell.score.hidden = true;
    cell.colourKey = null;
    cell.view.clear();
  }

  // The row's fields in its element: the label (or why it failed, in place of
  // its cells, as a failed card does), each image's caption and scores.
  _showRow(element, row) {
    const failed = row.state === "error";
    element.root.classList.toggle("failed", failed);
    if (row.state === "loaded") element.root.dataset.loaded = "1";
    else delete element.root.dataset.loaded;
    const name = `image ${row.id + 1}`;
    if (failed) {
      element.label.textContent = `${name}: ${row.error}`;
      return;
    }
    if (row.state !== "loaded") {
      element.label.textContent = name;
      return;
    }
    // One source: its label names the row. Several: each image's caption
    // carries its own label (runs may predict differently).
    const several = this.rows.sources.length > 1;
    element.label.textContent = several ? name : (rowLabel(row) ?? name);
    row.groups.forEach((g, i) => {
      const cells = element.groups[i].cells;
      if (several && g.image && g.label) {
        cells[0].caption.textContent = g.label;
        cells[0].caption.title = g.label;
      }
      this._showScores(cells, g);
    });
  }

  // Each mask cell's scores for its image ("del 0.42 · ins 0.8", wrapping only
  // between its pieces).
  _showScores(cells, group) {
    for (const cell of cells) {
      if (!cell.mask || !cell.score) continue;
      const { chunks, title } = this._app.scoreCatalog.compact(group.scores[cell.mask]);
      setChunks(cell.score, chunks);
      cell.score.title = title;
      cell.score.hidden = chunks.length === 0;
    }
  }

  /**
   * The batch means of each of `sources` from its table (null where it has
   * none), for the steps whose /sample answers leave them out (steps in parts).
   * @param {{run:string, step:number}[]} sources @param {(Object<string, Object<string, number>>|null)[]} means
   */
  setBatchMeans(sources, means) {
    this._tableMeans = new Map(sources.map((s, i) => [`${s.run}\u0000${s.step}`, means[i]]));
    const shown = this.rows.sources ?? [];
    shown.forEach((s, i) => {
      const m = this._tableMeans.get(`${s.run}\u0000${s.step}`);
      if (m) this._fillBatchScores(i, m);
    });
  }

  // Once per source, the batch means under each mask's column title ("batch
  // mean", then a line per score), from the first row loaded that has them,
  // else from the source's table.
  _showBatchScores(row) {
    row.groups.forEach((g, i) => {
      if (!g.image) return;
      const fromTable = this._tableMeans.get(`${g.source.run}\u0000${g.source.step}`);
      this._fillBatchScores(i, g.batchScores ?? fromTable ?? {});
    });
  }

  _fillBatchScores(i, means) {
    for (const [name, element] of this._batchScores[i] ?? []) {
      if (!element.hidden) continue;
      const lines = this._app.scoreCatalog.batchLines(means[name]);
      // As many lines as a cell shows scores; the rest in one line's title.
      const rest = lines.slice(CELL_KNOWN);
      const shown = rest.length > 1 ? lines.slice(0, CELL_KNOWN) : lines;
      if (shown.length < lines.length)
        shown.push({
          chunks: [`+${rest.length} more`],
          title: rest.map((l) => `${l.text}: ${l.title}`).join("\n"),
        });
      element.replaceChildren(
        el("div", { class: "grid-batch-label", text: "batch mean" }),
        ...shown.map((line) => {
          const div = el("div", { class: "grid-batch-line", title: line.title });
          setChunks(div, line.chunks);
          return div;
        }),
      );
      element.hidden = lines.length === 0;
    }
  }

  _onIntersect(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const element = this._byRoot.get(entry.target);
      if (element && element.id !== null && this.rows.row(element.id)?.state === "pending") this._load(element.id);
    }
  }

  /**
   * Resolves once the first rows loaded since `show` are in (the load that
   * ended first, with every load then under way), or after `ms`.
   * @param {number} ms @returns {Promise<void>}
   */
  firstRowsIn(ms) {
    return Promise.race([this._firstRows.promise, new Promise((resolve) => setTimeout(resolve, ms))]);
  }

  async _load(id) {
    const first = this._firstRows;
    const row = await this.rows.load(id);
    if (!row) return; // the grid shows other sources now
    Promise.allSettled(this.rows.inFlight()).then(first.resolve);
    const element = this._elements.get(id);
    if (element) this._showRow(element, row);
    if (row.state === "loaded") {
      this._showBatchScores(row);
      this.update();
    }
  }

  /** Colours and paints the loaded rows shown with the card's settings: the
   * pixel loop only for cells whose colouring changed, a repaint for the rest.
   * Each mask's clip is shared as Normalize says (pipeline/normalize.js). */
  update() {
    const s = this._host.settings();
    const { palette, strengths } = this._app;
    const tagPool = this._host.tagPool;
    const paint = {
      s,
      table: palette.table(s),
      tableKey: `${s.colormap}|${s.sign}|${s.tint}|${s.alpha}`,
      opacity: s.showMask ? s.opacity : 0,
      smooth: s.scaling === "smooth",
    };
    // Under "tag" a mask column shares one pool: every loaded cell is in it
    // (the grid holds its loaded rows in the card's pool), so it is read once.
    const columns = new Map();
    paint.clipOf = (group, name) => {
      if (columns.has(name)) return columns.get(name);
      const own = group.masks.get(name);
      const shared = pooledClip(
        clipPool(s.normalize, own, { imageMasks: [...group.masks.values()], tagPool }),
        s,
        strengths,
      );
      if (s.normalize === "tag") columns.set(name, shared);
      return shared;
    };
    this._showDifference(this._chosenDifference());
    paint.difference = this._differencePaint(s);
    paint.box = this._box();
    const groups = [];
    for (const [id, element] of this._elements) {
      const row = this.rows.row(id);
      if (row.state !== "loaded") continue;
      row.groups.forEach((g, i) => {
        if (!g.image) return;
        groups.push(g);
        this._paintGroup(element.groups[i].cells, g, paint);
      });
    }
    this._drawBars(paint, groups, columns);
    this._drawDifferenceBar(s, paint.difference);
    this.root.dataset.loaded = String(this.rows.loadedShown());
    this.updateRegions();
  }

  /** The outlines of each loaded row's regions over its cells follow the
   * settings (regions, regionColour) and the zoom; the cells' pictures stay as they are. */
  updateRegions() {
    const s = this._host.settings();
    const opts = { on: s.regions, colour: s.regionColour, classNames: this._host.classNames?.() ?? null };
    const box = this._box();
    for (const [id, element] of this._elements) {
      const row = this.rows.row(id);
      if (row.state !== "loaded") continue;
      row.groups.forEach((g, i) => {
        if (!g.image) return;
        // Outlines follow the grid's zoom: the part of the image in view.
        const view = this._cellView(g.image, box);
        for (const cell of element.groups[i].cells) cell.view?.regions.show(g.region, g.image, { ...opts, view });
      });
    }
  }

  // The image cell and each mask cell of one source's image.
  _paintGroup(cells, group, { s, table, tableKey, opacity, smooth, clipOf, difference, box }) {
    const { strengths } = this._app;
    const { image } = group;
    const view = this._cellView(image, box);
    const viewKey = view ? `${view.scale}|${view.cx}|${view.cy}|${view.boxWidth}|${view.boxHeight}` : "fit";
    for (const cell of cells) {
      if (!cell.view) continue;
      if (cell.difference) {
        if (difference) this._paintDifference(cell, group, difference, opacity, view);
        continue;
      }
      if (!cell.mask) {
        const key = `image|${viewKey}`;
        if (cell.colourKey === key) continue; // drawn once per view: the image alone
        cell.view.resize(image.width, image.height);
        cell.view.colour(null);
        cell.colourKey = key;
        cell.alpha = 0;
        cell.view.paint(image.bitmap, 0, "A", view);
        continue;
      }
      cell.view.resize(image.width, image.height);
      const held = group.masks.get(cell.mask);
      let colourKey = "none";
      if (held) {
        const { clip } = clipOf(group, cell.mask);
        const cut = cutFromSorted(strengths.of(held.mask.values, s.sign), s.threshold);
        colourKey = `${held.url}|${tableKey}|${clip}|${cut}|${smooth}`;
        if (cell.colourKey !== colourKey) cell.view.colour(held.mask, { table, clip, sign: s.sign, cut, smooth });
      } else if (cell.colourKey !== colourKey) {
        cell.view.colour(null);
      }
      cell.colourKey = colourKey;
      cell.alpha = held ? opacity : 0;
      cell.view.paint(image.bitmap, cell.alpha, "A", view);
    }
  }

  // The view of a cell of `image` under the grid's zoom (null: fit, drawn whole).
  _cellView(image, box) {
    if (!box) return null;
    return this.zoom.viewOf(cellBox(box.width, box.height, image, box.windowed));
  }

  // Every cell's box while the grid is zoomed (cells are all as wide, and in
  // a windowed grid as tall): read once, before any cell is drawn. Null at fit.
  _box() {
    if (!this.zoom.zoomed()) return null;
    const windowed = this.root.classList.contains("grid-windowed");
    for (const element of this._elements.values()) {
      for (const group of element.groups) {
        for (const cell of group.cells) {
          const r = cell.view?.canvas.getBoundingClientRect();
          if (r && r.width > 0) return { width: r.width, height: r.height, windowed };
        }
      }
    }
    return null;
  }

  /**
   * A zoom step: every cell of the rows with an element drawn again with the
   * grid's view, from its coloured layer (no pixel loop).
   */
  repaintZoom() {
    const box = this._box();
    for (const [id, element] of this._elements) {
      const row = this.rows.row(id);
      if (row?.state !== "loaded") continue;
      row.groups.forEach((g, i) => {
        if (!g.image) return;
        const view = this._cellView(g.image, box);
        for (const cell of element.groups[i].cells) {
          if (!cell.view || cell.colourKey === null) continue;
          cell.view.paint(g.image.bitmap, cell.alpha ?? 0, "A", view);
          if (!cell.mask && !cell.difference) cell.colourKey = "image|zoom"; // drawn again at the next update
        }
      });
    }
    this.updateRegions();
  }

  // ------------------------------------------------------------ the difference column

  /**
   * The difference column follows its choice (A and B): only its cells and
   * colour bar are drawn, the other cells stay as they are (at fit the
   * column's coming or going changes only their CSS size; zoomed, every cell
   * is drawn again for its new box).
   */
  updateDifference() {
    if (this.zoom.zoomed()) {
      this.update();
      return;
    }
    const s = this._host.settings();
    this._showDifference(this._chosenDifference());
    const difference = this._differencePaint(s);
    if (!difference) return;
    const opacity = s.showMask ? s.opacity : 0;
    for (const [id, element] of this._elements) {
      const g = this.rows.row(id);
      const cell = element.groups[0]?.cells.at(-1);
      if (g?.state !== "loaded" || !g.groups[0].image || !cell?.difference || !cell.view) continue;
      this._paintDifference(cell, g.groups[0], difference, opacity, null);
    }
    this._drawDifferenceBar(s, difference);
    this.updateRegions();
  }

  // The difference chosen in the tools, if the grid's masks have both.
  _chosenDifference() {
    const choice = this._host.difference?.();
    return choice ? activeDifference(choice, this.rows.masks ?? []) : null;
  }

  // How many columns a row has: each source's image and masks, and the difference column.
  _columnCount() {
    return (this.rows.sources?.length ?? 0) * ((this.rows.masks?.length ?? 0) + 1) + (this._difference ? 1 : 0);
  }

  // The difference column's title, its colour bar below (made once, put in the head when shown).
  _differenceTitle() {
    if (this._diffHead) return this._diffHead;
    const cell = el("div", { class: "grid-cell grid-title grid-difference" });
    const name = el("span", { class: "grid-mask-name" });
    const bar = el("div", { class: "grid-colorbar grid-difference-bar" });
    cell.append(name, bar);
    this._diffHead = { cell, name, bar, key: null };
    return this._diffHead;
  }

  // Shows the difference column for `diff` (null: hides it) when it changed:
  // its title, the columns, and the cells of the rows with an element.
  _showDifference(diff) {
    const key = diff ? `${diff.a}\u0000${diff.b}` : "";
    const was = this._difference ? `${this._difference.a}\u0000${this._difference.b}` : "";
    if (key === was && this.root.style.getPropertyValue("--grid-columns")) return;
    this._difference = diff;
    this.root.dataset.difference = diff ? differenceName(diff) : "";
    if (!diff) delete this.root.dataset.difference;
    this.root.style.setProperty("--grid-columns", String(this._columnCount()));
    const masks = this.rows.masks?.length ?? 0;
    if (this._ownTitle) this._ownTitle.style.gridColumn = `span ${masks + 1 + (diff ? 1 : 0)}`;
    // The title after the card's own masks' titles while shown; out of the head else.
    const head = this._differenceTitle();
    head.key = null;
    if (diff) {
      head.name.textContent = differenceName(diff);
      head.bar.setAttribute("aria-label", `Colour bar of ${differenceName(diff)}`);
      if (this._diffAnchor && this._diffAnchor.nextSibling !== head.cell) this._diffAnchor.after(head.cell);
    } else head.cell.remove();
    for (const element of [...this._elements.values(), ...this._spare]) this._differenceCells(element);
  }

  // The difference cell of a row element follows the column: in the row after
  // the card's own masks or out of it (so the other cells keep their places),
  // named, blank until drawn.
  _differenceCells(element) {
    const cells = element.groups[0]?.cells ?? [];
    const cell = cells.at(-1);
    if (!cell?.difference) return;
    if (!this._difference) cell.root.remove();
    else if (cells.at(-2).root.nextSibling !== cell.root) cells.at(-2).root.after(cell.root);
    if (!cell.view) return;
    cell.colourKey = null;
    cell.view.clear();
    const source = this.rows.sources[0];
    if (element.id !== null && source) this._nameCell(cell, source, element.id);
  }

  // What the difference cells are coloured with, for this update: the
  // masks, one clip pooled over the loaded rows' A and B masks, the
  // diverging colormap, signed. Null when no difference is shown or none is loaded.
  _differencePaint(s) {
    const diff = this._difference;
    if (!diff) return null;
    const pool = differencePool(this.rows.loaded(), diff);
    const diverging = { ...s, colormap: defaultColormap(this._app.palette.tables, "signed"), sign: "signed" };
    const clip = pool.length ? this._poolClip(pool, s) : 0;
    return {
      ...diff,
      s,
      clip,
      count: pool.length,
      diverging,
      table: this._app.palette.table(diverging),
      tableKey: `${diverging.colormap}|${s.tint}|${s.alpha}`,
      smooth: s.scaling === "smooth",
      cells: [],
    };
  }

  // The clip of the difference's pool: a percentile from each mask's own
  // sorted strengths (cached, as each mask cell's threshold reads them); the
  // mass clip from the pool sorted together (normalize.js pooledClip).
  _poolClip(pool, s) {
    const { strengths } = this._app;
    if (s.clipMode === "mass") return pooledClip(pool, s, strengths).clip;
    return pooledPercentile(
      pool.map((m) => strengths.of(m.mask.values, s.sign)),
      s.clip,
    );
  }

  // One difference cell: A − B of its image (computed once per pair of masks
  // and sign), coloured when its clip or colours changed, painted in the grid's view.
  _paintDifference(cell, group, d, opacity, view) {
    const { image } = group;
    const a = group.masks.get(d.a);
    const b = group.masks.get(d.b);
    cell.view.resize(image.width, image.height);
    if (!a || !b) {
      if (cell.colourKey !== "none") cell.view.colour(null);
      cell.colourKey = "none";
      cell.alpha = 0;
      cell.view.paint(image.bitmap, 0, "A", view);
      return;
    }
    const valuesKey = `${a.url}|${b.url}|${d.s.sign}|${d.smooth}`;
    if (cell.diff?.key !== valuesKey) {
      const values = differenceValues(a.mask, b.mask, image, { sign: d.s.sign, smooth: d.smooth });
      cell.diff = { key: valuesKey, ...values };
      cell.colourKey = null;
    }
    d.cells.push(cell.diff);
    const colourKey = `diff|${valuesKey}|${d.tableKey}|${d.clip}`;
    if (cell.colourKey !== colourKey) {
      cell.view.colour(cell.diff, { table: d.table, clip: d.clip, sign: "signed", cut: -Infinity, smooth: d.smooth });
      cell.colourKey = colourKey;
    }
    cell.alpha = opacity;
    cell.view.paint(image.bitmap, opacity, "A", view);
  }

  // The difference column's colour bar, in mask units: signed, 0 in the middle,
  // reaching the largest |A − B| drawn or the clip.
  _drawDifferenceBar(s, d) {
    const head = this._diffHead;
    if (!head || !d) return;
    const reach = differenceReach(d.cells, d.clip);
    const loaded = this.rows.loaded().length;
    const key = `${d.a}|${d.b}|${d.tableKey}|${d.clip}|${reach}|${s.clip}|${s.clipMode}|${loaded}`;
    if (head.key === key) return;
    head.key = key;
    const bar = head.bar;
    if (!d.count) {
      drawColorbar(bar, { table: d.table, settings: d.diverging, mask: null });
      return;
    }
    drawColorbar(bar, {
      table: d.table,
      settings: d.diverging,
      clipValue: d.clip,
      mask: { min: -reach, max: reach },
      top: reach,
    });
    const mid = bar.querySelector(".colorbar-mid");
    if (mid) mid.textContent = "0";
    const name = differenceName(d);
    bar.append(el("div", { class: "colorbar-note", text: `${clipName(s)} of both = ±${formatValue(d.clip)}` }));
    bar.title =
      `${name} in mask units; one clip over the ${d.a} and ${d.b} masks of the ${loaded} rows loaded ` +
      `(${d.count} masks), so the difference is not one of two normalisations`;
  }

  // One colour bar per mask column: under "tag" in mask values, over the
  // column's one pool; else in units of each image's own clip.
  _drawBars({ s, table, tableKey }, groups, columns) {
    const each = eachClipped(s.normalize);
    const loaded = this.rows.loaded().length;
    for (const bar of this._bars) {
      if (each) {
        const range = pooledRange(groups.map((g) => g.masks.get(bar.name)?.mask).filter(Boolean));
        const key = `${tableKey}|${s.clip}|${s.clipMode}|${each}|${range ? 1 : 0}`;
        if (bar.key === key) continue;
        bar.key = key;
        drawColorbar(bar.element, { table, settings: s, mask: range, eachClipped: each });
        continue;
      }
      const column = columns.get(bar.name) ?? this._columnPool(bar.name, s);
      const key = column
        ? `${tableKey}|${s.clip}|${s.clipMode}|${column.clip}|${column.range.min}|${column.range.max}|${column.count}|${loaded}`
        : `${tableKey}|none`;
      if (bar.key === key) continue;
      bar.key = key;
      if (!column) {
        drawColorbar(bar.element, { table, settings: s, mask: null });
        continue;
      }
      const top = column.sorted.at(-1) || 0;
      drawColorbar(bar.element, { table, settings: s, clipValue: column.clip, mask: column.range, top });
      const note = poolNote(s.normalize, bar.name, column.count);
      bar.element.title += `. ${note} (${loaded} of ${this.rows.size} rows of the grid)`;
    }
  }

  // Under "tag", the clip of mask column `name` when no cell of it is painted
  // yet: the card's pool of that name (the single view's masks), or null.
  _columnPool(name, s) {
    const pool = this._host.tagPool.masks(name);
    return pool.length ? pooledClip(pool, s, this._app.strengths) : null;
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
      tagPool: card.data.tagPool,
      classNames: () => card.data.classNames,
      difference: () => card.app.state.gridDifferenceFor(card.key),
      openDifference: (source, sample, diff) => this.openDifference(source, sample, diff),
      zoom: {
        get: () => card.app.state.gridZoomFor(card.key),
        set: (z) => card.app.state.setGridZoom(card.key, z),
      },
    });
    /** @type {boolean} the grid shows. */
    this.gridMode = isBatch(card.data.info);
    /** @type {number|null} the step shown beside the card's own, or none. */
    this.compareStep = null;
    /** @type {boolean} the other runs with this tag are shown beside it. */
    this.compareRuns = false;
    this._runSteps = new Map(); // run -> its kept steps of this tag
    /** The step's table: which rows show, in which order and groups; the compared sources aligned by image id. */
    this.table = new GridTable(card.app, card.run, card.tag, this.grid);
    this.grid.arrange = () => this.table.apply();
    this._shows = 0; // counts showBatch calls: an older one whose fetches end late draws nothing
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
    this._diffA = select("Difference: mask A", [["", "—"]], "");
    this._diffB = select("Difference: mask B", [["", "—"]], "");
    for (const [input, key] of [
      [this._diffA, "a"],
      [this._diffB, "b"],
    ]) {
      input.addEventListener("change", () => {
        const card = this._card;
        card.app.state.setGridDifference(card.key, { [key]: input.value || null });
        if (this.gridMode) this.grid.updateDifference();
      });
    }
    const difference = el("div", {
      class: "grid-difference-control",
      role: "group",
      "aria-label": "Difference",
    });
    difference.append(
      el("span", { class: "control-label", text: "Difference" }),
      this._diffA,
      el("span", { text: "−" }),
      this._diffB,
    );
    this.grid.tools.append(
      labelled("Beside step", this._stepSelect),
      this._runsRow,
      difference,
      this.grid.zoom.root,
      this.table.panel.root,
    );
  }

  /**
   * A difference cell was clicked: that sample in the single view with mask A,
   * compared with B of the same image by difference.
   * @param {{run:string, step:number}} source @param {number} sample @param {{a:string, b:string}} diff
   */
  openDifference(source, sample, diff) {
    const card = this._card;
    // B of the same image (not another step's or run's).
    card.app.state.setCompare(card.key, { mask: diff.b, mode: "difference", source: "" });
    this.openCell(source, sample, diff.a);
  }

  /** Shows the mode: the card's class and the toggle's text. */
  show() {
    const card = this._card;
    if (card.data.info.error) this.gridMode = false;
    card.data.singleView = !this.gridMode;
    card.root.classList.toggle("grid-mode", this.gridMode);
    card.viewToggle.hidden = !isBatch(card.data.info) && !this.gridMode;
    card.viewToggle.textContent = this.gridMode ? "Single view" : "Back to grid";
  }

  /** The toggle: grid to single view (the sample and mask chosen last), or back. */
  toggle() {
    this.gridMode = !this.gridMode;
    this.show();
    this.showBatch();
    // Under Normalize "tag" the single view's clip pools the grid's rows,
    // which may have loaded meanwhile: its picture is coloured again.
    if (!this.gridMode) this._card.picture.invalidate();
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
    this.table.refresh();
  }

  /** The grid follows the card's chosen step and what it compares. */
  async showBatch() {
    const card = this._card;
    const d = card.data;
    if (!this.gridMode || !d.steps) return;
    const call = ++this._shows;
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
    const wanted = gridSources(main, { steps: d.steps, compareStep: this.compareStep, runs });
    if (wanted.length === 1 && this.table.inStepOrder()) {
      // Rows in the step's order need no table: they are drawn now, and the
      // table (its summary, the controls' choices) follows when it arrives.
      this.grid.show(wanted, d.info.masks);
      this.grid.update();
      // Its rows first: the table of a step in many parts costs the server
      // more than they do, and would slow their answers.
      await this.grid.firstRowsIn(FIRST_ROWS_MS);
      if (call !== this._shows || !this.gridMode || card.data !== d) return;
    }
    const sources = await this.table.align(wanted);
    if (call !== this._shows || !this.gridMode || card.data !== d) return;
    if (this.table.table?.classNames) d.classNames = this.table.table.classNames;
    this.grid.show(sources, d.info.masks);
    this.table.applyIfNew();
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
    this._syncDifference();
  }

  // The difference's choices are the tag's masks; its values the card's remembered ones.
  _syncDifference() {
    const card = this._card;
    const masks = card.data.info.masks ?? [];
    const chosen = card.app.state.gridDifferenceFor(card.key);
    for (const [input, name] of [
      [this._diffA, chosen.a],
      [this._diffB, chosen.b],
    ]) {
      const listed = [...input.options].slice(1).map((o) => o.value);
      if (masks.join("\u0000") !== listed.join("\u0000")) {
        input.replaceChildren(
          el("option", { value: "", text: "—" }),
          ...masks.map((m) => el("option", { value: m, text: m })),
        );
      }
      input.value = name && masks.includes(name) ? name : "";
    }
    this.grid.zoom.sync();
  }

  /** The grid follows the settings. */
  update() {
    if (this.gridMode) this.grid.update();
  }

  /** The grid's outlines of the regions follow the settings. */
  updateRegions() {
    if (this.gridMode) this.grid.updateRegions();
  }
}

/** A promise with its resolve function. @returns {{promise:Promise<void>, resolve:() => void}} */
function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

export { GridView, CardModes };
