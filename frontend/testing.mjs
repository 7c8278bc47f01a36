// Helpers shared by the frontend's Node tests (not served to the page).
import { readFileSync } from "node:fs";
import zlib from "node:zlib";

/** The parsed colormaps.json, the one copy of the colormap tables. */
export const tables = JSON.parse(readFileSync(new URL("./colormaps.json", import.meta.url), "utf8"));

/** The parsed render_options.json, the option list shared with the Python renderer. */
export const renderOptions = JSON.parse(readFileSync(new URL("./render_options.json", import.meta.url), "utf8"));

/** The parsed scores.json, the list of known scores shared with the Python package. */
export const scoreNames = JSON.parse(readFileSync(new URL("./scores.json", import.meta.url), "utf8"));

/** RGBA of pixel `i` of an RGBA byte array. */
export const px = (data, i) => Array.from(data.subarray(4 * i, 4 * i + 4));

/** Encodes like the Python writer (docs/format.md): quantise, split planes, gzip. */
export function encodeMask(values) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const n = values.length;
  const planes = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const q = max === min ? 0 : Math.round(((values[i] - min) / (max - min)) * 65535);
    planes[i] = q >> 8;
    planes[n + i] = q & 255;
  }
  return { gz: zlib.gzipSync(planes), min: Math.fround(min), max: Math.fround(max) };
}
