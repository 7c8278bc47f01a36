// The rows of a card's grid as data, apart from their elements: one row per
// image of the batch, its id the sample index (image i of every source sits on
// row i), holding per source (group of columns) the image's label and scores,
// its decoded image and masks, and the row's load state. view/grid.js draws
// the rows this model shows, in its order; reordering, hiding and showing
// rows again change only the order and the hidden set, never the data, so no
// row is fetched twice. No DOM: runs under Node's test runner
// (grid_rows.test.mjs).

/** A row's load states: not asked for yet, being fetched, ready to draw, or
 * failed (its `error` says why). */
const ROW_STATES = Object.freeze(["pending", "loading", "loaded", "error"]);

/**
 * A group of columns of the grid (pipeline/batch.js gridSources).
 * @typedef {{run:string, step:number, samples:number, title:string}} GridSource
 */

/**
 * A decoded mask with its name and URL (pipeline/normalize.js).
 * @typedef {import("./pipeline/normalize.js").PoolMask} PoolMask
 */

/**
 * What `fetchCell` answers for one image of one source.
 * @typedef {{label:string|null, scores:object, batchScores:object, image:object, masks:PoolMask[]}} CellData
 */

/**
 * What a row holds of one source. `present` is false past the source's batch
 * (its cells say "not in this batch"); the data fields are set once the row is loaded.
 * @typedef {{source:GridSource, present:boolean, label:string|null, scores:object,
 *   batchScores:object, image:object|null, masks:Map<string, PoolMask>}} RowGroup
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
    present: id < source.samples,
    label: null,
    scores: {},
    batchScores: {},
    image: null,
    masks: new Map(),
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
    /** @type {Map<number, GridRow>} */
    this._rows = new Map();
    /** @type {number[]} every id, in display order. */
    this._order = [];
    /** @type {Set<number>} */
    this._hidden = new Set();
    /** @type {Map<number, Promise<GridRow|null>>} loads under way or done, of this generation. */
    this._loads = new Map();
  }

  /**
   * Shows `sources` and `masks`: one pending row per image of the largest
   * batch among the sources. Unchanged sources and masks keep every row and
   * its data. The order and the hidden rows carry over (ids are sample
   * indices): an id the new batch lacks drops out, a new one goes last.
   * @param {GridSource[]} sources @param {string[]} masks
   * @returns {boolean} whether the rows changed (and their data was dropped).
   */
  reset(sources, masks) {
    const key = JSON.stringify([sources, masks]);
    if (key === this._key) return false;
    this._key = key;
    this._generation++;
    this.sources = sources;
    this.masks = masks;
    const count = Math.max(0, ...sources.map((s) => s.samples));
    this._rows = new Map(Array.from({ length: count }, (_, id) => [id, pendingRow(id, sources)]));
    this._loads = new Map();
    const kept = this._order.filter((id) => id < count);
    const known = new Set(kept);
    for (let id = 0; id < count; id++) if (!known.has(id)) kept.push(id);
    this._order = kept;
    this._hidden = new Set([...this._hidden].filter((id) => id < count));
    return true;
  }

  /** How many rows there are, hidden ones included. @returns {number} */
  get size() {
    return this._rows.size;
  }

  /** Row `id`, or undefined. @param {number} id @returns {GridRow|undefined} */
  row(id) {
    return this._rows.get(id);
  }

  /** Every id, in display order (hidden ones included). @returns {number[]} */
  ids() {
    return [...this._order];
  }

  /** The ids of the rows shown, in display order. @returns {number[]} */
  shown() {
    return this._order.filter((id) => !this._hidden.has(id));
  }

  /** The loaded rows, in display order (hidden ones included). @returns {GridRow[]} */
  loaded() {
    return this._order.map((id) => this._rows.get(id)).filter((row) => row.state === "loaded");
  }

  /**
   * Puts the rows in a new order: `ids` first, as listed, then every other
   * row in its present order. Unknown ids are ignored; no data changes.
   * @param {number[]} ids
   */
  order(ids) {
    const first = [...new Set(ids)].filter((id) => this._rows.has(id));
    const listed = new Set(first);
    this._order = [...first, ...this._order.filter((id) => !listed.has(id))];
  }

  /**
   * Hides the rows `ids` and shows every other one (an empty list shows all).
   * Hidden rows keep their data and load state.
   * @param {number[]} ids
   */
  hide(ids) {
    this._hidden = new Set(ids.filter((id) => this._rows.has(id)));
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
    const row = this._rows.get(id);
    if (!row) return Promise.resolve(null);
    let load = this._loads.get(id);
    if (!load) {
      load = this._fetch(row, this._generation);
      this._loads.set(id, load);
    }
    return load;
  }

  async _fetch(row, generation) {
    row.state = "loading";
    const present = row.groups.filter((g) => g.present);
    try {
      const cells = await Promise.all(present.map((g) => this._fetchCell(g.source, row.id, this.masks)));
      present.forEach((g, i) => {
        const cell = cells[i];
        g.label = cell.label ?? null;
        g.scores = cell.scores ?? {};
        g.batchScores = cell.batchScores ?? {};
        g.image = cell.image;
        g.masks = new Map(cell.masks.map((m) => [m.name, m]));
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

export { ROW_STATES, GridRows, rowLabel };
