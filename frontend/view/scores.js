// A mask's scores beside it in a card's single view: one text line per score
// of the shown image (faithfulness, localisation, ROAD; pipeline/scores.js),
// and a "Faithfulness curves" details panel with its deletion / insertion /
// ROAD curves (inline SVG, each random twin dashed, axes and a legend). Every
// name goes in through textContent, never as markup.

import { chartRange, curveLegend, polylinePoints } from "../pipeline/scores.js";
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
/** The plot area inside the chart's viewBox (its margins hold ticks, labels and the legend). */
const WIDTH = 200;
const HEIGHT = 100;
const LEFT = 36;
const TOP = 6;
const BOTTOM = 32;
const LEGEND = 138;
/** A colour per known curve; other curves take the rest in turn. */
const KIND_COLOURS = { deletion: "#d6604d", insertion: "#4393c3", road_morf: "#e08214", road_lerf: "#1b7837" };
const OTHER_COLOURS = ["#5aae61", "#9970ab", "#bf812d", "#35978f"];

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function svgText(text, attrs) {
  const node = svg("text", attrs);
  node.textContent = text;
  return node;
}

/**
 * Puts `chunks` ("del 0.12", "ins 0.78") into `parent` as text that wraps only
 * between them, each separator "·" ending its line.
 * @param {HTMLElement} parent @param {string[]} chunks
 */
function setChunks(parent, chunks) {
  parent.replaceChildren();
  chunks.forEach((chunk, i) => {
    if (i) parent.append(" ");
    parent.append(el("span", { class: "score-chunk", text: i < chunks.length - 1 ? `${chunk} ·` : chunk }));
  });
}

/** The scores of the mask a card shows, under its colour bar; hidden when it has none. */
class ScoresPanel {
  /**
   * @param {{scoreCurves:boolean, setScoreCurves:(open:boolean) => void}} state
   *   remembers whether the curves are open (state.js DisplayState).
   * @param {import("../pipeline/scores.js").ScoreCatalog} catalog the known scores.
   */
  constructor(state, catalog) {
    this._state = state;
    this._catalog = catalog;
    this.root = el("div", { class: "card-scores", hidden: true });
    this._lines = el("ul", { class: "score-lines" });
    this._details = el("details", { class: "score-curves" });
    this._details.append(el("summary", { text: "Faithfulness curves" }));
    this._chart = el("div", { class: "score-chart" });
    this._details.append(this._chart);
    this._details.addEventListener("toggle", () => this._state.setScoreCurves(this._details.open));
    this.root.append(this._lines, this._details);
  }

  /**
   * Shows `scores` (of one mask of one image); hides the panel when there are none.
   * @param {string|null} mask @param {Object<string, number|number[]>|undefined} scores
   */
  show(mask, scores) {
    const lines = this._catalog.lines(scores);
    const pairs = this._catalog.curvePairs(scores);
    this.root.hidden = lines.length === 0 && pairs.length === 0;
    this.root.dataset.mask = mask ?? "";
    this._lines.setAttribute("aria-label", `Scores of ${mask ?? "the mask"}`);
    this._lines.replaceChildren(...lines.map((l) => el("li", { text: l.text, title: l.title })));
    this._details.hidden = pairs.length === 0;
    this._details.open = this._state.scoreCurves;
    this._chart.replaceChildren(...(pairs.length ? [curveChart(pairs)] : []));
  }
}

/**
 * An SVG chart of curves over the fraction of pixels (0 to 1), each with its
 * random twin dashed, axes and a legend. Each polyline carries `data-curve`
 * (its name, or name + "_random").
 * @param {import("../pipeline/scores.js").CurvePair[]} pairs
 * @returns {SVGSVGElement}
 */
function curveChart(pairs) {
  const range = chartRange(pairs.flatMap((p) => [p.curve, ...(p.random ? [p.random] : [])]));
  const root = svg("svg", {
    class: "curve-chart",
    viewBox: `0 0 ${LEFT + WIDTH + 12 + LEGEND} ${TOP + HEIGHT + BOTTOM}`,
    role: "img",
  });
  root.setAttribute("aria-label", `Curves: ${pairs.map((p) => p.name).join(", ")}`);
  const plot = svg("g", { transform: `translate(${LEFT},${TOP})` });
  plot.append(axes(range));
  let other = 0;
  pairs.forEach((pair, i) => {
    const colour = KIND_COLOURS[pair.name] ?? OTHER_COLOURS[other++ % OTHER_COLOURS.length];
    const line = (values, random) =>
      svg("polyline", {
        class: random ? "curve random" : "curve",
        "data-curve": random ? `${pair.name}_random` : pair.name,
        points: polylinePoints(values, WIDTH, HEIGHT, range),
        fill: "none",
        stroke: colour,
        "stroke-width": random ? 1.2 : 2,
        "stroke-linejoin": "round",
        ...(random ? { "stroke-dasharray": "4 3" } : {}),
      });
    if (pair.random) plot.append(line(pair.random, true));
    plot.append(line(pair.curve, false));
    plot.append(legendEntry(pair, colour, WIDTH + 12, 4 + i * 34));
  });
  root.append(plot);
  return root;
}

// The frame, ticks at both ends and the middle of each axis, and the axis labels.
function axes([low, high]) {
  const g = svg("g", { class: "chart-axes" });
  g.append(svg("rect", { class: "chart-frame", x: 0, y: 0, width: WIDTH, height: HEIGHT }));
  const label = (v) => String(Number(v.toPrecision(2)));
  for (const f of [0, 0.5, 1]) {
    const y = HEIGHT - f * HEIGHT;
    const x = f * WIDTH;
    if (f === 0.5) {
      g.append(svg("line", { class: "chart-grid", x1: 0, x2: WIDTH, y1: y, y2: y }));
      g.append(svg("line", { class: "chart-grid", x1: x, x2: x, y1: 0, y2: HEIGHT }));
    }
    g.append(svgText(label(low + f * (high - low)), { class: "chart-tick", x: -3, y: y + 3, "text-anchor": "end" }));
    g.append(svgText(label(f), { class: "chart-tick", x, y: HEIGHT + 12, "text-anchor": "middle" }));
  }
  g.append(
    svgText("fraction of pixels", { class: "chart-label", x: WIDTH / 2, y: HEIGHT + 26, "text-anchor": "middle" }),
  );
  g.append(
    svgText("probability", {
      class: "chart-label",
      transform: `translate(${-LEFT + 9},${HEIGHT / 2}) rotate(-90)`,
      "text-anchor": "middle",
    }),
  );
  return g;
}

// One pair's legend: a solid swatch with its name and AUC, a dashed one with the random AUC.
function legendEntry(pair, colour, x, y) {
  const { curve, random } = curveLegend(pair);
  const g = svg("g", { class: "chart-legend" });
  const row = (text, dy, dashed) => {
    g.append(
      svg("line", {
        x1: x,
        x2: x + 16,
        y1: y + dy - 3,
        y2: y + dy - 3,
        stroke: colour,
        "stroke-width": dashed ? 1.2 : 2,
        ...(dashed ? { "stroke-dasharray": "4 3" } : {}),
      }),
    );
    const t = svgText(text, { class: "chart-legend-text", x: x + 20, y: y + dy });
    const tip = svg("title"); // the whole text on hover, should a long name run off the chart
    tip.textContent = text;
    t.append(tip);
    g.append(t);
  };
  row(curve, 9, false);
  if (random) row(random, 23, true);
  return g;
}

export { ScoresPanel, curveChart, setChunks };
