// Times the grid's table view (frontend/table_view.js) in Node on a synthetic
// step of 50,000 rows (10 classes, 80% correct, a loss, a string field, a
// score) and prints each figure as a ratio against a baseline measured in the
// same run: Array.prototype.sort of 50,000 random numbers. Each time is the
// median of several runs.
//
//   node benchmarks/bench_table.mjs [--rows 50000] [--repeat 15]

import { tableCsv } from "../frontend/table_csv.js";
import { readTable } from "../frontend/table_data.js";
import { DEFAULT_SPEC, filterRows, summarize, tableView } from "../frontend/table_view.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg("rows", 50000);
const REPEAT = arg("repeat", 15);

/** A seeded random number generator (mulberry32). */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A /table answer of `n` rows. */
function answer(n) {
  const rand = random(1);
  const names = Array.from({ length: 10 }, (_, k) => `class ${k}`);
  const c = { id: [], label: [], true: [], predicted: [], loss: [], correct: [], site: [] };
  const auc = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(rand() * 10);
    const p = rand() < 0.8 ? t : Math.floor(rand() * 10);
    c.id.push(`rank${i % 4}:${i}`);
    c.label.push(`true: ${names[t]} · pred: ${names[p]}`);
    c.true.push(t);
    c.predicted.push(p);
    c.loss.push(rand() < 0.01 ? null : rand() * 3);
    c.correct.push(t === p);
    c.site.push(`site ${Math.floor(rand() * 5)}`);
    auc.push(rand());
  }
  return {
    samples: n,
    class_names: names,
    fields: [
      { name: "true", type: "class" },
      { name: "predicted", type: "class" },
      { name: "loss", type: "number" },
      { name: "correct", type: "bool" },
      { name: "site", type: "string" },
    ],
    columns: c,
    scores: { grad_cam: { deletion_auc: auc } },
  };
}

/** The median time of `fn` over REPEAT runs (after one warm-up run), in ms. */
function median(fn) {
  fn();
  const times = [];
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const table = readTable(answer(ROWS));
const numbers = Array.from({ length: ROWS }, random(2));
const baseline = median(() => numbers.slice().sort((a, b) => a - b));
const spec = (changes) => ({ ...DEFAULT_SPEC, ...changes });
const all = filterRows(table, DEFAULT_SPEC);
const cases = [
  ["sort by loss, descending", () => tableView(table, spec({ sort: "loss", desc: true }))],
  ["sort by a string field", () => tableView(table, spec({ sort: "site" }))],
  ["sort by caption", () => tableView(table, spec({ sort: "label" }))],
  [
    "filter wrong + loss range, sort by loss",
    () => tableView(table, spec({ correct: "wrong", range: { field: "loss", min: 0.5, max: null }, sort: "loss" })),
  ],
  [
    "filter caption text, sort by score",
    () => tableView(table, spec({ text: "CLASS 3", sort: "grad_cam/deletion_auc" })),
  ],
  ["group by confusion pair, sorted by loss", () => tableView(table, spec({ group: "pair", sort: "loss" }))],
  ["summary (accuracy, confusion matrix)", () => summarize(table, all)],
  ["CSV of every row", () => tableCsv(table, all)],
];

console.log(
  `${ROWS} rows; baseline: Array.prototype.sort of ${ROWS} numbers = ${baseline.toFixed(2)} ms (median of ${REPEAT})`,
);
console.log("| operation | ms | × baseline |");
console.log("|---|---:|---:|");
for (const [name, fn] of cases) {
  const ms = median(fn);
  console.log(`| ${name} | ${ms.toFixed(2)} | ${(ms / baseline).toFixed(2)} |`);
}
