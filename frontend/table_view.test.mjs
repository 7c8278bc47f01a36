// Tests of table_data.js and table_view.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { alignByIds, classCount, distinctValues, readTable } from "./table_data.js";
import { DEFAULT_SPEC, filterRows, groupRows, sortRows, summarize, tableView, usableSpec } from "./table_view.js";

/** The /table answer of http_api.md's example, with two more rows. */
const ANSWER = {
  run: "train",
  tag: "val/shapes",
  step: 40,
  samples: 6,
  parts: { found: 2, expected: 2 },
  masks: ["ig", "grad_cam"],
  class_names: ["circle", "square", "triangle"],
  fields: [
    { name: "true", type: "class" },
    { name: "predicted", type: "class" },
    { name: "confidence", type: "number" },
    { name: "loss", type: "number" },
    { name: "correct", type: "bool" },
    { name: "probabilities", type: "vector" },
    { name: "site", type: "string" },
  ],
  columns: {
    id: ["r0:0", "r0:1", "r1:0", "r1:1", "r1:2", "r1:3"],
    label: ["A Circle", "a square?", null, "Triangle, big", "circle", "SQUARE"],
    true: [0, 2, 1, 1, 0, 1],
    predicted: [0, 1, 1, null, 2, 0],
    confidence: [0.97, 0.55, 0.91, null, 0.4, 0.55],
    loss: [0.03, 1.2, 0.09, null, 2.5, 0.8],
    correct: [true, false, true, null, false, false],
    probabilities: [null, null, null, null, null, null],
    site: ["A", "B", "B", null, "A", "C"],
  },
  scores: { grad_cam: { deletion_auc: [0.1, 0.3, 0.2, 0.25, null, 0.3] } },
};

const spec = (changes) => ({ ...DEFAULT_SPEC, ...changes });

test("readTable: columns for ids, captions, typed fields and scores; vectors listed without a column", () => {
  const t = readTable(ANSWER);
  assert.equal(t.samples, 6);
  assert.deepEqual(
    [...t.columns.keys()],
    ["id", "label", "true", "predicted", "confidence", "loss", "correct", "site", "grad_cam/deletion_auc"],
  );
  assert.equal(t.fields.length, 7);
  assert.deepEqual(t.classNames, ["circle", "square", "triangle"]);
  assert.equal(classCount(t), 3);
  assert.deepEqual(distinctValues(t, "site"), ["A", "B", "C"]);
  assert.deepEqual(distinctValues(t, "correct"), ["false", "true"]);
  // The step's batch means: over the rows that have the score.
  assert.deepEqual(Object.keys(t.means), ["grad_cam"]);
  assert.ok(Math.abs(t.means.grad_cam.deletion_auc - 1.15 / 5) < 1e-12);
  assert.deepEqual(readTable({ samples: 1, scores: { ig: { deletion_auc: [null] } } }).means, {});
});

test("readTable: a step without fields (old logs) has ids and captions alone, and every view works", () => {
  const t = readTable({ samples: 3, fields: [], columns: { id: ["0", "1", "2"], label: ["x", null, "y"] } });
  assert.deepEqual([...t.columns.keys()], ["id", "label"]);
  assert.deepEqual(tableView(t, spec({ sort: "label", desc: true })).rows, [2, 0, 1]);
  assert.deepEqual(tableView(t, spec({ correct: "wrong", trueClass: 1 })).rows, []);
  assert.deepEqual(tableView(t, spec({ group: "pair" })).rows, [0, 1, 2]);
  const s = summarize(t, [0, 1, 2]);
  assert.equal(s.accuracy, null);
  assert.equal(s.matrix, null);
  assert.equal(s.images, 3);
});

test("readTable: without ids, rows go by their index; short columns are padded with nulls", () => {
  const t = readTable({ samples: 2, columns: { label: ["only one"] } });
  assert.deepEqual(t.ids, ["0", "1"]);
  assert.deepEqual(t.labels, ["only one", null]);
});

