// The rows of a card's grid as data, apart from their elements: one row per
// image of the batch, its id the sample index of the card's own step; each
// other source (group of columns) shows on row i its image i, or, when the
// source is aligned to the card's table by image id (`map`), the image with
// row i's id. A row holds per source the image's label and scores,
// its decoded image and masks, and the row's load state. view/grid.js draws
// the rows this model shows, in its order; reordering, hiding and showing
// rows again change only the order and the hidden set, never the data, so no
// row is fetched twice. A row's record is made when first asked for, so a
// step of 100,000 images costs only its order until rows are drawn. No DOM:
// runs under Node's test runner (grid_rows.test.mjs).

/** A row's load states: not asked for yet, being fetched, ready to draw, or
 * failed (its `error` says why). */
const ROW_STATES = Object.freeze(["pending", "loading", "loaded", "error"]);

/**
 * A group of columns of the grid (pipeline/batch.js gridSources). `map`, when
 * set, aligns it by image id: entry i is the sample of this source with the id
 * of the card's row i, or -1 when it lacks that image (table_data.js
 * alignByIds); `aligned` names the tables it was made from.
 * @typedef {{run:string, step:number, samples:number, title:string, map?:Int32Array, aligned?:string}} GridSource
 */

/**
 * Which sample of `source` row `id` shows: its image with the row's id when
 * aligned, else image `id`; -1 when the source has none.
 * @param {GridSource} source @param {number} id @returns {number}
 */
function sampleOf(source, id) {
  if (source.map) return id < source.map.length ? source.map[id] : -1;
  return id < source.samples ? id : -1;
}

/**
 * A decoded mask with its name and URL (pipeline/normalize.js).
 * @typedef {import("./pipeline/normalize.js").PoolMask} PoolMask
 */

/**
 * What `fetchCell` answers for one image of one source; `batchScores` null
 * where /sample leaves the step's means to its table (a step in parts);
 * `region` the image's regions (pipeline/regions.js), null or left out without.
 * @typedef {{label:string|null, scores:object, batchScores:object|null, image:object, masks:PoolMask[],
 *   region?:object|null}} CellData
 */

/**
 * What a row holds of one source: `sample`, the source's image the row shows
 * (sampleOf); `present` is false where the source has none (its cells say
 * "not in this batch"); the data fields are set once the row is loaded.
 * @typedef {{source:GridSource, sample:number, present:boolean, label:string|null, scores:object,
 *   batchScores:object|null, image:object|null, masks:Map<string, PoolMask>, region:object|null}} RowGroup
 */

/**
 * One row: its id (the sample index), load state, error message, and a group per source.
 * @typedef {{id:number, state:string, error:string|null, groups:RowGroup[]}} GridRow
 */

/**
 * A new row for image `id` of `sources`, pending.
 * @param {number} id @param {GridSource[]} sources @returns {GridRow}
 */
function pendingRow(id, sources) {
  const groups = sources.map((source) => ({
    source,
    sample: sampleOf(source, id),
    present: sampleOf(source, id) >= 0,
    label: null,
    scores: {},
    batchScores: {},
    image: null,
    masks: new Map(),
    region: null,
  }));
  return { id, state: "pending", error: null, groups };
}

/**
 * The text of an error, for a row that says why it failed.
 * @param {*} error @returns {string}
 */
function errorText(error) {
  return error && error.message ? error.message : String(error);
}

/** The rows of a grid, their order, which are hidden, and their data. */
class GridRows {
  /**
   * @param {(source:GridSource, sample:number, masks:string[]) => Promise<CellData>} fetchCell
   *   fetches one image of one source with the masks named (the grid's api and cache).
   */
  constructor(fetchCell) {
    this._fetchCell = fetchCell;
    /** @type {GridSource[]} the groups of columns, left to right. */
    this.sources = [];
    /** @type {string[]} the mask columns of each group. */
    this.masks = [];
    this._key = null;
    this._generation = 0;
    /** @type {number} how many rows there are (ids 0 .. count - 1). */
    this._count = 0;
    /** @type {Map<number, GridRow>} the rows asked for so far. */
    this._rows = new Map();
    /** @type {number[]} every id, in display order. */
    this._order = [];
    /** @type {Set<number>} */
    this._hidden = new Set();
    /** @type {Map<number, Promise<GridRow|null>>} loads under way or done, of this generation. */
    this._loads = new Map();
    /** @type {number[]|null} shown(), until the order or the hidden set changes. */
    this._shown = null;
  }

  /**
   * Shows `sources` and `masks`: one pending row per image of the largest
   * batch among the sources, or, when the other sources are aligned by image
   * id, per image of the first (the card's own). Unchanged sources and masks
   * keep every row and its data. The order and the hidden rows carry over
   * (ids are sample indices): an id the new batch lacks drops out, a new one goes last.
   * @param {GridSource[]} sources @param {string[]} masks
   * @returns {boolean} whether the rows changed (and their data was dropped).
   */
  reset(sources, masks) {
    const key = JSON.stringify([sources.map(({ map, ...named }) => ({ ...named, rows: map?.length })), masks]);
    if (key === this._key) return false;
    this._key = key;
    this._generation++;
    this.sources = sources;
    this.masks = masks;
    const aligned = sources.some((s) => s.map);
    const count = aligned ? sources[0].samples : Math.max(0, ...sources.map((s) => s.samples));
    this._count = count;
    this._rows = new Map();
    this._loads = new Map();
    this._shown = null;
    const kept = this._order.filter((id) => id < count);
    const known = new Uint8Array(count);
    for (const id of kept) known[id] = 1;
    for (let id = 0; id < count; id++) if (!known[id]) kept.push(id);
    this._order = kept;
    this._hidden = new Set([...this._hidden].filter((id) => id < count));
    return true;
  }

