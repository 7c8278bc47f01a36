// A mask's scores (how far to trust it) as the page shows them: text lines,
// compact grid captions, the batch means under a grid column, and the points of
// its curves. Scores arrive per mask as {name: number | number[]} (see
// tensorboard_plugin_saliency/scores.py); any name may appear, and every name is
// text to show, never markup.

import { formatValue } from "./format.js";

/** The curve kinds the faithfulness module writes, which way is better, and
 * what the curve is (for titles). */
const KINDS = Object.freeze([
  {
    kind: "deletion",
    short: "del",
    better: "lower",
    what: "the model's probability as the most salient pixels are removed first",
  },
  {
    kind: "insertion",
    short: "ins",
    better: "higher",
    what: "the model's probability as the most salient pixels are restored first onto a blurred copy",
  },
]);

/** How many other (not deletion / insertion) numbers a grid cell shows when it has no known kind. */
const CELL_OTHERS = 2;

/** Names that belong to a known kind (shown on that kind's line, not alone). */
function kindNames(kind) {
  return [`${kind}_auc`, `${kind}_random_auc`, `${kind}_curve`, `${kind}_random_curve`];
}

const KNOWN = new Set(KINDS.flatMap(({ kind }) => kindNames(kind)));

const isNumber = (v) => typeof v === "number";

/** The known kinds whose AUC `scores` holds, in KINDS order. */
function presentKinds(scores) {
  return scores ? KINDS.filter(({ kind }) => isNumber(scores[`${kind}_auc`])) : [];
}

/** The numbers of `scores` that belong to no known kind, as [name, value], in their order. */
function otherNumbers(scores) {
  if (!scores) return [];
  return Object.entries(scores).filter(([name, v]) => isNumber(v) && !KNOWN.has(name));
}

/** "random 0.31", or "" without a random baseline. */
function randomPart(scores, kind) {
  const random = scores[`${kind}_random_auc`];
  return isNumber(random) ? `random ${formatValue(random)}` : "";
}

/** The full wording of one known kind's AUC (a title). */
function kindTitle({ kind, better, what }, scores, prefix = "") {
  const random = randomPart(scores, kind);
  const head = `${prefix}${kind} AUC ${formatValue(scores[`${kind}_auc`])} (${better} is better): area under ${what}`;
  return random ? `${head}; ${random}: the same in a random pixel order (chance)` : head;
}

/**
 * The text lines of one mask's scores for one image: one per known kind present
 * ("deletion AUC 0.123 · random 0.31 (lower is better)"), then every other
 * number ("infidelity 2.5"), in their order.
 * @param {Object<string, number|number[]>|undefined} scores
 * @returns {{text: string, title: string}[]}
 */
function scoreLines(scores) {
  const lines = presentKinds(scores).map((k) => {
    const random = randomPart(scores, k.kind);
    return {
      text: `${k.kind} AUC ${formatValue(scores[`${k.kind}_auc`])}${random ? ` · ${random}` : ""} (${k.better} is better)`,
      title: kindTitle(k, scores),
    };
  });
  for (const [name, value] of otherNumbers(scores)) lines.push({ text: `${name} ${formatValue(value)}`, title: name });
  return lines;
}

/**
 * A grid cell's caption of one mask's scores: "del 0.12 · ins 0.78"; without
 * a known kind, its first other numbers ("infidelity 2.5"); "" without any.
 * `chunks` are the pieces a narrow cell may wrap between; `title` has every
 * line in full.
 * @param {Object<string, number|number[]>|undefined} scores
 * @returns {{chunks: string[], text: string, title: string}}
 */
function compactScores(scores) {
  const kinds = presentKinds(scores);
  const parts = kinds.length
    ? kinds.map(({ kind, short }) => `${short} ${formatValue(scores[`${kind}_auc`])}`)
    : otherNumbers(scores)
        .slice(0, CELL_OTHERS)
        .map(([name, value]) => `${name} ${formatValue(value)}`);
  return {
    chunks: parts,
    text: parts.join(" · "),
    title: scoreLines(scores)
      .map((l) => l.text)
      .join("\n"),
  };
}

