// The hover readout: pointer position -> image pixel -> the stored mask value
// under it (native resolution, no interpolation).

import { readoutValue } from "./format.js";

/**
 * Image pixel under a pointer at (offsetX, offsetY) CSS pixels of an element
 * showing a width x height image at displayWidth x displayHeight.
 * @param {number} offsetX @param {number} offsetY @param {number} displayWidth
 * @param {number} displayHeight @param {number} width @param {number} height
 * @returns {{x:number, y:number}|null} null outside the image.
 */
function pixelAt(offsetX, offsetY, displayWidth, displayHeight, width, height) {
  if (!(displayWidth > 0 && displayHeight > 0)) return null;
  const x = Math.floor((offsetX / displayWidth) * width);
  const y = Math.floor((offsetY / displayHeight) * height);
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  return { x, y };
}

/**
 * Index into a maskWidth x maskHeight mask of the stored value covering image
 * pixel (x, y) of a width x height image (nearest, native value).
 * @param {number} x @param {number} y @param {number} width @param {number} height
 * @param {number} maskWidth @param {number} maskHeight
 * @returns {{mx:number, my:number, index:number}}
 */
function maskIndexAt(x, y, width, height, maskWidth, maskHeight) {
  const mx = Math.min(Math.floor(((x + 0.5) * maskWidth) / width), maskWidth - 1);
  const my = Math.min(Math.floor(((y + 0.5) * maskHeight) / height), maskHeight - 1);
  return { mx, my, index: my * maskWidth + mx };
}

/**
 * The readout text for image pixel `p`: its coordinates and, when a mask is
 * shown, the mask's stored value there (and the mask pixel when the mask is smaller).
 * @param {{x:number, y:number}} p from pixelAt.
 * @param {{width:number, height:number}} image
 * @param {{name:string, values:ArrayLike<number>, width:number, height:number}|null} mask
 * @returns {string} e.g. "x 3, y 4 · grad = 0.75 (mask pixel 0, 0)".
 */
function readoutText(p, image, mask) {
  let text = `x ${p.x}, y ${p.y}`;
  if (mask) {
    const m = maskIndexAt(p.x, p.y, image.width, image.height, mask.width, mask.height);
    text += ` · ${mask.name} = ${readoutValue(mask.values[m.index])}`;
    if (mask.width !== image.width || mask.height !== image.height) text += ` (mask pixel ${m.mx}, ${m.my})`;
  }
  return text;
}

export { pixelAt, maskIndexAt, readoutText };
