// The shown rows of a grid as CSV (RFC 4180: comma-separated, CRLF line
// ends, a field with a comma, quote or line break quoted with its quotes
// doubled), readable by pandas.read_csv, with the columns `tensorboard-saliency
// table` writes (table_export.py): a header line, then one line per row in the
// grid's order with its id, its caption (`label`), every field that has a
// column (a class field as its index, followed by `FIELD_name` when the step
// names its classes; bools true/false), then every numeric score
// (`MASK/SCORE`). A missing value is an empty field. No DOM: runs under
// Node's test runner (table_url.test.mjs).

import { fieldsOfType } from "./table_data.js";

/**
 * One CSV field.
 * @param {*} value @returns {string}
 */
function csvField(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV of `rows` of `table`.
 * @param {import("./table_data.js").Table} table @param {number[]} rows
 * @returns {string}
 */
function tableCsv(table, rows) {
  const named = table.classNames?.length ? table.classNames : null;
  // [header, value of row i] per CSV column.
  const columns = [
    ["id", (i) => table.ids[i]],
    ["label", (i) => table.labels[i]],
  ];
  for (const f of fieldsOfType(table, ["class", "number", "bool", "string"])) {
    columns.push([f.key, (i) => f.values[i]]);
    if (f.type === "class" && named) columns.push([`${f.key}_name`, (i) => named[f.values[i]] ?? null]);
  }
  for (const s of table.scores) columns.push([s.key, (i) => s.values[i]]);
  const lines = [columns.map(([name]) => csvField(name)).join(",")];
  for (const i of rows) lines.push(columns.map(([, value]) => csvField(value(i))).join(","));
  return lines.join("\r\n") + "\r\n";
}

/**
 * The file name of a grid's CSV: run, tag and step, with characters that do
 * not belong in a file name replaced.
 * @param {string} run @param {string} tag @param {number} step @returns {string}
 */
function csvName(run, tag, step) {
  return `${run}_${tag}_step${step}.csv`.replace(/[^\w.-]+/g, "_");
}

export { csvField, tableCsv, csvName };
