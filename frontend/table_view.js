// The grid's view of a step's table (table_data.js): which rows show, in which
// order, in which groups, and what they add up to. A view spec says it: the
// sort column and direction, the filters (correct or wrong, true class,
// predicted class, both at once for a confusion pair, a numeric field's range,
// a string or bool field's value, text in the caption) and the grouping. No
// DOM: runs under Node's test runner (table_view.test.mjs).

import { className, classCount } from "./table_data.js";

/** What rows are grouped by: nothing, the true class, or the (true, predicted) pair. */
const GROUPINGS = Object.freeze(["none", "true", "pair"]);

/** The correctness filter's choices. */
const CORRECTNESS = Object.freeze(["all", "correct", "wrong"]);

/**
 * A view spec. `sort`: a column key (table_data.js) or null for the step's
 * order; `desc`: descending; `correct`: one of CORRECTNESS; `trueClass`,
 * `predicted`: a class index or null; `range`: a numeric column's key with
 * bounds (null bound: open); `value`: a string or bool field's value, as text;
 * `text`: a case-insensitive piece of the caption; `group`: one of GROUPINGS.
 * @typedef {{sort:string|null, desc:boolean, correct:string, trueClass:number|null, predicted:number|null,
 *   range:{field:string, min:number|null, max:number|null}|null, value:{field:string, value:string}|null,
 *   text:string, group:string}} ViewSpec
 */

/** The spec of the step's rows as they are: every row, in order, ungrouped. */
const DEFAULT_SPEC = Object.freeze({
  sort: null,
  desc: false,
  correct: "all",
  trueClass: null,
  predicted: null,
  range: null,
  value: null,
  text: "",
  group: "none",
});

/**
 * Whether row i is correct: its `correct` field, else true === predicted when
 * both are there; null when neither says.
 * @param {import("./table_data.js").Table} table
 * @returns {(i:number) => boolean|null}
 */
function correctness(table) {
  const correct = table.columns.get("correct")?.values;
  const truth = table.columns.get("true")?.values;
  const predicted = table.columns.get("predicted")?.values;
  return (i) => {
    const c = correct?.[i];
    if (c === true || c === false) return c;
    const t = truth?.[i];
    const p = predicted?.[i];
    return t !== null && t !== undefined && p !== null && p !== undefined ? t === p : null;
  };
}

/**
 * The rows that pass the spec's filters, in the step's order.
 * @param {import("./table_data.js").Table} table @param {ViewSpec} spec
 * @returns {number[]}
 */
function filterRows(table, spec) {
  const tests = [];
  if (spec.correct !== "all") {
    const isCorrect = correctness(table);
    const want = spec.correct === "correct";
    tests.push((i) => isCorrect(i) === want);
  }
  for (const [name, want] of [
    ["true", spec.trueClass],
    ["predicted", spec.predicted],
  ]) {
    if (want === null) continue;
    const values = table.columns.get(name)?.values;
    tests.push((i) => values !== undefined && values[i] === want);
  }
  if (spec.range) {
    const values = table.columns.get(spec.range.field)?.values;
    const lo = spec.range.min ?? -Infinity;
    const hi = spec.range.max ?? Infinity;
    tests.push((i) => {
      const v = values?.[i];
      return typeof v === "number" && v >= lo && v <= hi;
    });
  }
  if (spec.value) {
    const values = table.columns.get(spec.value.field)?.values;
    const want = spec.value.value;
    tests.push((i) => values?.[i] !== null && values?.[i] !== undefined && String(values[i]) === want);
  }
  if (spec.text) {
    const lower = lowerLabels(table);
    const want = spec.text.toLowerCase();
    tests.push((i) => lower[i] !== null && lower[i].includes(want));
  }
  const out = [];
  for (let i = 0; i < table.samples; i++) {
    let pass = true;
    for (const t of tests) {
      if (!t(i)) {
        pass = false;
        break;
      }
    }
    if (pass) out.push(i);
  }
  return out;
}

const LOWER = new WeakMap(); // table -> its captions in lower case (the text filter's input)

function lowerLabels(table) {
  let lower = LOWER.get(table);
  if (!lower) {
    lower = table.labels.map((l) => (l === null ? null : String(l).toLowerCase()));
    LOWER.set(table, lower);
  }
  return lower;
}

/**
 * `rows` sorted by column `key` (ascending, or descending with `desc`; text
 * case-insensitive), rows without a value last either way; rows with equal values keep their order.
 * An unknown key leaves the order as it is.
 * @param {import("./table_data.js").Table} table @param {number[]} rows
 * @param {string|null} key @param {boolean} [desc]
 * @returns {number[]} a new array.
 */
function sortRows(table, rows, key, desc = false) {
  const col = key === null ? undefined : table.columns.get(key);
  if (!col) return rows.slice();
  const values = col.values;
  const present = [];
  const missing = [];
  for (const i of rows) (values[i] === null || values[i] === undefined ? missing : present).push(i);
  const sign = desc ? -1 : 1;
  if (col.type === "string") {
    // Case-insensitive, by code unit: the same order in every browser and in Node.
    const lower = new Array(values.length);
    for (const i of present) lower[i] = String(values[i]).toLowerCase();
    present.sort((a, b) => {
      const x = lower[a];
      const y = lower[b];
      return x < y ? -sign : x > y ? sign : a - b;
    });
  } else {
    // Numbers, class indices and bools (false < true) as a typed array of numbers.
    const n = new Float64Array(values.length);
    for (const i of present) n[i] = Number(values[i]);
    present.sort((a, b) => sign * (n[a] - n[b]) || a - b);
  }
  for (const i of missing) present.push(i);
  return present;
}

