// A mask to an RGBA overlay layer: normalise each value against the clip,
// index the 256-entry overlay table, drop pixels below the threshold, and
// scale a mask smaller than its image. tensorboard_plugin_saliency/render.py
// does the same arithmetic in the same order, so the two agree pixel for pixel.
//
// For one value v and a clip c > 0, the normalised value t in [0, 1] is
//   absolute/positive/negative  min(s/c, 1)           (s: see clip.js)
//   signed                      (clamp(v/c, -1, 1) + 1) / 2  (0.5 = zero)
// and the table index i = floor(t*255 + 0.5).

import { SIGNS, thresholdCut } from "./clip.js";
import { checkChoice } from "./check.js";
import { overlayTable } from "./colormap.js";

/**
 * Normalises one raw value: t in [0, 1].
 * @param {number} v raw mask value.
 * @param {string} sign one of SIGNS.
 * @param {number} clip clip value in mask units (0: every t is 0, or 0.5 when signed).
 * @returns {number}
 */
function normalize(v, sign, clip) {
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
 * @param {{width:number, height:number}} maskSize
 * @param {object} opts
 * @param {number} [opts.outWidth] overlay width (the image's; default the mask's).
 * @param {number} [opts.outHeight] overlay height.
 * @param {Uint8Array} [opts.table] 1024-byte table from overlayTable; or
 * @param {Uint8Array} [opts.lut] a 768-byte colormap (with opts.mode, opts.tint, opts.tintNegative).
 * @param {number} opts.clip clip value in mask units (clip.js).
 * @param {string} [opts.sign="absolute"]
 * @param {number} [opts.cut] strength cut (cutFromSorted, thresholdCut); or
 * @param {number|null} [opts.threshold] top-k% to keep (cut computed here, as thresholdCut).
 * @param {boolean} [opts.smooth=true] bilinear (true) or nearest sampling.
 * @param {Uint8ClampedArray} [opts.out] reused output buffer.
 * @returns {Uint8ClampedArray} outWidth*outHeight*4 RGBA; alpha 0 = no overlay.
 */
function colorizeMask(mask, { width, height }, opts) {
  const { outWidth = width, outHeight = height, clip, sign = "absolute", smooth = true } = opts;
  checkChoice("sign", sign, SIGNS);
  if (mask.length !== width * height) {
    throw new RangeError(`mask has ${mask.length} values, not ${width}x${height}`);
  }
  const table =
    opts.table || overlayTable(opts.lut, { mode: opts.mode, sign, tint: opts.tint, tintNegative: opts.tintNegative });
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

/**
 * A mask's raw values resampled to outWidth x outHeight as colorizeMask
 * samples them (pixel centres aligned; bilinear when smooth, else nearest);
 * the values themselves when the size is already that.
 * @param {ArrayLike<number>} mask raw values, row-major, width x height.
 * @param {{width:number, height:number}} size the mask's.
 * @param {number} outWidth @param {number} outHeight @param {boolean} [smooth=true]
 * @returns {ArrayLike<number>} outWidth*outHeight values.
 */
function resampleMask(mask, { width, height }, outWidth, outHeight, smooth = true) {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, not ${width}x${height}`);
  if (outWidth === width && outHeight === height) return mask;
  const xs = axis(width, outWidth, smooth);
  const ys = axis(height, outHeight, smooth);
  const out = new Float32Array(outWidth * outHeight);
  for (let Y = 0; Y < outHeight; Y++) {
    const r0 = ys.i0[Y] * width;
    const r1 = ys.i1[Y] * width;
    const fy = ys.f[Y];
    const gy = ys.g[Y];
    for (let X = 0; X < outWidth; X++) {
      const top = mask[r0 + xs.i0[X]] * xs.g[X] + mask[r0 + xs.i1[X]] * xs.f[X];
      const bottom = mask[r1 + xs.i0[X]] * xs.g[X] + mask[r1 + xs.i1[X]] * xs.f[X];
      out[Y * outWidth + X] = top * gy + bottom * fy;
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
      if ((v < 0 ? -v : v) < keep) {
        out32[i + d] = 0;
        continue;
      }
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

export { normalize, colorizeMask, resampleMask };
