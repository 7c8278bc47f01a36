// Pure logic of the dashboard's controls: the display settings, how a card's
// overrides combine with the global panel, what is remembered across reloads,
// the tag filter, clip values from cached sorted strengths, and pointer
// geometry for the hover readout. No DOM access: runs under Node's test runner
// (settings.test.mjs). The value pipeline itself (colormaps, clipping,
// colorizing) lives in core.js.

import { normalize, SIGNS } from "./core.js";

/** Ways to pick the clip value: this mask alone, this mask over the tag's
 * kept steps (same sample), or every mask of this image together. */
export const NORMALIZE_MODES = Object.freeze(["image", "tag", "masks"]);

/** Scalings of a mask smaller than its image (and of the fitted canvas). */
export const SCALINGS = Object.freeze(["smooth", "pixelated"]);

/** The colormap choice that means "one colour whose alpha follows the value". */
export const TINT = "tint";

/** Settings a card can override; everything the colour pipeline depends on. */
export const OVERRIDABLE = Object.freeze([
  "showMask", "opacity", "colormap", "tint", "sign", "clip", "threshold", "normalize",
]);

/** Global display settings: the panel's starting values. */
export const DEFAULTS = Object.freeze({
  showMask: true,
  opacity: 0.6,
  colormap: "inferno",
  tint: "#ff0000",
  sign: "absolute",
  clip: 99,
  threshold: 100, // keep the top 100% = no threshold
  normalize: "image",
  actualSize: false,
  scaling: "smooth",
  sideBySide: false,
});

const STORAGE_KEY = "tensorboard-plugin-saliency/v1";

function validSetting(key, value, colormaps) {
  switch (key) {
    case "showMask": case "actualSize": case "sideBySide":
      return typeof value === "boolean";
    case "opacity":
      return typeof value === "number" && value >= 0 && value <= 1;
    case "clip": case "threshold":
      return typeof value === "number" && value > 0 && value <= 100;
    case "colormap":
      return value === TINT || (typeof value === "string" && (!colormaps || colormaps.includes(value)));
    case "tint":
      return typeof value === "string" && /^#[0-9a-f]{6}$/i.test(value);
    case "sign":
      return SIGNS.includes(value);
    case "normalize":
      return NORMALIZE_MODES.includes(value);
    case "scaling":
      return SCALINGS.includes(value);
    default:
      return false;
  }
}

/**
 * Settings with every invalid or unknown entry of `partial` dropped.
 * @param {object} partial e.g. parsed from storage.
 * @param {string[]} [colormaps] the known colormap names.
 */
export function cleanSettings(partial, colormaps) {
  const out = {};
  if (!partial || typeof partial !== "object") return out;
  for (const key of Object.keys(DEFAULTS)) {
    if (key in partial && validSetting(key, partial[key], colormaps)) out[key] = partial[key];
  }
  return out;
}

/** The settings a card uses: global values, then its own overrides. */
export function effectiveSettings(global, override) {
  const out = { ...global };
  if (override) for (const key of OVERRIDABLE) if (key in override) out[key] = override[key];
  return out;
}

/**
 * What the page remembers across reloads, read from a Storage-like object.
 * @returns {{settings:object, hiddenRuns:string[], tagFilter:string}}
 */
export function loadState(storage, colormaps) {
  let raw = null;
  try {
    raw = JSON.parse(storage.getItem(STORAGE_KEY) || "null");
  } catch {
    raw = null;
  }
  raw = raw && typeof raw === "object" ? raw : {};
  return {
    settings: { ...DEFAULTS, ...cleanSettings(raw.settings, colormaps) },
    hiddenRuns: Array.isArray(raw.hiddenRuns) ? raw.hiddenRuns.filter((r) => typeof r === "string") : [],
    tagFilter: typeof raw.tagFilter === "string" ? raw.tagFilter : "",
  };
}