test("sortRows: ascending and descending, rows without a value last, ties in the step's order", () => {
  const t = readTable(ANSWER);
  const all = [0, 1, 2, 3, 4, 5];
  assert.deepEqual(sortRows(t, all, "confidence"), [4, 1, 5, 2, 0, 3]);
  assert.deepEqual(sortRows(t, all, "confidence", true), [0, 2, 1, 5, 4, 3]);
  assert.deepEqual(sortRows(t, all, "grad_cam/deletion_auc", true), [1, 5, 3, 2, 0, 4]);
  assert.deepEqual(sortRows(t, all, "site"), [0, 4, 1, 2, 5, 3]);
  assert.deepEqual(sortRows(t, all, "site", true), [5, 1, 2, 0, 4, 3]);
  assert.deepEqual(sortRows(t, all, "correct"), [1, 4, 5, 0, 2, 3]);
  assert.deepEqual(sortRows(t, all, "label"), [0, 1, 4, 5, 3, 2]);
  assert.deepEqual(sortRows(t, all, "nope"), all);
  assert.deepEqual(sortRows(t, all, null), all);
});

test("filterRows: correct and wrong, true and predicted class, a confusion pair", () => {
  const t = readTable(ANSWER);
  assert.deepEqual(filterRows(t, spec({ correct: "correct" })), [0, 2]);
  assert.deepEqual(filterRows(t, spec({ correct: "wrong" })), [1, 4, 5]);
  assert.deepEqual(filterRows(t, spec({ trueClass: 1 })), [2, 3, 5]);
  assert.deepEqual(filterRows(t, spec({ predicted: 1 })), [1, 2]);
  assert.deepEqual(filterRows(t, spec({ trueClass: 1, predicted: 0 })), [5]);
});

test("filterRows: correctness from true and predicted when there is no correct field", () => {
  const answer = structuredClone(ANSWER);
  answer.fields = answer.fields.filter((f) => f.name !== "correct");
  delete answer.columns.correct;
  const t = readTable(answer);
  assert.deepEqual(filterRows(t, spec({ correct: "correct" })), [0, 2]);
  assert.deepEqual(filterRows(t, spec({ correct: "wrong" })), [1, 4, 5]);
});

test("filterRows: a numeric range (bounds included, open ends), a string or bool value, caption text", () => {
  const t = readTable(ANSWER);
  assert.deepEqual(filterRows(t, spec({ range: { field: "loss", min: 0.09, max: 1.2 } })), [1, 2, 5]);
  assert.deepEqual(filterRows(t, spec({ range: { field: "loss", min: 1, max: null } })), [1, 4]);
  assert.deepEqual(filterRows(t, spec({ range: { field: "grad_cam/deletion_auc", min: null, max: 0.2 } })), [0, 2]);
  assert.deepEqual(filterRows(t, spec({ value: { field: "site", value: "B" } })), [1, 2]);
  assert.deepEqual(filterRows(t, spec({ value: { field: "correct", value: "false" } })), [1, 4, 5]);
  assert.deepEqual(filterRows(t, spec({ text: "CIRCLE" })), [0, 4]);
  assert.deepEqual(filterRows(t, spec({ text: "square", correct: "wrong" })), [1, 5]);
  assert.deepEqual(filterRows(t, spec({ range: { field: "unknown", min: 0, max: 1 } })), []);
});

test("groupRows: by true class and by confusion pair, with counts, rows in their sorted order", () => {
  const t = readTable(ANSWER);
  const sorted = sortRows(t, [0, 1, 2, 3, 4, 5], "loss", true);
  const byTrue = groupRows(t, sorted, "true");
  assert.deepEqual(
    byTrue.groups.map((g) => [g.title, g.count, g.start]),
    [
      ["true circle", 2, 0],
      ["true square", 3, 2],
      ["true triangle", 1, 5],
    ],
  );
  assert.deepEqual(byTrue.rows, [4, 0, 5, 2, 3, 1]);
  const byPair = groupRows(t, sorted, "pair");
  assert.deepEqual(
    byPair.groups.map((g) => [g.title, g.count]),
    [
      ["true circle · predicted circle", 1],
      ["true circle · predicted triangle", 1],
      ["true square · predicted circle", 1],
      ["true square · predicted square", 1],
      ["true square · predicted none", 1],
      ["true triangle · predicted square", 1],
    ],
  );
  assert.deepEqual(groupRows(t, sorted, "none"), { rows: sorted, groups: [] });
});

