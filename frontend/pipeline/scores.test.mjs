// Tests of pipeline/scores.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  batchLines,
  chartRange,
  compactScores,
  curveLegend,
  curvePairs,
  polylinePoints,
  scoreLines,
} from "./scores.js";

// Written in an order that is not the shown one: other names first, insertion before deletion.
const SCORES = {
  infidelity: 2.5,
  insertion_auc: 0.78,
  insertion_curve: [0, 0.5, 1],
  deletion_curve: [1, 0.5, 0],
  "<b>x</b>": 7,
  deletion_auc: 0.1234,
  deletion_random_auc: 0.31,
  deletion_random_curve: [1, 0.75, 0.5],
  sensitivity_curve: [3, 2],
};

test("lines: deletion then insertion with their random baseline and direction, then other numbers in order", () => {
  const lines = scoreLines(SCORES);
  assert.deepEqual(
    lines.map((l) => l.text),
    [
      "deletion AUC 0.123 · random 0.31 (lower is better)",
      "insertion AUC 0.78 (higher is better)",
      "infidelity 2.5",
      "<b>x</b> 7",
    ],
  );
  assert.match(
    lines[0].title,
    /^deletion AUC 0.123 \(lower is better\): area under .*removed first; random 0.31: .*random pixel order/,
  );
  assert.match(lines[1].title, /higher is better.*restored first onto a blurred copy$/);
  assert.equal(lines[3].title, "<b>x</b>");
  assert.deepEqual(scoreLines(undefined), []);
  assert.deepEqual(scoreLines({}), []);
  assert.deepEqual(scoreLines({ deletion_curve: [1, 0] }), [], "a curve alone makes no line");
});

test("numbers keep 3 significant digits, tiny and huge ones an exponent", () => {
  const texts = scoreLines({ a: 0.000123456, b: 123456789, c: 0, d: 1 / 3 }).map((l) => l.text);
  assert.deepEqual(texts, ["a 1.23e-4", "b 1.23e+8", "c 0", "d 0.333"]);
});

test("compact grid captions: known kinds; else the first other numbers; full wording in the title", () => {
  assert.equal(compactScores(SCORES).text, "del 0.123 · ins 0.78");
  assert.deepEqual(compactScores(SCORES).chunks, ["del 0.123", "ins 0.78"]);
  assert.equal(
    compactScores(SCORES).title,
    scoreLines(SCORES)
      .map((l) => l.text)
      .join("\n"),
  );
  assert.equal(compactScores({ insertion_auc: 0.5 }).text, "ins 0.5");
  assert.equal(compactScores({ infidelity: 1, "<i>y</i>": 2, third: 3 }).text, "infidelity 1 · <i>y</i> 2");
  assert.deepEqual(compactScores({ deletion_curve: [1, 0] }), { chunks: [], text: "", title: "" });
  assert.deepEqual(compactScores(undefined), { chunks: [], text: "", title: "" });
});

test("batch means under a column title: one line per kind with its random baseline, then the others", () => {
  const means = { other: 2, insertion_auc: 0.8, deletion_auc: 0.15, deletion_random_auc: 0.33 };
  const lines = batchLines(means);
  assert.deepEqual(
    lines.map((l) => l.chunks),
    [["del 0.15", "random 0.33"], ["ins 0.8"], ["other 2"]],
  );
  assert.equal(lines[0].text, "del 0.15 · random 0.33");
  assert.match(lines[0].title, /^mean over the batch of the deletion AUC 0.15 \(lower is better\)/);
  assert.match(lines[1].title, /insertion AUC 0.8 \(higher is better\)/);
  assert.equal(lines[2].title, "other: mean over the batch");
  assert.deepEqual(batchLines({}), []);
  assert.deepEqual(batchLines(undefined), []);
});

test("curves pair with their random twin and AUCs, deletion and insertion first", () => {
  assert.deepEqual(curvePairs(SCORES), [
    { name: "deletion", curve: [1, 0.5, 0], random: [1, 0.75, 0.5], auc: 0.1234, randomAuc: 0.31 },
    { name: "insertion", curve: [0, 0.5, 1], random: null, auc: 0.78, randomAuc: null },
    { name: "sensitivity", curve: [3, 2], random: null, auc: null, randomAuc: null },
  ]);
  assert.deepEqual(curvePairs({ deletion_auc: 1 }), []);
  assert.deepEqual(curvePairs({ deletion_random_curve: [1, 0] }), [], "a random curve alone is no pair");
  assert.deepEqual(curvePairs(undefined), []);
});

test("legend of a pair", () => {
  const [del, ins, other] = curvePairs(SCORES);
  assert.deepEqual(curveLegend(del), { curve: "deletion AUC 0.123", random: "random 0.31" });
  assert.deepEqual(curveLegend(ins), { curve: "insertion AUC 0.78", random: null });
  assert.deepEqual(curveLegend(other), { curve: "sensitivity", random: null });
  assert.deepEqual(curveLegend({ ...other, random: [1] }), { curve: "sensitivity", random: "random" });
});

test("chart range and points", () => {
  assert.deepEqual(chartRange([[0.2, 0.5]]), [0, 1]);
  assert.deepEqual(chartRange([[-2, 3]]), [-2, 3]);
  assert.deepEqual(chartRange([[NaN, 0.5]]), [0, 1]);
  assert.equal(polylinePoints([1, 0.5, 0], 100, 50, [0, 1]), "0,0 50,25 100,50");
  assert.equal(polylinePoints([-2, 3], 10, 10, [-2, 3]), "0,10 10,0");
  assert.equal(polylinePoints([1, NaN, 0], 100, 50, [0, 1]), "0,0 100,50", "a missing value leaves its point out");
  assert.equal(polylinePoints([0.25], 100, 40, [0, 1]), "0,30");
  assert.equal(polylinePoints([], 100, 40, [0, 1]), "");
});
