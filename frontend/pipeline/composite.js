// The last step: the coloured layer over the image at an opacity. The page
// does this with two canvas drawImage calls (globalAlpha = opacity); these
// functions are the same operation in numbers, for tests and for comparing
// with the Python renderer's PNG.

import { computeClip } from "./clip.js";
import { colorizeMask } from "./colorize.js";

/**
 * Draws `overlay` over `image` with source-over at global alpha `opacity`,
 * what a canvas does with drawImage(overlayCanvas) under globalAlpha (up to
 * the canvas's own premultiplied 8-bit rounding, within ±1).
 * Per pixel: as = overlayAlpha/255*opacity, ad = imageAlpha/255,
 * ar = as + ad*(1-as), C = (Cs*as + Cd*ad*(1-as))/ar, A = ar*255; each
 * rounded as floor(x + 0.5).
 * @param {{width:number, height:number, data:Uint8ClampedArray}} image RGBA.
 * @param {Uint8ClampedArray|null} overlay RGBA of the same size (null: none).
 * @param {number} opacity in [0, 1].
 * @returns {{width:number, height:number, data:Uint8ClampedArray}} a new image.
 */
function composite(image, overlay, opacity = 0.5) {
  const { width, height } = image;
  const src = image.data;
  const data = new Uint8ClampedArray(src);
  if (!overlay || opacity <= 0) return { width, height, data };
  if (overlay.length !== data.length) {
    throw new RangeError(`overlay has ${overlay.length} bytes, image ${data.length}`);
  }
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
 * Everything at once: clip, colorize at the image size, composite. Mirrors
 * render.render_overlay in Python.
 * @param {{width:number, height:number, data:Uint8ClampedArray}} image RGBA.
 * @param {ArrayLike<number>} mask raw values.
 * @param {{width:number, height:number}} maskSize
 * @param {object} opts lut (required), opacity=0.5, clip=99 (percentage),
 *   clipMode, clipValue (explicit clip in mask units, wins over clip), sign,
 *   threshold, smooth=true, mode, tint, tintNegative, showMask=true.
 * @returns {{width:number, height:number, data:Uint8ClampedArray}}
 */
function renderOverlay(image, mask, maskSize, opts) {
  const { opacity = 0.5, sign = "absolute", showMask = true } = opts;
  if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`opacity must be in [0, 1]; got ${opacity}`);
  if (!showMask) return composite(image, null, 0);
  const clip = opts.clipValue ?? computeClip([mask], { sign, clip: opts.clip ?? 99, clipMode: opts.clipMode });
  const overlay = colorizeMask(mask, maskSize, {
    ...opts,
    sign,
    clip,
    outWidth: image.width,
    outHeight: image.height,
  });
  return composite(image, overlay, opacity);
}

export { composite, renderOverlay };
