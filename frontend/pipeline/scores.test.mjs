// Tests of pipeline/scores.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { scoreNames } from "../testing.mjs";
import { CELL_KNOWN, ScoreCatalog, chartRange, curveLegend, polylinePoints } from "./scores.js";

const catalog = new ScoreCatalog(scoreNames);
const scoreLines = (s) => catalog.lines(s);
const compactScores = (s) => catalog.compact(s);
const batchLines = (s) => catalog.batchLines(s);
const curvePairs = (s) => catalog.curvePairs(s);

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
    /^deletion AUC 0.123 \(lower is better\): area under .*removed first; random 0.31: the same for a random map/,
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
    {
      name: "deletion",
      label: "deletion AUC",
      curve: [1, 0.5, 0],
      random: [1, 0.75, 0.5],
      auc: 0.1234,
      randomAuc: 0.31,
    },
    { name: "insertion", label: "insertion AUC", curve: [0, 0.5, 1], random: null, auc: 0.78, randomAuc: null },
    { name: "sensitivity", label: "sensitivity AUC", curve: [3, 2], random: null, auc: null, randomAuc: null },
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

// One mask's scores for one image with every known score of issue 30 (the
// localisation scores with their random maps, ROAD) and nulls where an image has none.
const LOCALISED = {
  pointing_game: 1,
  pointing_game_random: 0.19,
  relevance_mass: 0.642,
  relevance_mass_random: 0.2,
  relevance_rank: null,
  relevance_rank_random: null,
  attribution_localisation: 0.5,
  top_k_intersection: 0.75,
  top_k_intersection_random: 0.25,
  mass_ratio: 3.2,
  mass_ratio_random: 1.01,
  road_morf_auc: 0.31,
  road_morf_random_auc: 0.45,
  road_lerf_auc: 0.72,
  road_lerf_random_auc: 0.6,
  road_combined: 0.21,
  road_morf_curve: [0.9, 0.3, 0.1],
  road_morf_random_curve: [0.9, 0.6, 0.4],
  road_lerf_curve: [0.9, 0.8, 0.7],
  road_lerf_random_curve: [0.9, 0.7, 0.5],
};

test("scores.json lists every known score of the contract, each with its direction, baseline, curves and group", () => {
  const byName = new Map(catalog.known.map((k) => [k.name, k]));
  const localisation = [
    "pointing_game",
    "relevance_mass",
    "relevance_rank",
    "attribution_localisation",
    "top_k_intersection",
    "mass_ratio",
  ];
  assert.deepEqual(
    [...byName.keys()],
    ["deletion_auc", "insertion_auc", ...localisation, "road_morf_auc", "road_lerf_auc", "road_combined"],
  );
  for (const name of localisation) {
    const k = byName.get(name);
    assert.deepEqual([k.direction, k.random, k.group, k.curve], ["higher", `${name}_random`, "localisation", null]);
  }
  const road = ["road_morf_auc", "road_lerf_auc", "road_combined"].map((n) => byName.get(n));
  assert.deepEqual(
    road.map((k) => [k.line, k.direction, k.random, k.curve, k.random_curve, k.group]),
    [
      ["ROAD", "lower", "road_morf_random_auc", "road_morf_curve", "road_morf_random_curve", "faithfulness"],
      ["ROAD", "higher", "road_lerf_random_auc", "road_lerf_curve", "road_lerf_random_curve", "faithfulness"],
      ["ROAD", "higher", null, null, null, "faithfulness"],
    ],
  );
  assert.deepEqual(
    ["deletion_auc", "insertion_auc"].map((n) => byName.get(n).direction),
    ["lower", "higher"],
  );
  for (const k of catalog.known) {
    assert.ok(k.short && k.label && k.meaning, k.name);
    assert.ok(["faithfulness", "localisation"].includes(k.group), k.name);
  }
  assert.ok(catalog.isKnown("road_lerf_random_curve") && catalog.isKnown("pointing_game_random"));
  assert.ok(!catalog.isKnown("infidelity"));
});

