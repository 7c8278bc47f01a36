// A mask's scores beside it: text lines, and a details panel with the image's
// deletion / insertion curves (inline SVG, random twins dashed). All text goes
// in through textContent.

import { chartRange, curvePairs, polylinePoints, scoreLines } from "../pipeline/scores.js";
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 220;
const HEIGHT = 110;
const COLOURS = ["#d6604d", "#4393c3", "#5aae61", "#9970ab"];

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** The scores of the mask a card shows, under its picture. */
class ScoresPanel {
  constructor() {
    this.root = el("div", { class: "card-scores", hidden: true });
    this._lines = el("ul", { class: "score-lines", "aria-label": "Scores of this mask" });
    this._details = el("details", { class: "score-curves" });
    this._details.append(el("summary", { text: "Faithfulness curves" }));
    this._chart = el("div", { class: "score-chart" });
    this._details.append(this._chart);
    this.root.append(this._lines, this._details);
  }

  /**
   * Shows `scores` (of one mask of one image); hides the panel when there are none.
   * @param {string|null} mask @param {Object<string, number|number[]>|undefined} scores
   */
  show(mask, scores) {
    const lines = scoreLines(scores);
    const pairs = curvePairs(scores);
    this.root.hidden = lines.length === 0 && pairs.length === 0;
    this.root.dataset.mask = mask ?? "";
    this._lines.replaceChildren(...lines.map((l) => el("li", { text: l.text, title: l.title })));
    this._details.hidden = pairs.length === 0;
    this._chart.replaceChildren(...(pairs.length ? [curveChart(pairs)] : []));
  }
}

/**
 * An SVG chart of curves over the fraction of pixels (0 to 1), each with its
 * random twin dashed, axes and a legend.
 * @param {{name: string, curve: number[], random: number[]|null}[]} pairs
 * @returns {SVGSVGElement}
 */
function curveChart(pairs) {
  const left = 30;
  const bottom = 26;
  const range = chartRange(pairs.flatMap((p) => [p.curve, ...(p.random ? [p.random] : [])]));
  const root = svg("svg", {
    class: "curve-chart",
    viewBox: `0 0 ${WIDTH + left + 90} ${HEIGHT + bottom + 6}`,
    role: "img",
    "aria-label": `Curves: ${pairs.map((p) => p.name).join(", ")}`,
  });
  const plot = svg("g", { transform: `translate(${left},4)` });
  plot.append(svg("rect", { class: "chart-frame", x: 0, y: 0, width: WIDTH, height: HEIGHT }));
  const tick = (text, x, y, anchor) => {
    const t = svg("text", { x, y, "text-anchor": anchor, class: "chart-tick" });
    t.textContent = text;
    return t;
  };
  plot.append(
    tick(String(Number(range[1].toPrecision(2))), -4, 8, "end"),
    tick(String(Number(range[0].toPrecision(2))), -4, HEIGHT, "end"),
    tick("0", 0, HEIGHT + 12, "middle"),
    tick("1", WIDTH, HEIGHT + 12, "middle"),
    tick("fraction of pixels", WIDTH / 2, HEIGHT + 22, "middle"),
  );
  const yLabel = tick("probability", 0, 0, "middle");
  yLabel.setAttribute("transform", `translate(${-left + 8},${HEIGHT / 2}) rotate(-90)`);
  plot.append(yLabel);
  pairs.forEach((pair, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const line = (values, dashed) =>
      svg("polyline", {
        class: dashed ? "curve random" : "curve",
        "data-curve": dashed ? `${pair.name}_random` : pair.name,
        points: polylinePoints(values, WIDTH, HEIGHT, range),
        fill: "none",
        stroke: colour,
        "stroke-width": dashed ? 1 : 1.8,
        ...(dashed ? { "stroke-dasharray": "3 3" } : {}),
      });
    plot.append(line(pair.curve, false));
    if (pair.random) plot.append(line(pair.random, true));
    const key = tick(pair.name, WIDTH + 10, 12 + i * 28, "start");
    key.setAttribute("fill", colour);
    plot.append(key);
    if (pair.random) plot.append(tick("(random dashed)", WIDTH + 10, 24 + i * 28, "start"));
  });
  root.append(plot);
  return root;
}

export { ScoresPanel, curveChart };