/** Saves what loadState reads. Runs are stored as the ones hidden, so a new
 * run shows up by default. */
export function saveState(storage, { settings, hiddenRuns, tagFilter }) {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify({ settings, hiddenRuns: [...hiddenRuns], tagFilter }));
  } catch {
    // storage full or disabled: nothing to remember
  }
}

/**
 * The tag filter: a case-insensitive regular expression.
 * @returns {{test:(tag:string)=>boolean, error:string|null}} an invalid
 *   expression matches nothing and says why (the engine's reason alone, e.g.
 *   "Unterminated group", without its "Invalid regular expression: /x/i:").
 */
export function tagMatcher(text) {
  if (!text) return { test: () => true, error: null };
  try {
    const re = new RegExp(text, "i");
    return { test: (tag) => re.test(tag), error: null };
  } catch (e) {
    const reason = String(e.message).replace(/^Invalid regular expression:\s*(\/[\s\S]*\/[a-z]*:\s*)?/, "");
    return { test: () => false, error: reason || String(e.message) };
  }
}

/** The colormap a card starts with when the sign changes: keeps a user's
 * choice unless it was the other sign's default. */
export function colormapForSign(current, oldSign, newSign, tables) {
  const def = (sign) => (sign === "signed" ? tables.default_diverging || "rdbu" : tables.default || "inferno");
  return current === def(oldSign) ? def(newSign) : current;
}

/**
 * The layout of a card's colour bar: which mask values its ends stand for,
 * where the clip marks sit and the normalised value t (core.normalize) along
 * it. Each end is the mask's real extreme on that side, or the clip point
 * when that is further out (the bar always reaches the point where colours
 * saturate). Signed: from min(min, -clip) to max(max, clip), zero where it
 * falls (not always the middle); absolute/positive: 0 to max(top, clip);
 * negative: 0 to -max(top, clip).
 * @param {{sign:string, clip:number, min:number, max:number, top:number, stops?:number}} o
 *   min/max: the mask's raw extremes; top: its largest strength for `sign`.
 * @returns {{lo:number, hi:number, ticks:number[], stops:{offset:number,t:number}[]}}
 *   offsets and ticks in [0, 1] from the left end.
 */
export function colorbarScale({ sign, clip, min, max, top, stops = 48 }) {
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
  const ticks = span === 0 || c === 0 ? [] :
    (sign === "signed" ? [-c, c] : [sign === "negative" ? -c : c]).map((v) => (v - lo) / span);
  const offsets = new Set(points.filter((o) => o >= 0 && o <= 1));
  for (let k = 0; k < stops; k++) offsets.add(k / (stops - 1));
  const list = [...offsets].sort((a, b) => a - b).map((offset) => ({ offset, t: normalize(at(offset), sign, c) }));
  return { lo, hi, ticks, stops: list };
}

/** "#rrggbb" -> [r, g, b]. */
export function hexToRgb(hex) {
  const x = parseInt(hex.slice(1), 16);
  return [x >> 16, (x >> 8) & 255, x & 255];
}

/**
 * Strengths sorted ascending, the cache behind every clip and threshold of a
 * mask for one sign: absolute and signed share |v|.
 * @param {ArrayLike<number>[]} masks raw values; all of them are pooled.
 * @param {string} sign one of core.SIGNS.
 * @returns {Float32Array}
 */
export function sortedStrengths(masks, sign) {
  const n = masks.reduce((k, m) => k + m.length, 0);
  const s = new Float32Array(n);
  let o = 0;
  for (const m of masks) {
    const len = m.length;
    if (sign === "positive") for (let i = 0; i < len; i++) s[o + i] = m[i] > 0 ? m[i] : 0;
    else if (sign === "negative") for (let i = 0; i < len; i++) s[o + i] = m[i] < 0 ? -m[i] : 0;
    else for (let i = 0; i < len; i++) s[o + i] = m[i] < 0 ? -m[i] : m[i];
    o += len;
  }
  return s.sort();
}

