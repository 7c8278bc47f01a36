// Colours: colormap tables (colormaps.json, shared with the Python renderer),
// the 256-entry RGBA overlay table a mask is coloured through, and a cache of
// both for the page.

import { checkChoice } from "./check.js";

/** Overlay modes: "heatmap" = colormap colour, opaque; "tint" = one colour
 * whose alpha follows the normalised value. */
const OVERLAY_MODES = Object.freeze(["heatmap", "tint"]);

/** The colormap choice of the page that means "one colour whose alpha follows the value". */
const TINT = "tint";

/** Alpha rules of the overlay: "value" = each pixel's alpha grows with its
 * strength (zero is transparent, in every mode); "uniform" = the mode's own
 * alpha (heatmap: opaque wherever the mask is shown). */
const ALPHAS = Object.freeze(["value", "uniform"]);

/**
 * The alpha of table entry i under the "value" rule: the strength itself, i
 * (0..255); for sign "signed", |2t-1| with t = i/255, where the two entries
 * around the middle (127 and 128, within half a step of zero) are 0 and the
 * ends 255: round((|2i-255| - 1) * 255/254).
 * @param {number} i table index 0..255. @param {string} sign
 * @returns {number} 0..255.
 */
function valueAlpha(i, sign) {
  if (sign !== "signed") return i;
  return Math.floor(((Math.abs(2 * i - 255) - 1) * 255) / 254 + 0.5);
}

const DEFAULT_TINT = [255, 0, 0];
const DEFAULT_TINT_NEGATIVE = [0, 64, 255];

/**
 * The 256 RGB entries of a colormap from the loaded colormaps.json.
 * @param {{maps:Object<string,string[]>}} tables the parsed colormaps.json.
 * @param {string} name e.g. "inferno"; index 0 is the low end.
 * @returns {Uint8Array} 768 bytes: r,g,b of entry 0, then entry 1, ...
 */
function colormapLUT(tables, name) {
  const hex = tables.maps[name];
  if (!hex) checkChoice("colormap", name, Object.keys(tables.maps));
  const lut = new Uint8Array(hex.length * 3);
  hex.forEach((h, i) => lut.set(hexToRgb(h), 3 * i));
  return lut;
}

/**
 * True when `name` is a diverging map (white/neutral in the middle).
 * @param {{diverging?:string[]}} tables @param {string} name
 */
function isDiverging(tables, name) {
  return (tables.diverging || []).includes(name);
}

/**
 * The colormap a UI starts with for a sign mode.
 * @param {{default?:string, default_diverging?:string}} tables @param {string} sign
 * @returns {string}
 */
function defaultColormap(tables, sign) {
  return sign === "signed" ? tables.default_diverging || "rdbu" : tables.default || "inferno";
}

/**
 * The colormap to use after the sign changes: a user's choice stays, the old
 * sign's default becomes the new sign's default.
 * @param {string} current @param {string} oldSign @param {string} newSign
 * @param {object} tables the parsed colormaps.json.
 * @returns {string}
 */
function colormapForSign(current, oldSign, newSign, tables) {
  return current === defaultColormap(tables, oldSign) ? defaultColormap(tables, newSign) : current;
}

/**
 * "#rrggbb" -> [r, g, b].
 * @param {string} hex @returns {number[]}
 */
function hexToRgb(hex) {
  const x = parseInt(hex.slice(1), 16);
  return [x >> 16, (x >> 8) & 255, x & 255];
}

/**
 * The 256-entry RGBA table that colorizeMask indexes with i = floor(t*255+0.5).
 * heatmap: colormap colour, alpha 255. tint: alpha = i (the value); colour
 * `tint`, or for sign "signed" `tintNegative` below the middle, `tint` above,
 * alpha = round(|2t-1|*255). alpha "value" replaces either alpha by
 * valueAlpha(i, sign), so zero (entry 0, or the middle when signed) is
 * transparent; "uniform" (the server renderer's) keeps the mode's.
 * @param {Uint8Array} lut 768-byte colormap from colormapLUT.
 * @param {{mode?:string, sign?:string, alpha?:string, tint?:number[], tintNegative?:number[]}} opts
 * @returns {Uint8Array} 1024 bytes.
 */
function overlayTable(
  lut,
  {
    mode = "heatmap",
    sign = "absolute",
    alpha = "uniform",
    tint = DEFAULT_TINT,
    tintNegative = DEFAULT_TINT_NEGATIVE,
  } = {},
) {
  checkChoice("mode", mode, OVERLAY_MODES);
  checkChoice("alpha", alpha, ALPHAS);
  const table = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) {
    let rgb, a;
    if (mode === "heatmap") {
      rgb = [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
      a = 255;
    } else if (sign === "signed") {
      const m = Math.abs((2 * i) / 255 - 1);
      rgb = i < 128 ? tintNegative : tint;
      a = Math.floor(m * 255 + 0.5);
    } else {
      rgb = tint;
      a = i;
    }
    if (alpha === "value") a = valueAlpha(i, sign);
    table.set([rgb[0], rgb[1], rgb[2], a], 4 * i);
  }
  return table;
}

/** The page's colour tables, built once: LUTs by colormap name, overlay
 * tables by (colormap, sign, tint). */
class Palette {
  /** @param {object} tables the parsed colormaps.json. */
  constructor(tables) {
    this.tables = tables;
    /** @type {string[]} the colormap names, in the file's order. */
    this.names = Object.keys(tables.maps);
    this._luts = new Map();
    this._overlays = new Map();
  }

  /** The 768-byte LUT of colormap `name`. @param {string} name @returns {Uint8Array} */
  lut(name) {
    if (!this._luts.has(name)) this._luts.set(name, colormapLUT(this.tables, name));
    return this._luts.get(name);
  }

  /**
   * The 1024-byte RGBA overlay table for display settings `s`.
   * @param {{colormap:string, sign:string, tint:string, alpha?:string}} s colormap may be TINT;
   *   tint is "#rrggbb"; alpha one of ALPHAS (default "uniform").
   * @returns {Uint8Array}
   */
  table(s) {
    const alpha = s.alpha || "uniform";
    const key = `${s.colormap}|${s.sign}|${s.tint}|${alpha}`;
    let t = this._overlays.get(key);
    if (!t) {
      const tint = s.colormap === TINT;
      const lut = this.lut(tint ? defaultColormap(this.tables, "absolute") : s.colormap);
      t = overlayTable(lut, { mode: tint ? "tint" : "heatmap", sign: s.sign, alpha, tint: hexToRgb(s.tint) });
      this._overlays.set(key, t);
    }
    return t;
  }
}

export {
  OVERLAY_MODES,
  TINT,
  ALPHAS,
  valueAlpha,
  colormapLUT,
  isDiverging,
  defaultColormap,
  colormapForSign,
  hexToRgb,
  overlayTable,
  Palette,
};
