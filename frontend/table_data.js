// A step's per-image table (the /table answer, http_api.md) read into one
// shape the grid sorts, filters, groups and exports from: ids, captions, typed
// fields and numeric scores as columns, one entry per row (row i is the image
// /sample?...&sample=i returns). An answer without fields (a step written
// before fields existed) is a table of ids and captions alone. No DOM: runs
// under Node's test runner (table_view.test.mjs).

/** Field types whose column holds one comparable value per row (a vector's holds nulls). */
const COLUMN_TYPES = Object.freeze(["class", "number", "bool", "string"]);

/**
 * One column the grid can sort by: a field, the id, the caption, or a mask's score.
 * `key` names it in the URL: the field's name, "id", "label", or "MASK/SCORE" (as
 * `tensorboard-saliency table --sort` names it); `title` is the same, the caption's "caption".
 * @typedef {{key:string, title:string, type:string, values:Array<*>}} TableColumn
 */

/**
 * A read table.
 * @typedef {{samples:number, ids:string[], labels:(string|null)[], classNames:string[]|null,
 *   fields:{name:string, type:string}[], columns:Map<string, TableColumn>,
 *   scores:TableColumn[], means:Object<string, Object<string, number>>,
 *   parts:{found:number, expected:number|null}|null}} Table
 * `means`: each mask's scores averaged over the rows that have them (the
 * step's batch means; /sample leaves them to the table for a step in parts).
 */

/**
 * A column of `samples` entries from `values` (missing entries null).
 * @param {*} values @param {number} samples @returns {Array<*>}
 */
function column(values, samples) {
  const out = new Array(samples);
  const list = Array.isArray(values) ? values : [];
  for (let i = 0; i < samples; i++) out[i] = list[i] ?? null;
  return out;
}

/**
 * Reads a /table answer. Fields of an unknown type, and vectors, are listed in
 * `fields` but get no column; `samples` falls back to the id column's length.
 * @param {object} answer the parsed JSON. @returns {Table}
 */
function readTable(answer) {
  const cols = answer?.columns ?? {};
  const samples = Number.isInteger(answer?.samples) ? answer.samples : (cols.id?.length ?? 0);
  const ids = column(cols.id, samples).map((id, i) => (id === null ? String(i) : String(id)));
  const labels = column(cols.label, samples);
  const fields = (Array.isArray(answer?.fields) ? answer.fields : []).filter(
    (f) => f && typeof f.name === "string" && typeof f.type === "string",
  );
  const columns = new Map();
  columns.set("id", { key: "id", title: "id", type: "string", values: ids });
  columns.set("label", { key: "label", title: "caption", type: "string", values: labels });
  for (const f of fields) {
    if (!COLUMN_TYPES.includes(f.type) || columns.has(f.name)) continue;
    columns.set(f.name, { key: f.name, title: f.name, type: f.type, values: column(cols[f.name], samples) });
  }
  const scores = [];
  const means = {};
  for (const [mask, byName] of Object.entries(answer?.scores ?? {})) {
    for (const [name, values] of Object.entries(byName ?? {})) {
      const key = `${mask}/${name}`;
      const entry = { key, title: key, type: "number", values: column(values, samples) };
      const average = mean(entry.values);
      if (average !== null) (means[mask] ??= {})[name] = average;
      if (columns.has(key)) continue; // a field of that name comes first
      scores.push(entry);
      columns.set(key, entry);
    }
  }
  const classNames = Array.isArray(answer?.class_names) ? answer.class_names.map(String) : null;
  const parts = answer?.parts && typeof answer.parts.found === "number" ? answer.parts : null;
  return { samples, ids, labels, classNames, fields, columns, scores, means, parts };
}

/** The mean of the numbers among `values`, or null when there are none. @param {Array<*>} values @returns {number|null} */
function mean(values) {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    sum += v;
    count++;
  }
  return count ? sum / count : null;
}

/**
 * The fields of `table` of one of `types`, in the table's order.
 * @param {Table} table @param {string[]} types @returns {TableColumn[]}
 */
function fieldsOfType(table, types) {
  return table.fields
    .filter((f) => types.includes(f.type) && table.columns.has(f.name))
    .map((f) => table.columns.get(f.name));
}

/**
 * The name of class `index`: its class name, else the index itself.
 * @param {Table} table @param {number|null} index @returns {string}
 */
function className(table, index) {
  if (index === null || index === undefined) return "none";
  return table.classNames?.[index] ?? String(index);
}

/**
 * How many classes the table's class fields span: the class names' count, or
 * one past the largest class index.
 * @param {Table} table @returns {number}
 */
function classCount(table) {
  let count = table.classNames?.length ?? 0;
  for (const c of fieldsOfType(table, ["class"])) {
    for (const v of c.values) if (typeof v === "number" && v >= count) count = v + 1;
  }
  return count;
}

/**
 * Each of `table`'s distinct values of a string or bool field, sorted, as text.
 * @param {Table} table @param {string} name @returns {string[]}
 */
function distinctValues(table, name) {
  const values = table.columns.get(name)?.values ?? [];
  const seen = new Set();
  for (const v of values) if (v !== null) seen.add(String(v));
  return [...seen].sort();
}

/**
 * Lines row i of the main table up with another table by image id: entry i is
 * the row of `other` with the id of row i of `main`, or -1 when `other` has no
 * such image. The grid's compared runs and steps read their images through it.
 * @param {string[]} mainIds @param {string[]} otherIds @returns {Int32Array}
 */
function alignByIds(mainIds, otherIds) {
  const index = new Map();
  for (let j = 0; j < otherIds.length; j++) if (!index.has(otherIds[j])) index.set(otherIds[j], j);
  const out = new Int32Array(mainIds.length);
  for (let i = 0; i < mainIds.length; i++) out[i] = index.get(mainIds[i]) ?? -1;
  return out;
}

export { COLUMN_TYPES, readTable, fieldsOfType, className, classCount, distinctValues, alignByIds };
