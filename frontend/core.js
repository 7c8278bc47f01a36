// Pure core of the saliency frontend: mask decoding, colormaps, clipping,
// normalisation and compositing. No DOM access: runs in Node 20 and in the
// browser. tensorboard_plugin_saliency/render.py implements the same
// semantics in numpy (same formulas, same order of float64 operations), so
// the PNG export and the page agree pixel for pixel.
//
// Value pipeline for one mask value v (float) and a clip c > 0:
//   s = strength(v, sign)        absolute |v|, positive max(v,0),
//                                negative max(-v,0), signed |v|
//   t = normalised value in [0,1]:
//       absolute/positive/negative  min(s/c, 1)
//       signed                      (clamp(v/c, -1, 1) + 1) / 2  (0.5 = zero)
//   i = floor(t*255 + 0.5)       index into a 256-entry overlay table
// The clip c is a percentile (or Captum cumulative-mass point) of s over the
// masks the caller chooses; a threshold keeps only pixels whose s is in the
// top k% (s >= cut and s > 0); the others get alpha 0.

/** Sign modes, in the order a UI lists them. */
export const SIGNS = Object.freeze(["absolute", "positive", "negative", "signed"]);

/** Ways to turn the `clip` percentage into a clip value. */
export const CLIP_MODES = Object.freeze(["percentile", "mass"]);

/** Overlay modes: "heatmap" = colormap colour, opaque; "tint" = one colour
 * whose alpha follows the normalised value. */
export const OVERLAY_MODES = Object.freeze(["heatmap", "tint"]);

const DEFAULT_TINT = [255, 0, 0];
const DEFAULT_TINT_NEGATIVE = [0, 64, 255];

function checkChoice(what, value, choices) {
  if (!choices.includes(value)) {
    throw new RangeError(`${what} must be one of ${choices.join(", ")}; got ${JSON.stringify(value)}`);
  }
}

// ---------------------------------------------------------------- decoding

/**
 * Decodes a `u16planes+gzip` mask (already inflated: the browser does that
 * through Content-Encoding: gzip) into float values.
 * @param {Uint8Array} bytes 2*h*w bytes: every high byte, then every low byte.
 * @param {{width:number,height:number,min:number,max:number}} info from the manifest.
 * @returns {Float32Array} h*w values, row-major: min + q*(max-min)/65535.
 */
export function decodeMask(bytes, { width, height, min, max }) {
  const n = width * height;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 2 * n) {
    throw new RangeError(`mask of ${width}x${height} needs ${2 * n} bytes; got ${bytes && bytes.length}`);
  }
  const out = new Float32Array(n);
  const range = max - min;
  for (let i = 0; i < n; i++) {
    const q = (bytes[i] << 8) | bytes[n + i];
    out[i] = min + (q * range) / 65535;
  }
  return out;
}

// ---------------------------------------------------------------- colormaps

/**
 * The 256 RGB entries of a colormap from the loaded colormaps.json.
 * @param {{maps:Object<string,string[]>}} tables the parsed colormaps.json.
 * @param {string} name e.g. "inferno"; index 0 is the low end.
 * @returns {Uint8Array} 768 bytes: r,g,b of entry 0, then entry 1, ...
 */
export function colormapLUT(tables, name) {
  const hex = tables.maps[name];
  if (!hex) checkChoice("colormap", name, Object.keys(tables.maps));
  const lut = new Uint8Array(hex.length * 3);
  hex.forEach((h, i) => {
    const x = parseInt(h.slice(1), 16);
    lut[3 * i] = x >> 16;
    lut[3 * i + 1] = (x >> 8) & 255;
    lut[3 * i + 2] = x & 255;
  });
  return lut;
}

/** True when `name` is a diverging map (white/neutral in the middle). */
export function isDiverging(tables, name) {
  return (tables.diverging || []).includes(name);
}

/** The colormap a UI should start with for a sign mode. */
export function defaultColormap(tables, sign) {
  return sign === "signed" ? tables.default_diverging || "rdbu" : tables.default || "inferno";
}

/**
 * The 256-entry RGBA table that colorizeMask indexes with i = floor(t*255+0.5).
 * heatmap: colormap colour, alpha 255. tint: alpha = i (the value); colour
 * `tint`, or for sign "signed" `tintNegative` below the middle, `tint` above,
 * alpha = round(|2t-1|*255).
 * @param {Uint8Array} lut 768-byte colormap from colormapLUT.
 * @param {{mode?:string, sign?:string, tint?:number[], tintNegative?:number[]}} opts
 * @returns {Uint8Array} 1024 bytes.
 */