test("summarize: images, shown, accuracy over the shown rows, confusion matrix counts", () => {
  const t = readTable(ANSWER);
  const all = summarize(t, [0, 1, 2, 3, 4, 5]);
  assert.equal(all.images, 6);
  assert.equal(all.shown, 6);
  assert.equal(all.judged, 5);
  assert.equal(all.accuracy, 2 / 5);
  assert.deepEqual(all.matrix, [
    [1, 0, 1],
    [1, 1, 0],
    [0, 1, 0],
  ]);
  const some = summarize(t, filterRows(t, spec({ trueClass: 1 })));
  assert.equal(some.shown, 3);
  assert.equal(some.accuracy, 1 / 2);
  assert.deepEqual(some.matrix[1], [1, 1, 0]);
  assert.equal(summarize(t, []).accuracy, null);
});

test("usableSpec: a sort or filter on a column the table lacks is dropped, the rest kept", () => {
  const t = readTable(ANSWER);
  const wanted = spec({
    sort: "nope",
    range: { field: "site", min: 0, max: 1 },
    value: { field: "age", value: "3" },
    trueClass: 7,
    predicted: 1,
    correct: "wrong",
  });
  assert.deepEqual(usableSpec(t, wanted), spec({ predicted: 1, correct: "wrong" }));
  const fine = spec({
    sort: "loss",
    range: { field: "confidence", min: 0.5, max: null },
    value: { field: "correct", value: "true" },
  });
  assert.deepEqual(usableSpec(t, fine), fine);
});

test("alignByIds: each row's row in the other table by id, -1 where it lacks the image", () => {
  assert.deepEqual([...alignByIds(["a", "b", "c", "d"], ["c", "a", "x", "b"])], [1, 3, 0, -1]);
});

test("tableView over 50,000 rows sorts and filters well under 150 ms", () => {
  const n = 50000;
  const rand = mulberry32(7);
  const answer = {
    samples: n,
    class_names: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
    fields: [
      { name: "true", type: "class" },
      { name: "predicted", type: "class" },
      { name: "loss", type: "number" },
      { name: "correct", type: "bool" },
    ],
    columns: { id: [], label: [], true: [], predicted: [], loss: [], correct: [] },
    scores: { m: { deletion_auc: [] } },
  };
  const c = answer.columns;
  for (let i = 0; i < n; i++) {
    const t = Math.floor(rand() * 10);
    const p = rand() < 0.8 ? t : Math.floor(rand() * 10);
    c.id.push(`r:${i}`);
    c.label.push(`true: ${t} pred: ${p}`);
    c.true.push(t);
    c.predicted.push(p);
    c.loss.push(rand() < 0.01 ? null : rand() * 3);
    c.correct.push(t === p);
    answer.scores.m.deletion_auc.push(rand());
  }
  const table = readTable(answer);
  const started = performance.now();
  const view = tableView(
    table,
    spec({ sort: "loss", desc: true, correct: "wrong", range: { field: "loss", min: 0.1, max: null } }),
  );
  const ms = performance.now() - started;
  assert.ok(view.rows.length > 5000);
  for (let k = 1; k < view.rows.length; k++) assert.ok(c.loss[view.rows[k - 1]] >= c.loss[view.rows[k]]);
  assert.ok(ms < 150, `${ms.toFixed(1)} ms`);
});

/** A seeded random number generator (mulberry32). */
function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
