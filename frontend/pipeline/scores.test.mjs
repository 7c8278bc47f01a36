// Tests of pipeline/scores.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { batchScores, chartRange, compactScores, curvePairs, polylinePoints, scoreLines } from "./scores.js";

const SCORES = {
  deletion_auc: 0.1234,
  deletion_random_auc: 0.31,
  deletion_curve: [1, 0.5, 0],
  deletion_random_curve: [1, 0.75, 0.5],
  insertion_auc: 0.78,
  insertion_curve: [0, 0.5, 1],
  infidelity: 2.5,
  "<b>x</b>": 7,
};

test("lines: known kinds first with their random baseline, then other numbers", () => {
  const lines = scoreLines(SCORES).map((l) => l.text);
  assert.deepEqual(lines, [
    "deletion AUC 0.123 · random 0.31 (lower is better)",
    "insertion AUC 0.78 (higher is better)",
    "infidelity 2.5",
    "<b>x</b> 7",
  ]);
  assert.match(scoreLines(SCORES)[0].title, /lower is better/);
  assert.match(scoreLines(SCORES)[1].title, /higher is better/);
  assert.deepEqual(scoreLines(undefined), []);
  assert.deepEqual(scoreLines({}), []);
});

test("compact grid captions", () => {
  assert.equal(compactScores(SCORES).text, "del 0.123 · ins 0.78");
  assert.match(compactScores(SCORES).title, /^deletion AUC 0.123/);
  assert.deepEqual(compactScores({ infidelity: 1 }).text, "");
  assert.deepEqual(compactScores(undefined), { text: "", title: "" });
});

test("curves pair with their random twin", () => {
  assert.deepEqual(curvePairs(SCORES), [
    { name: "deletion", curve: [1, 0.5, 0], random: [1, 0.75, 0.5] },
    { name: "insertion", curve: [0, 0.5, 1], random: null },
  ]);
  assert.deepEqual(curvePairs({ deletion_auc: 1 }), []);
});

test("chart range and points", () => {
  assert.deepEqual(chartRange([[0.2, 0.5]]), [0, 1]);
  assert.deepEqual(chartRange([[-2, 3]]), [-2, 3]);
  assert.equal(polylinePoints([1, 0.5, 0], 100, 50, [0, 1]), "0,0 50,25 100,50");
  assert.equal(polylinePoints([-2, 3], 10, 10, [-2, 3]), "0,10 10,0");
});

test("batch means under a column title", () => {
  const means = { deletion_auc: 0.15, deletion_random_auc: 0.33, insertion_auc: 0.8, other: 2 };
  assert.equal(batchScores(means).text, "mean del 0.15 (random 0.33) · ins 0.8");
  assert.match(batchScores(means).title, /deletion AUC: mean over the batch, lower is better/);
  assert.equal(batchScores({ other: 2 }).text, "");
  assert.equal(batchScores(undefined).text, "");
});