test("lines: localisation scores with their direction and random baseline, ROAD on one line; nulls left out", () => {
  const lines = scoreLines({ ...LOCALISED, infidelity: 2 });
  assert.deepEqual(
    lines.map((l) => l.text),
    [
      "pointing game 1 · random 0.19 (higher is better)",
      "relevance mass 0.642 · random 0.2 (higher is better)",
      "attribution localisation 0.5 (higher is better)",
      "top-k intersection 0.75 · random 0.25 (higher is better)",
      "mass ratio 3.2 · random 1.01 (higher is better)",
      "ROAD MoRF AUC 0.31 · random 0.45 (lower is better) · LeRF AUC 0.72 · random 0.6 (higher is better)" +
        " · combined 0.21 (higher is better)",
      "infidelity 2",
    ],
  );
  assert.match(
    lines[0].title,
    /^pointing game 1 \(higher is better\): 1 when the map's maximum lies inside the region/,
  );
  assert.match(lines[0].title, /; random 0.19: the same for a random map \(chance\)$/);
  const road = lines[5].title.split("\n");
  assert.equal(road.length, 3);
  assert.match(road[0], /^ROAD MoRF AUC 0.31 \(lower is better\): .*most relevant first/);
  assert.match(road[2], /^ROAD combined 0.21 \(higher is better\)/);
  // A random baseline without its score shows nothing; a null score neither.
  assert.deepEqual(scoreLines({ pointing_game: null, pointing_game_random: 0.2 }), []);
  assert.deepEqual(
    scoreLines({ road_lerf_auc: 0.7, road_combined: null }).map((l) => l.text),
    ["ROAD LeRF AUC 0.7 (higher is better)"],
    "a line of shared scores starts with its name whichever of them is first",
  );
  assert.deepEqual(
    scoreLines({ deletion_auc: 0.2, pointing_game: 0, relevance_mass: 0.3 }).map((l) => l.text),
    [
      "deletion AUC 0.2 (lower is better)",
      "pointing game 0 (higher is better)",
      "relevance mass 0.3 (higher is better)",
    ],
    "localisation beside deletion, in the catalog's order",
  );
});

test("compact grid captions: the first known scores present, by their short names; nulls skipped", () => {
  const both = { deletion_auc: 0.12, insertion_auc: 0.78, ...LOCALISED };
  const compact = compactScores(both);
  assert.equal(CELL_KNOWN, 4);
  assert.deepEqual(compact.chunks, ["del 0.12", "ins 0.78", "point 1", "mass 0.642"]);
  assert.equal(
    compact.title,
    scoreLines(both)
      .map((l) => l.text)
      .join("\n"),
    "every score in the title",
  );
  assert.deepEqual(compactScores(LOCALISED).chunks, ["point 1", "mass 0.642", "loc 0.5", "top-k 0.75"]);
  assert.deepEqual(compactScores({ road_morf_auc: 0.3, road_lerf_auc: 0.7, road_combined: 0.2 }).chunks, [
    "MoRF 0.3",
    "LeRF 0.7",
    "comb 0.2",
  ]);
  assert.deepEqual(compactScores({ pointing_game: null, infidelity: 1 }).chunks, ["infidelity 1"]);
});

test("batch means: a line per localisation score with its random mean, ROAD on one line", () => {
  const lines = batchLines({ pointing_game: 0.75, pointing_game_random: 0.2, mass_ratio: null, ...pick(LOCALISED) });
  assert.deepEqual(
    lines.map((l) => l.chunks),
    [
      ["point 0.75", "random 0.2"],
      ["ROAD MoRF 0.31", "random 0.45", "LeRF 0.72", "random 0.6", "comb 0.21"],
    ],
  );
  assert.match(lines[0].title, /^mean over the batch of the pointing game 0.75 \(higher is better\)/);
  assert.equal(lines[1].title.split("\n").length, 3);
});

// The ROAD numbers of LOCALISED.
function pick(scores) {
  return Object.fromEntries(Object.entries(scores).filter(([n, v]) => n.startsWith("road_") && !Array.isArray(v)));
}

test("ROAD curves pair with their random twins, after deletion and insertion, named in the legend", () => {
  const pairs = curvePairs({ ...LOCALISED, ...SCORES });
  assert.deepEqual(
    pairs.map((p) => p.name),
    ["deletion", "insertion", "road_morf", "road_lerf", "sensitivity"],
  );
  const [, , morf, lerf] = pairs;
  assert.deepEqual(morf, {
    name: "road_morf",
    label: "ROAD MoRF AUC",
    curve: [0.9, 0.3, 0.1],
    random: [0.9, 0.6, 0.4],
    auc: 0.31,
    randomAuc: 0.45,
  });
  assert.deepEqual(curveLegend(morf), { curve: "ROAD MoRF AUC 0.31", random: "random 0.45" });
  assert.deepEqual(curveLegend({ ...lerf, auc: null }), { curve: "ROAD LeRF", random: "random 0.6" });
});

test("an empty catalog shows every score under its own name", () => {
  const none = new ScoreCatalog(null);
  assert.deepEqual(
    none.lines({ deletion_auc: 0.1, pointing_game: 1 }).map((l) => l.text),
    ["deletion_auc 0.1", "pointing_game 1"],
  );
  assert.deepEqual(
    none.curvePairs({ deletion_curve: [1, 0] }).map((p) => p.label),
    ["deletion AUC"],
  );
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