export function overlayTable(lut, { mode = "heatmap", sign = "absolute", tint = DEFAULT_TINT, tintNegative = DEFAULT_TINT_NEGATIVE } = {}) {
  checkChoice("mode", mode, OVERLAY_MODES);
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
    table.set([rgb[0], rgb[1], rgb[2], a], 4 * i);
  }
  return table;
}

// ---------------------------------------------------------------- statistics

/**
 * The per-pixel strength s that clipping and thresholds rank (see top).
 * @param {ArrayLike<number>} mask raw mask values.
 * @param {string} sign one of SIGNS.
 * @returns {Float32Array} s >= 0 for every pixel.
 */
export function strength(mask, sign) {
  checkChoice("sign", sign, SIGNS);
  const s = new Float32Array(mask.length);
  strengthInto(mask, sign, s, 0);
  return s;
}

function strengthInto(mask, sign, dst, off) {
  const n = mask.length;
  if (sign === "positive") {
    for (let i = 0; i < n; i++) dst[off + i] = mask[i] > 0 ? mask[i] : 0;
  } else if (sign === "negative") {
    for (let i = 0; i < n; i++) dst[off + i] = mask[i] < 0 ? -mask[i] : 0;
  } else {
    for (let i = 0; i < n; i++) dst[off + i] = Math.abs(mask[i]);
  }
}

// Wirth/Hoare selection: after the call a[k] is the k-th smallest value,
// a[0..k-1] <= a[k] <= a[k+1..]. Mutates `a`. Average O(n).
function select(a, k) {
  let l = 0;
  let r = a.length - 1;
  while (l < r) {
    const m = (l + r) >> 1; // median-of-three pivot guards against sorted runs
    const x = Math.max(Math.min(a[l], a[m]), Math.min(Math.max(a[l], a[m]), a[r]));
    let i = l;
    let j = r;
    do {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k];
}

/**
 * The p-th percentile with linear interpolation (numpy's default method).
 * Copies `values` once and uses quickselect (no full sort).
 * @param {ArrayLike<number>} values
 * @param {number} p percentage in [0, 100].
 * @returns {number} NaN for an empty input.
 */
export function percentile(values, p) {
  const n = values.length;
  if (n === 0) return NaN;
  const a = values instanceof Float32Array ? values.slice() : Float64Array.from(values);
  const pos = (p / 100) * (n - 1);
  const k = Math.min(Math.floor(pos), n - 1);
  const lo = select(a, k);
  if (k + 1 >= n) return lo;
  let hi = a[k + 1];
  for (let i = k + 2; i < n; i++) if (a[i] < hi) hi = a[i];
  return lo + (hi - lo) * (pos - k);
}

/**
 * Captum's cumulative-mass outlier point (`_cumulative_sum_threshold`): the
 * smallest value whose ascending cumulative sum reaches `keep`% of the total.
 * Captum's outlier_perc=2 is keep=98.
 * @param {ArrayLike<number>} values non-negative strengths.
 * @param {number} keep percentage in (0, 100].
 * @returns {number}
 */
export function massThreshold(values, keep) {
  const sorted = (values instanceof Float32Array ? values.slice() : Float64Array.from(values)).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) total += sorted[i];
  const target = total * 0.01 * keep;
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum += sorted[i];
    if (cum >= target) return sorted[i];
  }
  return sorted[n - 1];
}

function checkPercent(what, p) {
  if (!(p > 0 && p <= 100)) throw new RangeError(`${what} must be in (0, 100]; got ${p}`);
}

/**
 * The clip value for a set of masks (one mask, all the masks of an image, or
 * one tag's masks across steps: the caller decides and passes them all).
 * @param {ArrayLike<number>[]} masks raw mask values.
 * @param {{sign?:string, clip?:number, clipMode?:string}} opts clip is the
 *   percentage: percentile of s over all pixels (PAIR: 99), or with
 *   clipMode "mass" the cumulative mass kept (Captum outlier_perc=2: 98).
 * @returns {number} clip in mask units (>= 0; 0 when every s is 0).
 */