/**
 * The batch means under a grid column's title (the view labels them "batch
 * mean"), one line per known kind ("del 0.15" with "random 0.33"), then one per
 * other number ("infidelity 2"). Each line's `chunks` are the pieces a narrow
 * column may wrap between; `title` its full wording.
 * @param {Object<string, number>|undefined} means
 * @returns {{chunks: string[], text: string, title: string}[]}
 */
function batchLines(means) {
  const lines = presentKinds(means).map((k) => {
    const chunks = [`${k.short} ${formatValue(means[`${k.kind}_auc`])}`];
    const random = randomPart(means, k.kind);
    if (random) chunks.push(random);
    return { chunks, title: kindTitle(k, means, "mean over the batch of the ") };
  });
  for (const [name, value] of otherNumbers(means))
    lines.push({ chunks: [`${name} ${formatValue(value)}`], title: `${name}: mean over the batch` });
  return lines.map((l) => ({ ...l, text: l.chunks.join(" · ") }));
}

/**
 * Each curve of one mask's scores with its random twin and their AUCs: names
 * ending in "_curve" (not "_random_curve"), deletion and insertion first.
 * @param {Object<string, number|number[]>|undefined} scores
 * @returns {{name: string, curve: number[], random: number[]|null, auc: number|null, randomAuc: number|null}[]}
 */
function curvePairs(scores) {
  if (!scores) return [];
  const rank = (name) => {
    const i = KINDS.findIndex(({ kind }) => kind === name);
    return i < 0 ? KINDS.length : i;
  };
  const number = (v) => (isNumber(v) ? v : null);
  return Object.entries(scores)
    .filter(([name, v]) => Array.isArray(v) && name.endsWith("_curve") && !name.endsWith("_random_curve"))
    .map(([full, curve]) => {
      const name = full.slice(0, -"_curve".length);
      const random = scores[`${name}_random_curve`];
      return {
        name,
        curve,
        random: Array.isArray(random) ? random : null,
        auc: number(scores[`${name}_auc`]),
        randomAuc: number(scores[`${name}_random_auc`]),
      };
    })
    .sort((a, b) => rank(a.name) - rank(b.name)); // stable: others keep their order
}

/**
 * The legend of one curve pair: "deletion AUC 0.241" and "random 0.177" (or
 * just the name without an AUC; `random` null without a random twin).
 * @param {{name: string, random: number[]|null, auc: number|null, randomAuc: number|null}} pair
 * @returns {{curve: string, random: string|null}}
 */
function curveLegend(pair) {
  const auc = (label, value) => (value === null ? label : `${label} AUC ${formatValue(value)}`);
  return {
    curve: auc(pair.name, pair.auc),
    random: pair.random ? (pair.randomAuc === null ? "random" : `random ${formatValue(pair.randomAuc)}`) : null,
  };
}

/**
 * The value range a chart of these curves spans: [0, 1] (probabilities), widened
 * to hold every finite value.
 * @param {number[][]} curves @returns {[number, number]}
 */
function chartRange(curves) {
  let low = 0;
  let high = 1;
  for (const c of curves)
    for (const v of c) if (Number.isFinite(v)) [low, high] = [Math.min(low, v), Math.max(high, v)];
  return [low, high];
}

/**
 * SVG polyline points of `values`, evenly spaced over x in [0, width] (the
 * fractions 0, 1/steps, ..., 1), y from `range` mapped to [height, 0]; a value
 * that is not a finite number leaves its point out.
 * @param {number[]} values @param {number} width @param {number} height
 * @param {[number, number]} range @returns {string}
 */
function polylinePoints(values, width, height, range) {
  const [low, high] = range;
  const n = values.length;
  const points = [];
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const x = n > 1 ? (i / (n - 1)) * width : 0;
    const y = height - ((v - low) / (high - low || 1)) * height;
    points.push(`${Number(x.toFixed(2))},${Number(y.toFixed(2))}`);
  });
  return points.join(" ");
}

export { KINDS, scoreLines, compactScores, batchLines, curvePairs, curveLegend, chartRange, polylinePoints };
