// The grid's table controls and summary bar, above its rows: sort (column and
// direction), filters (correct or wrong, true class, predicted class, a
// numeric column's range, a string or bool field's value, text in the
// caption), group by, CSV export and a reset; then the summary (images in the
// step, rows shown, their accuracy) and a small confusion matrix whose cells
// filter to their (true, predicted) pair. It only shows a view spec and
// reports the user's changes; table_view.js computes the rows. Every name
// from the logs goes in as text.

import { className, classCount, distinctValues, fieldsOfType } from "../table_data.js";
import { DEFAULT_SPEC } from "../table_view.js";
import { el, labelled, select } from "./dom.js";

/** The most classes the confusion matrix draws; more are summed up in a line. */
const MATRIX_MAX = 20;

/**
 * A percentage for the summary bar.
 * @param {number} x in [0, 1] @returns {string}
 */
function percent(x) {
  return `${(100 * x).toFixed(1)}%`;
}

/** The controls and the summary of one grid's table. */
class TablePanel {
  /**
   * @param {{change:(spec:object) => void, exportCsv:() => void}} host `change`: the user
   *   changed the spec (a new object); `exportCsv`: the export button.
   */
  constructor(host) {
    this._host = host;
    this._table = null;
    this._shape = null; // the columns the controls were built for
    this._spec = { ...DEFAULT_SPEC };
    this.root = el("div", { class: "grid-table", role: "group", "aria-label": "Rows of the grid", hidden: true });
    this._controls = el("div", { class: "grid-table-controls" });
    this.summary = el("div", { class: "grid-summary", role: "status" });
    this.root.append(this._controls, this.summary);
  }

  /**
   * Shows the controls of `table` set to `spec` (rebuilt when the table changes).
   * @param {import("../table_data.js").Table|null} table null: no table, the panel hides.
   * @param {object} spec
   */
  show(table, spec) {
    this._spec = spec;
    this.root.hidden = !table;
    if (!table) return;
    this._table = table;
    // A table read again with the same columns (TensorBoard reloaded) keeps
    // the controls, so that a box being typed in keeps its focus.
    const shape = JSON.stringify([table.fields, table.classNames, table.scores.map((c) => c.key), classCount(table)]);
    if (shape !== this._shape) {
      this._shape = shape;
      this._build(table);
    }
    this._sync();
  }

  _set(changes) {
    this._host.change({ ...this._spec, ...changes });
  }

  _build(table) {
    const classes = classCount(table);
    const hasClasses = table.columns.has("true") || table.columns.has("predicted");
    const judged = table.columns.has("correct") || (table.columns.has("true") && table.columns.has("predicted"));
    const classOptions = [["", "any"], ...Array.from({ length: classes }, (_, k) => [String(k), className(table, k)])];
    const numeric = [...fieldsOfType(table, ["number"]), ...table.scores];
    const valued = fieldsOfType(table, ["string", "bool"]);
    const sortable = [...table.columns.values()];
    const c = {};
    c.sort = select("Sort by", [["", "step order"], ...sortable.map((col) => [col.key, col.title])]);
    c.order = select("Sort order", [
      ["asc", "ascending"],
      ["desc", "descending"],
    ]);
    c.correct = select("Show rows", [
      ["all", "all"],
      ["correct", "correct"],
      ["wrong", "wrong"],
    ]);
    c.trueClass = select("True class", classOptions);
    c.predicted = select("Predicted class", classOptions);
    c.rangeField = select("Range of", [["", "—"], ...numeric.map((col) => [col.key, col.title])]);
    c.min = el("input", { type: "number", step: "any", "aria-label": "Minimum", placeholder: "min" });
    c.max = el("input", { type: "number", step: "any", "aria-label": "Maximum", placeholder: "max" });
    c.valueField = select("Field", [["", "—"], ...valued.map((col) => [col.key, col.title])]);
    c.value = select("Value", []);
    c.text = el("input", { type: "search", "aria-label": "Caption contains", placeholder: "text in the caption" });
    c.group = select("Group by", [
      ["none", "nothing"],
      ["true", "true class"],
      ["pair", "true and predicted"],
    ]);
    const csv = el("button", { type: "button", text: "Export CSV", title: "The rows shown, as CSV" });
    const clear = el("button", { type: "button", text: "Clear view", title: "Every row, in the step's order" });
    this._c = c;

    c.sort.addEventListener("change", () => this._set({ sort: c.sort.value || null }));
    c.order.addEventListener("change", () => this._set({ desc: c.order.value === "desc" }));
    c.correct.addEventListener("change", () => this._set({ correct: c.correct.value }));
    const classOf = (s) => (s.value === "" ? null : Number(s.value));
    c.trueClass.addEventListener("change", () => this._set({ trueClass: classOf(c.trueClass) }));
    c.predicted.addEventListener("change", () => this._set({ predicted: classOf(c.predicted) }));
    const bound = (input) =>
      input.value.trim() === "" || !Number.isFinite(Number(input.value)) ? null : Number(input.value);
    const range = () =>
      this._set({
        range: c.rangeField.value ? { field: c.rangeField.value, min: bound(c.min), max: bound(c.max) } : null,
      });
    c.rangeField.addEventListener("change", range);
    c.min.addEventListener("change", range);
    c.max.addEventListener("change", range);
    c.valueField.addEventListener("change", () => {
      const field = c.valueField.value;
      this._set({ value: field ? { field, value: distinctValues(this._table, field)[0] ?? "" } : null });
    });
    c.value.addEventListener("change", () => this._set({ value: { field: c.valueField.value, value: c.value.value } }));
    c.text.addEventListener("input", () => this._set({ text: c.text.value }));
    c.group.addEventListener("change", () => this._set({ group: c.group.value }));
    csv.addEventListener("click", () => this._host.exportCsv());
    clear.addEventListener("click", () => this._host.change({ ...DEFAULT_SPEC }));

    const rangeRow = labelled("Range", c.rangeField);
    rangeRow.append(c.min, c.max);
    const valueRow = labelled("Where", c.valueField);
    valueRow.append(c.value);
    const sortRow = labelled("Sort", c.sort);
    sortRow.append(c.order);
    const rows = [
      sortRow,
      labelled("Show", c.correct),
      labelled("True", c.trueClass),
      labelled("Predicted", c.predicted),
      rangeRow,
      valueRow,
      labelled("Caption", c.text),
      labelled("Group by", c.group),
      csv,
      clear,
    ];
    rows[1].hidden = !judged;
    rows[2].hidden = !table.columns.has("true");
    rows[3].hidden = !table.columns.has("predicted");
    rows[4].hidden = numeric.length === 0;
    rows[5].hidden = valued.length === 0;
    rows[7].hidden = !hasClasses;
    this._controls.replaceChildren(...rows);
  }

