// Zoom and pan of a card's grid, in step across its cells, without DOM. The
// grid keeps one zoom in image-relative terms: a factor over each cell's fit
// scale and a centre as a fraction of the image's width and height, so cells
// of equal image size (every row, every column, the compared runs and steps)
// show the same part of their images, and cells of other sizes the same part
// in proportion. A cell's view transform, and a zoom, pan or fit from it, are
// pipeline/zoom.js's (viewOf, zoomAbout, panBy), translated to and from the
// relative zoom here.

import { fitScale, panBy, viewOf, zoomAbout } from "./zoom.js";

/** The largest factor over fit a grid remembers (each cell's view is held to zoom.js MAX_SCALE too). */
const MAX_FACTOR = 4096;

/** The grid at fit. */
const GRID_FIT = Object.freeze({ factor: null, fx: 0.5, fy: 0.5 });

/**
 * A grid's remembered zoom with every invalid entry replaced: factor null is fit.
 * @param {object} raw e.g. parsed from storage.
 * @returns {{factor:number|null, fx:number, fy:number}} factor: over each cell's fit scale (> 1);
 *   fx, fy: the centre, as fractions of the image's width and height (0.5: the middle).
 */
function cleanGridZoom(raw) {
  const r = raw && typeof raw === "object" ? raw : {};
  const ok = (v) => typeof v === "number" && Number.isFinite(v);
  const factor = ok(r.factor) && r.factor > 1 && r.factor <= MAX_FACTOR ? r.factor : null;
  if (factor === null) return { ...GRID_FIT };
  const frac = (v) => (ok(v) ? Math.min(1, Math.max(0, v)) : 0.5);
  return { factor, fx: frac(r.fx), fy: frac(r.fy) };
}

/**
 * The view transform (zoom.js viewOf) of one cell: its image `width` × `height` in a box of CSS pixels.
 * @param {{factor:number|null, fx:number, fy:number}} zoom from cleanGridZoom.
 * @param {{width:number, height:number, boxWidth:number, boxHeight:number}} cell
 * @returns {ReturnType<typeof viewOf>}
 */
function cellView(zoom, { width, height, boxWidth, boxHeight }) {
  const z = cleanGridZoom(zoom);
  if (z.factor === null) return viewOf({ scale: null, cx: NaN, cy: NaN }, width, height, boxWidth, boxHeight);
  const fit = fitScale(width, height, boxWidth, boxHeight);
  return viewOf({ scale: fit * z.factor, cx: z.fx * width, cy: z.fy * height }, width, height, boxWidth, boxHeight);
}

/**
 * The grid's zoom from one cell's new zoom (zoom.js zoomAbout, zoomTo or panBy: scale null is fit).
 * @param {{scale:number|null, cx:number, cy:number}} next @param {ReturnType<typeof viewOf>} view the cell's.
 * @returns {{factor:number|null, fx:number, fy:number}}
 */
function relativeZoom(next, view) {
  if (!next || next.scale === null) return { ...GRID_FIT };
  const fit = fitScale(view.width, view.height, view.boxWidth, view.boxHeight);
  return cleanGridZoom({ factor: next.scale / fit, fx: next.cx / view.width, fy: next.cy / view.height });
}

/**
 * The grid's zoom after multiplying the scale by `factor` about point (sx, sy) of one cell's box:
 * the image point under it stays under it, in that cell and in every cell like it.
 * @param {{factor:number|null, fx:number, fy:number}} zoom
 * @param {{width:number, height:number, boxWidth:number, boxHeight:number}} cell
 * @param {number} factor @param {number} sx @param {number} sy
 */
function gridZoomAbout(zoom, cell, factor, sx, sy) {
  const view = cellView(zoom, cell);
  return relativeZoom(zoomAbout(view, factor, sx, sy), view);
}

/**
 * The grid's zoom after one cell's picture is dragged by (dx, dy) CSS pixels.
 * @param {{factor:number|null, fx:number, fy:number}} zoom
 * @param {{width:number, height:number, boxWidth:number, boxHeight:number}} cell
 * @param {number} dx @param {number} dy
 */
function gridPanBy(zoom, cell, dx, dy) {
  const view = cellView(zoom, cell);
  return relativeZoom(panBy(view, dx, dy), view);
}

/** The grid's zoom as words: "fit", else "4× fit". @param {{factor:number|null}} zoom @returns {string} */
function gridZoomText(zoom) {
  const f = cleanGridZoom(zoom).factor;
  if (f === null) return "fit";
  return `${f >= 10 ? Math.round(f) : Math.round(f * 100) / 100}× fit`;
}

export { GRID_FIT, MAX_FACTOR, cleanGridZoom, cellView, relativeZoom, gridZoomAbout, gridPanBy, gridZoomText };