export function computeClip(masks, { sign = "absolute", clip = 99, clipMode = "percentile" } = {}) {
  checkPercent("clip", clip);
  checkChoice("sign", sign, SIGNS);
  checkChoice("clipMode", clipMode, CLIP_MODES);
  const total = masks.reduce((n, m) => n + m.length, 0);
  const s = new Float32Array(total);
  let off = 0;
  for (const m of masks) {
    strengthInto(m, sign, s, off);
    off += m.length;
  }
  return clipMode === "mass" ? massThreshold(s, clip) : percentile(s, clip);
}

/**
 * The strength below which a pixel is dropped to keep the top `threshold`%.
 * @param {ArrayLike<number>} mask raw values (native size).
 * @param {{sign?:string, threshold?:number|null}} opts threshold in (0, 100].
 * @returns {number} cut (pixels keep when s >= cut and s > 0); -Infinity for no threshold.
 */
export function thresholdCut(mask, { sign = "absolute", threshold = null } = {}) {
  if (threshold === null || threshold === undefined) return -Infinity;
  checkPercent("threshold", threshold);
  return percentile(strength(mask, sign), 100 - threshold);
}

/**
 * Normalises one raw value (see top): t in [0, 1].
 * @param {number} v raw mask value. @param {string} sign @param {number} clip
 */
export function normalize(v, sign, clip) {
  const inv = clip > 0 && Number.isFinite(clip) ? 1 / clip : 0;
  if (sign === "signed") {
    let u = v * inv;
    u = u < -1 ? -1 : u > 1 ? 1 : u;
    return (u + 1) * 0.5;
  }
  const s = sign === "positive" ? (v > 0 ? v : 0) : sign === "negative" ? (v < 0 ? -v : 0) : Math.abs(v);
  const t = s * inv;
  return t > 1 ? 1 : t;
}

// ---------------------------------------------------------------- colorize

// Source coordinates for resampling a length-`src` axis to length `dst`,
// pixel centres aligned: x = (X + 0.5) * src/dst - 0.5, clamped.
function axis(src, dst, smooth) {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float64Array(dst);
  const g = new Float64Array(dst);
  const scale = src / dst;
  for (let X = 0; X < dst; X++) {
    if (smooth) {
      let x = (X + 0.5) * scale - 0.5;
      x = x < 0 ? 0 : x > src - 1 ? src - 1 : x;
      const x0 = Math.floor(x);
      i0[X] = x0;
      i1[X] = Math.min(x0 + 1, src - 1);
      f[X] = x - x0;
      g[X] = 1 - f[X];
    } else {
      i0[X] = i1[X] = Math.min(Math.floor((X + 0.5) * scale), src - 1);
      g[X] = 1;
    }
  }
  return { i0, i1, f, g };
}

/**
 * Colours a mask into an RGBA overlay layer the size of the image. Runs when
 * colormap / clip / sign / threshold / mode change; the opacity is applied
 * later (canvas globalAlpha, or composite()).
 * @param {ArrayLike<number>} mask raw values, row-major, maskWidth x maskHeight.
 * @param {{width:number,height:number}} maskSize
 * @param {object} opts
 * @param {number} opts.outWidth  overlay width (the image's; default mask's).
 * @param {number} opts.outHeight overlay height.
 * @param {Uint8Array} [opts.table] 1024-byte table from overlayTable; or
 * @param {Uint8Array} [opts.lut] a 768-byte colormap (with opts.mode/tint).
 * @param {number} opts.clip clip value in mask units (computeClip).
 * @param {string} [opts.sign="absolute"]
 * @param {number} [opts.cut] strength cut from thresholdCut; or
 * @param {number|null} [opts.threshold] top-k% to keep (cut computed here).
 * @param {boolean} [opts.smooth=true] bilinear (true) or nearest sampling.
 * @param {Uint8ClampedArray} [opts.out] reused output buffer.
 * @returns {Uint8ClampedArray} outWidth*outHeight*4 RGBA; alpha 0 = no overlay.
 */