  // The controls show the spec.
  _sync() {
    const { _c: c, _spec: s, _table: table } = this;
    c.sort.value = s.sort ?? "";
    c.order.value = s.desc ? "desc" : "asc";
    c.correct.value = s.correct;
    c.trueClass.value = s.trueClass === null ? "" : String(s.trueClass);
    c.predicted.value = s.predicted === null ? "" : String(s.predicted);
    c.rangeField.value = s.range?.field ?? "";
    const active = (input) => input.ownerDocument.activeElement === input;
    if (!active(c.min)) c.min.value = s.range?.min ?? "";
    if (!active(c.max)) c.max.value = s.range?.max ?? "";
    c.min.disabled = c.max.disabled = !s.range;
    c.valueField.value = s.value?.field ?? "";
    const values = s.value ? distinctValues(table, s.value.field) : [];
    c.value.replaceChildren(...values.map((v) => el("option", { value: v, text: v })));
    c.value.value = s.value?.value ?? "";
    c.value.disabled = !s.value;
    if (!active(c.text)) c.text.value = s.text;
    c.group.value = s.group;
  }

  /**
   * The summary bar: images, shown, accuracy, and the confusion matrix of the
   * shown rows, each cell a button that filters to its pair (again: every pair).
   * @param {ReturnType<import("../table_view.js").summarize>} summary
   */
  showSummary(summary) {
    const table = this._table;
    const s = this._spec;
    const parts = table.parts && table.parts.expected !== null && table.parts.found < table.parts.expected;
    const line = el("div", { class: "summary-line" });
    line.append(
      el("span", { class: "summary-images", text: `${summary.images} images` }),
      el("span", { class: "summary-shown", text: `${summary.shown} shown` }),
    );
    if (summary.accuracy !== null) {
      const text = `accuracy ${percent(summary.accuracy)} (${summary.correct} of ${summary.judged})`;
      line.append(el("span", { class: "summary-accuracy", text }));
    }
    if (parts) {
      const text = `${table.parts.found} of ${table.parts.expected} parts of the step so far`;
      line.append(el("span", { class: "summary-parts", text }));
    }
    const out = [line];
    if (summary.matrix && summary.classes > MATRIX_MAX) {
      out.push(el("div", { class: "summary-note", text: `${summary.classes} classes: too many for the matrix` }));
    } else if (summary.matrix) {
      out.push(this._matrix(summary.matrix, s));
    }
    this.summary.replaceChildren(...out);
  }

  _matrix(matrix, s) {
    const table = this._table;
    const grid = el("table", { class: "confusion", "aria-label": "Confusion matrix of the rows shown" });
    const head = el("tr");
    head.append(el("th", { text: "true \\ predicted", scope: "col" }));
    for (let p = 0; p < matrix.length; p++) head.append(el("th", { text: className(table, p), scope: "col" }));
    grid.append(head);
    const max = Math.max(1, ...matrix.flat());
    matrix.forEach((row, t) => {
      const tr = el("tr");
      tr.append(el("th", { text: className(table, t), scope: "row" }));
      row.forEach((count, p) => {
        const chosen = s.trueClass === t && s.predicted === p;
        const name = `true ${className(table, t)}, predicted ${className(table, p)}: ${count}`;
        const button = el("button", {
          type: "button",
          class: `confusion-cell${t === p ? " diagonal" : ""}${chosen ? " chosen" : ""}`,
          text: String(count),
          "aria-label": name,
          "aria-pressed": String(chosen),
          title: chosen ? `${name} (click: every pair)` : name,
        });
        button.style.setProperty("--share", String(count / max));
        button.addEventListener("click", () =>
          this._set(chosen ? { trueClass: null, predicted: null } : { trueClass: t, predicted: p }),
        );
        const td = el("td");
        td.append(button);
        tr.append(td);
      });
      grid.append(tr);
    });
    return grid;
  }
}

export { TablePanel, MATRIX_MAX };
