// A mask's scores (how far to trust it) as the page shows them: text lines,
// compact grid captions, the batch means under a grid column, and the points of
// its curves. Scores arrive per mask as {name: number | number[] | null} (see
// tensorboard_plugin_saliency/scores.py; null where an image has none, e.g. a
// localisation score of an image without a region); any name may appear, and
// every name is text to show, never markup. The scores known by name (which
// way is better, the random baseline, the curves, a meaning) are listed in
// scores.json, the one list the Python package reads too; a ScoreCatalog reads it.

import { formatValue } from "./format.js";

/** How many known scores a grid cell shows (the rest are in its title). */
const CELL_KNOWN = 4;

/** How many other numbers a grid cell shows when it has no known score. */
const CELL_OTHERS = 2;

/** What a random baseline is, for titles. */
const RANDOM_MEANING = "the same for a random map (chance)";

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
const isString = (v) => typeof v === "string" && v !== "";

/**
 * A known score, as scores.json lists it.
 * @typedef {{name:string, line:string|null, label:string, short:string, direction:string,
 *   random:string|null, curve:string|null, random_curve:string|null, group:string, meaning:string}} KnownScore
 */

/**
 * A curve with its random twin and their AUCs. `name` is the curve's name
 * without "_curve" ("deletion", "road_morf"); `label` names its AUC in the legend.
 * @typedef {{name:string, label:string, curve:number[], random:number[]|null, auc:number|null,
 *   randomAuc:number|null}} CurvePair
 */

/** The scores known by name (scores.json), and how each mask's scores read on the page. */
class ScoreCatalog {
  /**
   * @param {{scores?:object[]}|null} json the parsed scores.json; entries without
   *   a name are left out (null: no known scores, every name shown as written).
   */
  constructor(json) {
    const listed = Array.isArray(json?.scores) ? json.scores : [];
    /** @type {KnownScore[]} in the file's order, the order the page shows them in. */
    this.known = Object.freeze(
      listed
        .filter((e) => e && isString(e.name))
        .map((e) =>
          Object.freeze({
            name: e.name,
            line: isString(e.line) ? e.line : null,
            label: isString(e.label) ? e.label : e.name,
            short: isString(e.short) ? e.short : e.name,
            direction: e.direction === "lower" ? "lower" : "higher",
            random: isString(e.random) ? e.random : null,
            curve: isString(e.curve) ? e.curve : null,
            random_curve: isString(e.random_curve) ? e.random_curve : null,
            group: isString(e.group) ? e.group : "",
            meaning: isString(e.meaning) ? e.meaning : "",
          }),
        ),
    );
    this._names = new Set(this.known.flatMap((k) => [k.name, k.random, k.curve, k.random_curve].filter(Boolean)));
  }

  /**
   * The full name of a known score ("pointing game", "ROAD MoRF AUC").
   * @param {KnownScore} k @returns {string}
   */
  fullLabel(k) {
    return k.line ? `${k.line} ${k.label}` : k.label;
  }

  /**
   * Whether `name` belongs to a known score (its value, random baseline or curves).
   * @param {string} name @returns {boolean}
   */
  isKnown(name) {
    return this._names.has(name);
  }

  // The known scores whose value `scores` holds as a number, in the catalog's order.
  _present(scores) {
    return scores ? this.known.filter((k) => isNumber(scores[k.name])) : [];
  }

  // The present known scores in lines: those sharing a `line` together, at the
  // place of the first of them.
  _lines(scores) {
    const lines = new Map();
    for (const k of this._present(scores)) {
      const key = k.line ?? `\u0000${k.name}`;
      if (!lines.has(key)) lines.set(key, { line: k.line, scores: [] });
      lines.get(key).scores.push(k);
    }
    return [...lines.values()];
  }

  // The numbers of `scores` that belong to no known score, as [name, value], in their order.
  _others(scores) {
    if (!scores) return [];
    return Object.entries(scores).filter(([name, v]) => isNumber(v) && !this._names.has(name));
  }

  // "random 0.31", or "" without a random baseline.
  _random(scores, k) {
    const random = k.random ? scores[k.random] : undefined;
    return isNumber(random) ? `random ${formatValue(random)}` : "";
  }

  // The full wording of one known score (a title line).
  _title(k, scores, prefix = "") {
    const random = this._random(scores, k);
    const head = `${prefix}${this.fullLabel(k)} ${formatValue(scores[k.name])} (${k.direction} is better)`;
    const meant = k.meaning ? `${head}: ${k.meaning}` : head;
    return random ? `${meant}; ${random}: ${RANDOM_MEANING}` : meant;
  }

