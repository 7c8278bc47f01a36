// The colour bar of a card: which mask values its ends stand for, where the
// clip marks sit, and the colour at each point, read from the same overlay
// table the mask is coloured through.

import { normalize } from "./colorize.js";
import { formatValue } from "./format.js";

/**
 * The layout of a colour bar. Each end is the mask's real extreme on that
 * side, or the clip point when that is further out (the bar always reaches
 * the point where colours saturate). Signed: from min(min, -clip) to
 * max(max, clip), zero where it falls (not always the middle);
 * absolute/positive: 0 to max(top, clip); negative: 0 to -max(top, clip).
 * @param {{sign:string, clip:number, min:number, max:number, top:number, stops?:number}} o
 *   min/max: the mask's raw extremes; top: its largest strength for `sign`.
 * @returns {{lo:number, hi:number, ticks:number[], stops:{offset:number, t:number}[]}}
 *   offsets and ticks in [0, 1] from the left end; t: the normalised value there.
 */
function colorbarScale({ sign, clip, min, max, top, stops = 48 }) {
  const c = clip > 0 && Number.isFinite(clip) ? clip : 0;
  let lo;
  let hi;
  if (sign === "signed") {
    lo = Math.min(min, 0, -c);
    hi = Math.max(max, 0, c);
  } else {
    lo = 0;
    hi = Math.max(top, c, 0) * (sign === "negative" ? -1 : 1);
  }
  const span = hi - lo;
  const at = (offset) => lo + offset * span;
  const points = span === 0 ? [] : [lo, hi, 0, c, -c].map((v) => (v - lo) / span);
  const ticks =
    span === 0 || c === 0
      ? []
      : (sign === "signed" ? [-c, c] : [sign === "negative" ? -c : c]).map((v) => (v - lo) / span);
  const offsets = new Set(points.filter((o) => o >= 0 && o <= 1));
  for (let k = 0; k < stops; k++) offsets.add(k / (stops - 1));
  const list = [...offsets].sort((a, b) => a - b).map((offset) => ({ offset, t: normalize(at(offset), sign, c) }));
  return { lo, hi, ticks, stops: list };
}

/**
 * The CSS colour of normalised value t in an overlay table.
 * @param {Uint8Array} table 1024-byte RGBA overlay table. @param {number} t in [0, 1].
 * @returns {string} "rgba(r,g,b,a)".
 */
function tableColor(table, t) {
  const i = 4 * Math.floor(t * 255 + 0.5);
  return `rgba(${table[i]},${table[i + 1]},${table[i + 2]},${+(table[i + 3] / 255).toFixed(3)})`;
}

/**
 * A colour bar: its layout (colorbarScale) with a colour per stop and the
 * real mask values at its ends (and at zero when signed).
 * @param {Uint8Array} table the overlay table the mask is coloured through.
 * @param {{sign:string, clip:number, min:number, max:number, top:number, stops?:number}} o
 * @returns {{lo:number, hi:number, clip:number, ticks:number[],
 *   stops:{offset:number, t:number, color:string}[], labels:{offset:number, value:number, text:string}[]}}
 */
function colorbar(table, o) {
  const scale = colorbarScale(o);
  const stops = scale.stops.map((s) => ({ ...s, color: tableColor(table, s.t) }));
  const { lo, hi } = scale;
  const labels = [{ offset: 0, value: lo }];
  if (o.sign === "signed" && hi > lo) labels.push({ offset: -lo / (hi - lo), value: 0 });
  labels.push({ offset: 1, value: hi });
  for (const l of labels) l.text = formatValue(l.value);
  return { ...scale, stops, labels, clip: o.clip };
}

/**
 * The clip point as the colour bar names it.
 * @param {{sign:string, clip:number, clipMode?:string, clipValue:number}} o clip: the
 *   percentage; clipValue: the clip in mask units.
 * @returns {string} e.g. "clip p99 = 0.75", "clip 98% mass = ±0.5".
 */
function clipLabel({ sign, clip, clipMode = "percentile", clipValue }) {
  const value =
    sign === "signed" ? `±${formatValue(clipValue)}` : formatValue(sign === "negative" ? -clipValue : clipValue);
  return `${clipName({ clip, clipMode })} = ${value}`;
}

/**
 * The clip point's name without its value, e.g. "clip p99", "clip 98% mass".
 * @param {{clip:number, clipMode?:string}} o @returns {string}
 */
function clipName({ clip, clipMode = "percentile" }) {
  return clipMode === "mass" ? `clip ${clip}% mass` : `clip p${clip}`;
}

/**
 * The labels of a colour bar that stands for masks each clipped on its own
 * (a grid column under "Per image"): its ends and clip point in units of each
 * mask's clip value, not in mask values.
 * @param {{sign:string, clip:number, clipMode?:string}} s @param {string} pool what one clip covers, e.g. "each image".
 * @returns {{low:string, mid:string, high:string}}
 */
function relativeLabels(s, pool) {
  const low = s.sign === "signed" ? "−clip" : s.sign === "negative" ? "0" : "0";
  const high = s.sign === "negative" ? "−clip" : s.sign === "signed" ? "+clip" : "clip";
  return { low, mid: `${clipName(s)} of ${pool}`, high };
}

export { colorbarScale, colorbar, clipLabel, clipName, relativeLabels };