export function colorizeMask(mask, { width, height }, opts) {
  const { outWidth = width, outHeight = height, clip, sign = "absolute", smooth = true } = opts;
  checkChoice("sign", sign, SIGNS);
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, not ${width}x${height}`);
  const table = opts.table || overlayTable(opts.lut, { mode: opts.mode, sign, tint: opts.tint, tintNegative: opts.tintNegative });
  const cut = opts.cut !== undefined ? opts.cut : thresholdCut(mask, { sign, threshold: opts.threshold });
  const n = outWidth * outHeight;
  const out = opts.out && opts.out.length === 4 * n ? opts.out : new Uint8ClampedArray(4 * n);
  const out32 = new Uint32Array(out.buffer, out.byteOffset, n);
  const table32 = new Uint32Array(table.buffer, table.byteOffset, 256); // byte order = memory order
  const inv = clip > 0 && Number.isFinite(clip) ? 1 / clip : 0;
  // keep <=> s >= cut and s > 0; s > 0 <=> s >= Number.MIN_VALUE
  const keep = cut > -Infinity ? Math.max(cut, Number.MIN_VALUE) : -Infinity;
  if (outWidth === width && outHeight === height) {
    paintRun(mask, 0, n, sign, inv, keep, table32, out32, 0);
    return out;
  }
  const xs = axis(width, outWidth, smooth);
  const ys = axis(height, outHeight, smooth);
  const { i0: x0, i1: x1, f: fx, g: gx } = xs;
  // Horizontal pass once per mask row (separable bilinear), then each output
  // row blends two of those rows: v = top*gy + bottom*fy.
  const rows = new Float64Array(height * outWidth);
  for (let y = 0; y < height; y++) {
    const r = y * width;
    const o = y * outWidth;
    if (smooth) {
      for (let X = 0; X < outWidth; X++) rows[o + X] = mask[r + x0[X]] * gx[X] + mask[r + x1[X]] * fx[X];
    } else {
      for (let X = 0; X < outWidth; X++) rows[o + X] = mask[r + x0[X]];
    }
  }
  const row = new Float64Array(outWidth);
  for (let Y = 0; Y < outHeight; Y++) {
    const r0 = ys.i0[Y] * outWidth;
    if (smooth) {
      const r1 = ys.i1[Y] * outWidth;
      const fy = ys.f[Y];
      const gy = ys.g[Y];
      for (let X = 0; X < outWidth; X++) row[X] = rows[r0 + X] * gy + rows[r1 + X] * fy;
      paintRun(row, 0, outWidth, sign, inv, keep, table32, out32, Y * outWidth);
    } else {
      paintRun(rows, r0, outWidth, sign, inv, keep, table32, out32, Y * outWidth);
    }
  }
  return out;
}

// Colours values[start .. start+n) into out32[off ..) through table32, with
// index floor(t*255 + 0.5) (t >= 0, so `| 0` is the floor). One small loop
// per sign keeps each monomorphic and fast.
function paintRun(values, start, n, sign, inv, keep, table32, out32, off) {
  const d = off - start;
  const end = start + n;
  if (sign === "signed") {
    for (let i = start; i < end; i++) {
      const v = values[i];
      if ((v < 0 ? -v : v) < keep) { out32[i + d] = 0; continue; }
      let u = v * inv;
      u = u < -1 ? -1 : u > 1 ? 1 : u;
      out32[i + d] = table32[((u + 1) * 0.5 * 255 + 0.5) | 0];
    }
  } else if (sign === "positive") {
    for (let i = start; i < end; i++) {
      const s = values[i] > 0 ? values[i] : 0;
      const t = s * inv;
      out32[i + d] = s < keep ? 0 : table32[t >= 1 ? 255 : (t * 255 + 0.5) | 0];
    }
  } else if (sign === "negative") {
    for (let i = start; i < end; i++) {
      const s = values[i] < 0 ? -values[i] : 0;
      const t = s * inv;
      out32[i + d] = s < keep ? 0 : table32[t >= 1 ? 255 : (t * 255 + 0.5) | 0];
    }
  } else {
    for (let i = start; i < end; i++) {
      const s = values[i] < 0 ? -values[i] : values[i];
      const t = s * inv;
      out32[i + d] = s < keep ? 0 : table32[t >= 1 ? 255 : (t * 255 + 0.5) | 0];
    }
  }
}

// ---------------------------------------------------------------- compositing

/**
 * Draws `overlay` over `image` with source-over at global alpha `opacity`,
 * what a canvas does with drawImage(overlayCanvas) under globalAlpha (up to
 * the canvas's own premultiplied 8-bit rounding, within ±1).
 * Per pixel: as = overlayAlpha/255*opacity, ad = imageAlpha/255,
 * ar = as + ad*(1-as), C = (Cs*as + Cd*ad*(1-as))/ar, A = ar*255; each
 * rounded as floor(x + 0.5).
 * @param {{width:number,height:number,data:Uint8ClampedArray}} image RGBA.
 * @param {Uint8ClampedArray|null} overlay RGBA of the same size (null: none).
 * @param {number} opacity in [0, 1].
 * @returns {{width:number,height:number,data:Uint8ClampedArray}} a new image.
 */
export function composite(image, overlay, opacity = 0.5) {
  const { width, height } = image;
  const src = image.data;
  const data = new Uint8ClampedArray(src);
  if (!overlay || opacity <= 0) return { width, height, data };
  if (overlay.length !== data.length) throw new RangeError(`overlay has ${overlay.length} bytes, image ${data.length}`);
  for (let p = 0; p < data.length; p += 4) {
    const oa = overlay[p + 3];
    if (oa === 0) continue;
    const as = (oa / 255) * opacity;
    const ad = src[p + 3] / 255;
    const ar = as + ad * (1 - as);
    const k = ad * (1 - as);
    for (let c = 0; c < 3; c++) data[p + c] = Math.floor((overlay[p + c] * as + src[p + c] * k) / ar + 0.5);
    data[p + 3] = Math.floor(ar * 255 + 0.5);
  }
  return { width, height, data };
}

/**
 * Everything at once (the PNG download and tests): clip, colorize at the
 * image size, composite. Mirrors render.render_overlay in Python.
 * @param {{width:number,height:number,data:Uint8ClampedArray}} image RGBA.
 * @param {ArrayLike<number>} mask raw values.
 * @param {{width:number,height:number}} maskSize
 * @param {object} opts lut (required), opacity=0.5, clip=99 (percentage),
 *   clipMode, clipValue (explicit clip in mask units, wins over clip), sign,
 *   threshold, smooth=true, mode, tint, tintNegative, showMask=true.
 */
export function renderOverlay(image, mask, maskSize, opts) {
  const { opacity = 0.5, sign = "absolute", showMask = true } = opts;
  if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`opacity must be in [0, 1]; got ${opacity}`);
  if (!showMask) return composite(image, null, 0);
  const clip = opts.clipValue ?? computeClip([mask], { sign, clip: opts.clip ?? 99, clipMode: opts.clipMode });
  const overlay = colorizeMask(mask, maskSize, { ...opts, sign, clip, outWidth: image.width, outHeight: image.height });
  return composite(image, overlay, opacity);
}

// ---------------------------------------------------------------- colour bar

/**
 * Data for a colour bar: gradient stops and the real mask values at its ends.
 * @param {Uint8Array} lut 768-byte colormap (or pass opts.table).
 * @param {{sign?:string, clip:number, mode?:string, tint?:number[], tintNegative?:number[], table?:Uint8Array, stops?:number}} opts
 * @returns {{stops:{offset:number,color:string}[], labels:{offset:number,value:number,text:string}[], low:number, high:number, clip:number}}
 *   offset 0 = left/bottom end; colors are CSS "rgba(r,g,b,a)". Values:
 *   signed -clip..0..+clip, absolute/positive 0..clip, negative 0..-clip.
 */
export function colorbar(lut, { sign = "absolute", clip, mode = "heatmap", tint, tintNegative, table, stops = 32 } = {}) {
  checkChoice("sign", sign, SIGNS);
  const tab = table || overlayTable(lut, { mode, sign, tint, tintNegative });
  const list = [];
  for (let k = 0; k < stops; k++) {
    const offset = stops === 1 ? 0 : k / (stops - 1);
    const i = Math.floor(offset * 255 + 0.5);
    const a = +(tab[4 * i + 3] / 255).toFixed(3);
    list.push({ offset, color: `rgba(${tab[4 * i]},${tab[4 * i + 1]},${tab[4 * i + 2]},${a})` });
  }
  const low = sign === "signed" ? -clip : 0;
  const high = sign === "negative" ? -clip : clip;
  const labels = [{ offset: 0, value: low }];
  if (sign === "signed") labels.push({ offset: 0.5, value: 0 });
  labels.push({ offset: 1, value: high });
  for (const l of labels) l.text = formatValue(l.value);
  return { stops: list, labels, low, high, clip };
}

/** A short label for a mask value: 3 significant digits, exponent when tiny/huge. */
export function formatValue(x) {
  if (x === 0 || !Number.isFinite(x)) return String(x === 0 ? 0 : x);
  const ax = Math.abs(x);
  if (ax < 1e-3 || ax >= 1e5) return x.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(3)));
}