  /**
   * The text lines of one mask's scores for one image: one per known score
   * present ("deletion AUC 0.123 · random 0.31 (lower is better)", "pointing
   * game 1 · random 0.19 (higher is better)"), the scores that share a line on
   * it ("ROAD MoRF AUC 0.31 · random 0.5 (lower is better) · LeRF AUC 0.72
   * (higher is better) · combined 0.21 (higher is better)"), then every other
   * number ("infidelity 2.5"), in their order. A score whose value is null is left out.
   * @param {Object<string, number|number[]|null>|undefined} scores
   * @returns {{text: string, title: string}[]}
   */
  lines(scores) {
    const out = this._lines(scores).map(({ line, scores: known }) => {
      const parts = known.map((k, i) => {
        const random = this._random(scores, k);
        const label = i === 0 && line ? `${line} ${k.label}` : k.label;
        return `${label} ${formatValue(scores[k.name])}${random ? ` · ${random}` : ""} (${k.direction} is better)`;
      });
      return { text: parts.join(" · "), title: known.map((k) => this._title(k, scores)).join("\n") };
    });
    for (const [name, value] of this._others(scores)) out.push({ text: `${name} ${formatValue(value)}`, title: name });
    return out;
  }

  /**
   * A grid cell's caption of one mask's scores: the first CELL_KNOWN known
   * scores present ("del 0.12 · ins 0.78 · point 1 · mass 0.64"); without a
   * known score, its first other numbers ("infidelity 2.5"); "" without any.
   * `chunks` are the pieces a narrow cell may wrap between; `title` has every
   * line in full.
   * @param {Object<string, number|number[]|null>|undefined} scores
   * @returns {{chunks: string[], text: string, title: string}}
   */
  compact(scores) {
    const known = this._present(scores);
    const parts = known.length
      ? known.slice(0, CELL_KNOWN).map((k) => `${k.short} ${formatValue(scores[k.name])}`)
      : this._others(scores)
          .slice(0, CELL_OTHERS)
          .map(([name, value]) => `${name} ${formatValue(value)}`);
    return {
      chunks: parts,
      text: parts.join(" · "),
      title: this.lines(scores)
        .map((l) => l.text)
        .join("\n"),
    };
  }

  /**
   * The batch means under a grid column's title (the view labels them "batch
   * mean"): one line per line of known scores ("del 0.15" with "random 0.33";
   * "ROAD MoRF 0.31", "LeRF 0.72", "comb 0.21"), then one per other number
   * ("infidelity 2"). Each line's `chunks` are the pieces a narrow column may
   * wrap between; `title` its full wording.
   * @param {Object<string, number|null>|undefined} means
   * @returns {{chunks: string[], text: string, title: string}[]}
   */
  batchLines(means) {
    const lines = this._lines(means).map(({ line, scores: known }) => {
      const chunks = [];
      known.forEach((k, i) => {
        chunks.push(`${i === 0 && line ? `${line} ` : ""}${k.short} ${formatValue(means[k.name])}`);
        const random = this._random(means, k);
        if (random) chunks.push(random);
      });
      return { chunks, title: known.map((k) => this._title(k, means, "mean over the batch of the ")).join("\n") };
    });
    for (const [name, value] of this._others(means))
      lines.push({ chunks: [`${name} ${formatValue(value)}`], title: `${name}: mean over the batch` });
    return lines.map((l) => ({ ...l, text: l.chunks.join(" · ") }));
  }

  /**
   * Each curve of one mask's scores with its random twin and their AUCs: the
   * known scores' curves first, in the catalog's order (deletion, insertion,
   * ROAD most and least relevant first), then every other name ending in
   * "_curve" (not "_random_curve"), in its order, its twin and AUCs by name
   * ("x_random_curve", "x_auc", "x_random_auc").
   * @param {Object<string, number|number[]|null>|undefined} scores
   * @returns {CurvePair[]}
   */
  curvePairs(scores) {
    if (!scores) return [];
    const number = (v) => (isNumber(v) ? v : null);
    const curveOf = (name) => (Array.isArray(scores[name]) ? scores[name] : null);
    const pairs = [];
    for (const k of this.known) {
      const curve = k.curve ? curveOf(k.curve) : null;
      if (!curve) continue;
      pairs.push({
        name: k.curve.replace(/_curve$/, ""),
        label: this.fullLabel(k),
        curve,
        random: k.random_curve ? curveOf(k.random_curve) : null,
        auc: number(scores[k.name]),
        randomAuc: k.random ? number(scores[k.random]) : null,
      });
    }
    for (const [full, curve] of Object.entries(scores)) {
      if (!Array.isArray(curve) || this._names.has(full)) continue;
      if (!full.endsWith("_curve") || full.endsWith("_random_curve")) continue;
      const name = full.slice(0, -"_curve".length);
      pairs.push({
        name,
        label: `${name} AUC`,
        curve,
        random: curveOf(`${name}_random_curve`),
        auc: number(scores[`${name}_auc`]),
        randomAuc: number(scores[`${name}_random_auc`]),
      });
    }
    return pairs;
  }
}

/**
 * The legend of one curve pair: "deletion AUC 0.241" and "random 0.177" (or
 * just its name, "deletion", without an AUC; `random` null without a random twin).
 * @param {CurvePair} pair
 * @returns {{curve: string, random: string|null}}
 */
function curveLegend(pair) {
  return {
    curve: pair.auc === null ? pair.label.replace(/ AUC$/, "") : `${pair.label} ${formatValue(pair.auc)}`,
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

export { CELL_KNOWN, ScoreCatalog, curveLegend, chartRange, polylinePoints };
