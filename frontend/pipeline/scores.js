// A mask's scores (how far to trust it) as the page shows them: text lines,
// compact grid captions, and the points of its curves. Scores arrive per mask
// as {name: number | number[]} (see tensorboard_plugin_saliency/scores.py).

import { formatValue } from "./format.js";

/** The curve kinds the faithfulness module writes, and which way is better. */
const KINDS = [
  { kind: "deletion", short: "del", better: "lower" },
  { kind: "insertion", short: "ins", better: "higher" },
];

/** Names that belong to a known kind (shown on that kind's line, not alone). */
function kindNames(kind) {
  return [`${kind}_auc`, `${kind}_random_auc`, `${kind}_curve`, `${kind}_random_curve`];
}

/**
 * The text lines of one mask's scores: one per known kind present ("deletion AUC
 * 0.123 · random 0.31"), then every other number ("infidelity 2.5").
 * @param {Object<string, number|number[]>|undefined} scores
 * @returns {{text: string, title: string}[]}
 */
function scoreLines(scores) {
  if (!scores) return [];
  const lines = [];
  const used = new Set();
  for (const { kind, better } of KINDS) {
    const auc = scores[`${kind}_auc`];
    if (typeof auc !== "number") continue;
    kindNames(kind).forEach((n) => used.add(n));
    const random = scores[`${kind}_random_auc`];
    const chance = typeof random === "number" ? ` · random ${formatValue(random)}` : "";
    lines.push({
      text: `${kind} AUC ${formatValue(auc)}${chance} (${better} is better)`,
      title: `Area under the ${kind} curve (${better} is better)${
        chance ? "; random: the same with a random pixel order" : ""
      }`,
    });
  }
  for (const [name, value] of Object.entries(scores)) {
    if (used.has(name) || typeof value !== "number") continue;
    lines.push({ text: `${name} ${formatValue(value)}`, title: name });
  }
  return lines;
}

/**
 * A grid cell's caption of one mask's scores: "del 0.12 · ins 0.78", or "" when
 * it has no known kind; `title` the full wording.
 * @param {Object<string, number|number[]>|undefined} scores
 * @returns {{text: string, title: string}}
 */
function compactScores(scores) {
  if (!scores) return { text: "", title: "" };
  const parts = KINDS.filter(({ kind }) => typeof scores[`${kind}_auc`] === "number").map(
    ({ kind, short }) => `${short} ${formatValue(scores[`${kind}_auc`])}`,
  );
  return {
    text: parts.join(" · "),
    title: scoreLines(scores)
      .map((l) => l.text)
      .join("\n"),
  };
}

/**
 * A grid column title's batch means: "mean del 0.15 (random 0.33) · ins 0.8
 * (random 0.7)", or "" without a known kind; `title` says which way is better.
 * @param {Object<string, number>|undefined} means
 * @returns {{text: string, title: string}}
 */
function batchScores(means) {
  if (!means) return { text: "", title: "" };
  const present = KINDS.filter(({ kind }) => typeof means[`${kind}_auc`] === "number");
  const parts = present.map(({ kind, short }) => {
    const random = means[`${kind}_random_auc`];
    const chance = typeof random === "number" ? ` (random ${formatValue(random)})` : "";
    return `${short} ${formatValue(means[`${kind}_auc`])}${chance}`;
  });
  const title = present.map(({ kind, better }) => `${kind} AUC: mean over the batch, ${better} is better`).join("; ");
  return { text: parts.length ? `mean ${parts.join(" · ")}` : "", title };
}

/**
 * Each curve of one mask's scores with its random twin: names ending in
 * "_curve" (not "_random_curve").
 * @param {Object<string, number|number[]>|undefined} scores
 * @returns {{name: string, curve: number[], random: number[]|null}[]}
 */
function curvePairs(scores) {
  if (!scores) return [];
  return Object.entries(scores)
    .filter(([name, v]) => Array.isArray(v) && name.endsWith("_curve") && !name.endsWith("_random_curve"))
    .map(([name, curve]) => {
      const random = scores[name.replace(/_curve$/, "_random_curve")];
      return { name: name.replace(/_curve$/, ""), curve, random: Array.isArray(random) ? random : null };
    });
}

/**
 * The value range a chart of these curves spans: [0, 1] (probabilities), widened
 * to hold every value.
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
 * SVG polyline points of `values`, evenly spaced over x in [0, width], y from
 * `range` mapped to [height, 0].
 * @param {number[]} values @param {number} width @param {number} height
 * @param {[number, number]} range @returns {string}
 */
function polylinePoints(values, width, height, range) {
  const [low, high] = range;
  const n = values.length;
  return values
    .map((v, i) => {
      const x = n > 1 ? (i / (n - 1)) * width : 0;
      const y = height - ((v - low) / (high - low || 1)) * height;
      return `${Number(x.toFixed(2))},${Number(y.toFixed(2))}`;
    })
    .join(" ");
}

export { KINDS, scoreLines, compactScores, batchScores, curvePairs, chartRange, polylinePoints };