/**
 * A group of shown rows: its key (class index, or "t,p"), its title, how many
 * rows it has, and where its rows start in the view's `rows`.
 * @typedef {{key:string, title:string, count:number, start:number}} RowGroup
 */

/**
 * `rows` (in their order) put in groups by the true class or the confusion
 * pair: groups by class index (then predicted index), rows without a class
 * last; inside a group the rows keep their order.
 * @param {import("./table_data.js").Table} table @param {number[]} rows @param {string} by one of GROUPINGS.
 * @returns {{rows:number[], groups:RowGroup[]}} the rows regrouped, and the groups (none when ungrouped).
 */
function groupRows(table, rows, by) {
  if (by !== "true" && by !== "pair") return { rows, groups: [] };
  const truth = table.columns.get("true")?.values ?? [];
  const predicted = table.columns.get("predicted")?.values ?? [];
  const buckets = new Map();
  for (const i of rows) {
    const t = truth[i] ?? null;
    const p = by === "pair" ? (predicted[i] ?? null) : null;
    const key = by === "pair" ? `${t ?? ""},${p ?? ""}` : `${t ?? ""}`;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { key, t, p, rows: [] }));
    bucket.rows.push(i);
  }
  const rank = (v) => (v === null ? Infinity : v);
  const ordered = [...buckets.values()].sort((a, b) => rank(a.t) - rank(b.t) || rank(a.p) - rank(b.p) || 0);
  const out = [];
  const groups = [];
  for (const b of ordered) {
    const title =
      by === "pair"
        ? `true ${className(table, b.t)} · predicted ${className(table, b.p)}`
        : `true ${className(table, b.t)}`;
    groups.push({ key: b.key, title, count: b.rows.length, start: out.length });
    for (const i of b.rows) out.push(i);
  }
  return { rows: out, groups };
}

/**
 * The part of `spec` that `table` can apply: a sort, range or value filter
 * on a column the table lacks (a link made on another step) is dropped, and
 * so is a class filter past the table's classes, rather than hiding every row.
 * @param {import("./table_data.js").Table} table @param {ViewSpec} spec
 * @returns {ViewSpec}
 */
function usableSpec(table, spec) {
  const out = { ...spec };
  const has = (key, types) => table.columns.has(key) && types.includes(table.columns.get(key).type);
  if (out.sort !== null && !table.columns.has(out.sort)) out.sort = null;
  if (out.range && !has(out.range.field, ["number"])) out.range = null;
  if (out.value && !has(out.value.field, ["string", "bool"])) out.value = null;
  const classes = classCount(table);
  if (out.trueClass !== null && (!table.columns.has("true") || out.trueClass >= classes)) out.trueClass = null;
  if (out.predicted !== null && (!table.columns.has("predicted") || out.predicted >= classes)) out.predicted = null;
  return out;
}

/**
 * What the grid shows for `spec`: the rows in order and their groups.
 * @param {import("./table_data.js").Table} table @param {ViewSpec} spec
 * @returns {{rows:number[], groups:RowGroup[]}}
 */
function tableView(table, spec) {
  const sorted = sortRows(table, filterRows(table, spec), spec.sort, spec.desc);
  return groupRows(table, sorted, spec.group);
}

/**
 * The summary bar's figures over the shown `rows`: the step's image count,
 * rows shown, their accuracy (null where no row says whether it is correct)
 * and their confusion matrix (matrix[t][p]: rows of true class t predicted p;
 * null without both class fields).
 * @param {import("./table_data.js").Table} table @param {number[]} rows
 * @returns {{images:number, shown:number, judged:number, correct:number, accuracy:number|null,
 *   classes:number, matrix:number[][]|null}}
 */
function summarize(table, rows) {
  const isCorrect = correctness(table);
  let judged = 0;
  let correct = 0;
  for (const i of rows) {
    const c = isCorrect(i);
    if (c === null) continue;
    judged++;
    if (c) correct++;
  }
  const truth = table.columns.get("true")?.values;
  const predicted = table.columns.get("predicted")?.values;
  let matrix = null;
  const classes = truth && predicted ? classCount(table) : 0;
  if (classes > 0) {
    matrix = Array.from({ length: classes }, () => new Array(classes).fill(0));
    for (const i of rows) {
      const t = truth[i];
      const p = predicted[i];
      if (Number.isInteger(t) && Number.isInteger(p) && t >= 0 && p >= 0) matrix[t][p]++;
    }
  }
  return {
    images: table.samples,
    shown: rows.length,
    judged,
    correct,
    accuracy: judged ? correct / judged : null,
    classes,
    matrix,
  };
}

export {
  GROUPINGS,
  CORRECTNESS,
  DEFAULT_SPEC,
  correctness,
  filterRows,
  sortRows,
  groupRows,
  tableView,
  summarize,
  usableSpec,
};