  /** How many rows there are, hidden ones included. @returns {number} */
  get size() {
    return this._count;
  }

  /** Row `id` (made pending when first asked for), or undefined. @param {number} id @returns {GridRow|undefined} */
  row(id) {
    let row = this._rows.get(id);
    if (!row && Number.isInteger(id) && id >= 0 && id < this._count) {
      row = pendingRow(id, this.sources);
      this._rows.set(id, row);
    }
    return row;
  }

  /** Every id, in display order (hidden ones included). @returns {number[]} */
  ids() {
    return [...this._order];
  }

  /** The ids of the rows shown, in display order (the same array until the
   * order or the hidden set changes: do not modify it). @returns {number[]} */
  shown() {
    if (!this._shown) this._shown = this._hidden.size ? this._order.filter((id) => !this._hidden.has(id)) : this._order;
    return this._shown;
  }

  /** How many rows shown are loaded. @returns {number} */
  loadedShown() {
    let n = 0;
    for (const row of this._rows.values()) if (row.state === "loaded" && !this._hidden.has(row.id)) n++;
    return n;
  }

  /** The loaded rows, in display order (hidden ones included). @returns {GridRow[]} */
  loaded() {
    return this._order.map((id) => this._rows.get(id)).filter((row) => row?.state === "loaded");
  }

  /**
   * Puts the rows in a new order: `ids` first, as listed, then every other
   * row in its present order. Unknown ids are ignored; no data changes.
   * @param {number[]} ids
   */
  order(ids) {
    const first = [...new Set(ids)].filter((id) => this._known(id));
    const listed = new Set(first);
    this._order = [...first, ...this._order.filter((id) => !listed.has(id))];
    this._shown = null;
  }

  /**
   * Hides the rows `ids` and shows every other one (an empty list shows all).
   * Hidden rows keep their data and load state.
   * @param {number[]} ids
   */
  hide(ids) {
    this._hidden = new Set(ids.filter((id) => this._known(id)));
    this._shown = null;
  }

  /**
   * Shows exactly the rows `ids`, in that order (a table view's rows,
   * table_view.js); every other row is hidden, after them in its present order.
   * @param {number[]} ids
   */
  view(ids) {
    const listed = new Uint8Array(this._count);
    const first = [];
    for (const id of ids) {
      if (this._known(id) && !listed[id]) {
        listed[id] = 1;
        first.push(id);
      }
    }
    const rest = this._order.filter((id) => !listed[id]);
    this._order = first.concat(rest);
    this._hidden = new Set(rest);
    this._shown = first;
  }

  _known(id) {
    return Number.isInteger(id) && id >= 0 && id < this._count;
  }

  /**
   * Fetches row `id` once: each source that has the image, side by side. A
   * second call gets the same answer without fetching again, and so does a
   * row that failed (its state "error", its message kept), until reset().
   * @param {number} id
   * @returns {Promise<GridRow|null>} the row, loaded or failed; null when the
   *   rows were reset meanwhile (or there is no such row).
   */
  load(id) {
    const row = this.row(id);
    if (!row) return Promise.resolve(null);
    let load = this._loads.get(id);
    if (!load) {
      load = this._fetch(row, this._generation);
      this._loads.set(id, load);
    }
    return load;
  }

  /** The loads of the rows still loading. @returns {Promise<GridRow|null>[]} */
  inFlight() {
    return [...this._loads].filter(([id]) => this.row(id)?.state === "loading").map(([, load]) => load);
  }

  async _fetch(row, generation) {
    row.state = "loading";
    const present = row.groups.filter((g) => g.present);
    try {
      const cells = await Promise.all(present.map((g) => this._fetchCell(g.source, g.sample, this.masks)));
      present.forEach((g, i) => {
        const cell = cells[i];
        g.label = cell.label ?? null;
        g.scores = cell.scores ?? {};
        g.batchScores = cell.batchScores ?? null;
        g.image = cell.image;
        g.masks = new Map(cell.masks.map((m) => [m.name, m]));
        g.region = cell.region ?? null;
      });
      row.state = "loaded";
    } catch (e) {
      row.state = "error";
      row.error = errorText(e);
    }
    return generation === this._generation ? row : null;
  }

  /**
   * The masks named `name` of every loaded row, of every source (hidden rows
   * included): what the grid holds in the card's Normalize "tag" pool.
   * @param {string} name @returns {PoolMask[]}
   */
  masksNamed(name) {
    const out = [];
    for (const row of this._rows.values()) {
      if (row.state !== "loaded") continue;
      for (const g of row.groups) {
        const m = g.masks.get(name);
        if (m) out.push(m);
      }
    }
    return out;
  }
}

/**
 * The label a loaded row goes by: its first source's label for the image,
 * or null when none was written.
 * @param {GridRow} row @returns {string|null}
 */
function rowLabel(row) {
  return row.groups.find((g) => g.image)?.label ?? null;
}

export { ROW_STATES, GridRows, rowLabel, sampleOf };
