// The shown rows of a grid as CSV (RFC 4180: comma-separated, CRLF line
// ends, a field with a comma, quote, line break or edge space quoted with its
// quotes doubled), readable by pandas.read_csv: a header line, then one line
// per row in the grid's order with its id, caption, every field that has a
// column (class fields as class indices) and every numeric score
// ("MASK SCORE"). A missing value is an empty field. No DOM: runs under
// Node's test runner (table_csv.test.mjs).

/**
 * One CSV field.
 * @param {*} value @returns {string}
 */
function csvField(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV of `rows` of `table`.
 * @param {import("./table_data.js").Table} table @param {number[]} rows
 * @returns {string}
 */
function tableCsv(table, rows) {
  const columns = [...table.columns.values()];
  const lines = [columns.map((c) => csvField(c.key === "label" ? "label" : c.title)).join(",")];
  for (const i of rows) lines.push(columns.map((c) => csvField(c.values[i])).join(","));
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
