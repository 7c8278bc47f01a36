// A grid's table: the step's /table answer (table_data.js), the view spec the
// user chose (kept in the page's URL, table_url.js), the rows it shows
// (table_view.js) handed to the grid's row model, the panel of controls and
// summary (table_panel.js), the CSV export, and the alignment by image id of
// the runs or step compared beside the card's own. A step whose table cannot
// be read (a server without the route) shows its rows as they are, without a panel.

import { api as defaultApi } from "../api.js";
import { csvName, tableCsv } from "../table_csv.js";
import { alignByIds, readTable } from "../table_data.js";
import { hashWithSpec, specFromHash } from "../table_url.js";
import { DEFAULT_SPEC, summarize, tableView, usableSpec } from "../table_view.js";
import { readHash, writeHash } from "./location.js";
import { TablePanel } from "./table_panel.js";

/** The table of one card's grid. */
class GridTable {
  /**
   * @param {{api?:object}} app the dashboard's services (its api). @param {string} run @param {string} tag
   * @param {import("./grid.js").GridView} grid the grid whose rows it arranges.
   */
  constructor(app, run, tag, grid) {
    this._api = app.api ?? defaultApi;
    this.run = run;
    this.tag = tag;
    this.grid = grid;
    /** @type {import("../table_view.js").ViewSpec} what the user chose, from the URL at first. */
    this.spec = specFromHash(readHash(), run, tag);
    /** @type {import("../table_data.js").Table|null} the card's step's table, once read. */
    this.table = null;
    /** @type {{rows:number[], groups:object[]}|null} the rows shown and their groups. */
    this.view = null;
    this._step = null;
    this._applied = null; // the table apply() last used
    this._tables = new Map(); // "run\0step" -> Promise<Table|null>
    this.panel = new TablePanel({ change: (spec) => this.change(spec), exportCsv: () => this.exportCsv() });
  }

  // The table of run's step, fetched once (null when it cannot be read).
  _load(run, step) {
    const key = `${run}\u0000${step}`;
    if (!this._tables.has(key)) {
      this._tables.set(
        key,
        this._api.table(run, this.tag, step).then(readTable, () => null),
      );
    }
    return this._tables.get(key);
  }

  /** Whether the view shows every row in the step's order (no sort, filter or group). */
  inStepOrder() {
    return Object.entries(DEFAULT_SPEC).every(([key, value]) => this.spec[key] === value);
  }

  /** TensorBoard reloaded: tables are fetched again (parts of a step may have arrived). */
  refresh() {
    this._tables.clear();
  }

  /**
   * The grid's sources with the card's table read and every other source
   * aligned to it by image id (where both tables can be read and share an id;
   * else by row number).
   * @param {import("../grid_rows.js").GridSource[]} sources the first is the card's own step.
   * @returns {Promise<import("../grid_rows.js").GridSource[]>}
   */
  async align(sources) {
    const tables = await Promise.all(sources.map((s) => this._load(s.run, s.step)));
    // Only the tables shown stay held (a table of 100,000 rows is several MB).
    const used = new Set(sources.map((s) => `${s.run}\u0000${s.step}`));
    for (const key of this._tables.keys()) if (!used.has(key)) this._tables.delete(key);
    const [main] = tables;
    this.table = main;
    this.grid.setBatchMeans(
      sources,
      tables.map((t) => t?.means ?? null),
    );
    this._step = sources[0].step;
    if (!main) return sources;
    const name = (s, t) => `${s.run}@${s.step}:${t.samples}`;
    return sources.map((s, i) => {
      if (i === 0) return { ...s, samples: main.samples };
      const other = tables[i];
      if (!other) return s;
      // Steps that share no id (written without ids: each add call names its
      // own part) line up by row number, as before ids existed.
      const map = alignByIds(main.ids, other.ids);
      if (!map.some((j) => j >= 0)) return s;
      const aligned = `${name(sources[0], main)}|${name(s, other)}`;
      return { ...s, samples: other.samples, map, aligned };
    });
  }

  /** Applies the view again when the table was read anew since (the grid kept its rows). */
  applyIfNew() {
    if (this.table === this._applied) return;
    this.apply();
    this.grid.render();
  }

  /** Puts the spec's rows and groups in the grid's row model and shows the panel and summary. */
  apply() {
    this._applied = this.table;
    const rows = this.grid.rows;
    if (!this.table) {
      this.view = null;
      rows.view(Array.from({ length: rows.size }, (_, i) => i));
      this.grid.setGroups([]);
      this.panel.show(null, this.spec);
      delete this.grid.root.dataset.shown;
      return;
    }
    // The URL keeps the spec as given; the grid applies what this step's table can.
    const spec = usableSpec(this.table, this.spec);
    this.view = tableView(this.table, spec);
    rows.view(this.view.rows);
    this.grid.setGroups(this.view.groups);
    this.panel.show(this.table, spec);
    this.panel.showSummary(summarize(this.table, this.view.rows));
    this.grid.root.dataset.shown = String(this.view.rows.length);
  }

  /**
   * The user changed the view: it goes in the URL, and the grid shows it from its top.
   * @param {import("../table_view.js").ViewSpec} spec
   */
  change(spec) {
    this.spec = spec;
    writeHash(hashWithSpec(readHash(), this.run, this.tag, spec));
    this.apply();
    this.grid.root.scrollTop = 0;
    this.grid.render();
  }

  /** Downloads the rows shown as CSV (table_csv.js). */
  exportCsv() {
    if (!this.table || !this.view) return;
    const blob = new Blob([tableCsv(this.table, this.view.rows)], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = csvName(this.run, this.tag, this._step);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }
}

export { GridTable };