/** The key under which sortedStrengths is cached: signed ranks |v| too. */
export function strengthKey(sign) {
  return sign === "signed" ? "absolute" : sign;
}

/**
 * The p-th percentile of sorted values, linear interpolation: equal to
 * core.percentile(values, p) (numpy's default), in O(1).
 */
export function percentileSorted(sorted, p) {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (p / 100) * (n - 1);
  const k = Math.min(Math.floor(pos), n - 1);
  const lo = sorted[k];
  if (k + 1 >= n) return lo;
  return lo + (sorted[k + 1] - lo) * (pos - k);
}

/**
 * The strength cut for colorizeMask: pixels keep when s >= cut and s > 0.
 * A threshold of 100 (or none) keeps every non-zero pixel, so a pixel whose
 * mask is exactly zero always shows the plain image.
 */
export function cutFromSorted(sorted, threshold) {
  if (threshold === null || threshold === undefined || threshold >= 100) return 0;
  return Math.max(percentileSorted(sorted, 100 - threshold), 0);
}

/**
 * Image pixel under a pointer at (offsetX, offsetY) CSS pixels of an element
 * showing a width x height image at displayWidth x displayHeight.
 * @returns {{x:number,y:number}|null} null outside the image.
 */
export function pixelAt(offsetX, offsetY, displayWidth, displayHeight, width, height) {
  if (!(displayWidth > 0 && displayHeight > 0)) return null;
  const x = Math.floor((offsetX / displayWidth) * width);
  const y = Math.floor((offsetY / displayHeight) * height);
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  return { x, y };
}

/** Index into a maskWidth x maskHeight mask of the stored value covering
 * image pixel (x, y) of a width x height image (nearest, native value). */
export function maskIndexAt(x, y, width, height, maskWidth, maskHeight) {
  const mx = Math.min(Math.floor(((x + 0.5) * maskWidth) / width), maskWidth - 1);
  const my = Math.min(Math.floor(((y + 0.5) * maskHeight) / height), maskHeight - 1);
  return { mx, my, index: my * maskWidth + mx };
}

/** A raw mask value for the readout: up to 6 significant digits. */
export function readoutValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e6) return v.toExponential(4).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(6)));
}

/** A file name for a downloaded composite: letters, digits, `-_.` only. */
export function downloadName(run, tag, step, sample, mask) {
  const part = (s) => String(s).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "") || "x";
  return `${part(run)}__${part(tag)}__step${step}_sample${sample}_${part(mask)}.png`;
}

/** Wall time (seconds since the epoch) as local "YYYY-MM-DD hh:mm:ss". */
export function formatWallTime(seconds) {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Cards to show: `[{run, tag, info}]` sorted by run then tag. */
export function visibleCards(tags, hiddenRuns, matcher) {
  const hidden = new Set(hiddenRuns);
  const out = [];
  for (const run of Object.keys(tags).sort()) {
    if (hidden.has(run)) continue;
    for (const tag of Object.keys(tags[run]).sort()) {
      if (matcher.test(tag)) out.push({ run, tag, info: tags[run][tag] });
    }
  }
  return out;
}

/**
 * Sets to exactly 0 every decoded value within half a quantisation step of 0.
 * `u16planes+gzip` stores a mask over its own [min, max] in 65535 steps, so a
 * written 0 of a signed mask usually comes back as ±(max-min)/131070; every
 * value is only known to half a step anyway. With this, a pixel whose mask
 * was zero shows the plain image and reads 0 under the pointer.
 * @param {Float32Array} values decoded in place. @returns the same array.
 */
export function snapZero(values, { min, max }) {
  const half = ((max - min) / 131070) * (1 + 1e-6);
  if (!(half > 0) || !(min < 0 && max > 0)) return values;
  for (let i = 0; i < values.length; i++) if (values[i] <= half && values[i] >= -half) values[i] = 0;
  return values;
}
