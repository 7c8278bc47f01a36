// Zoom and pan of a card's single view: the view transform, without DOM.
// A picture of a `width` × `height` image is shown in a box `boxWidth` ×
// `boxHeight` CSS pixels. The transform is a scale (CSS pixels per image
// pixel) and a centre (the image point, in image pixels, at the middle of the
// box). "Fit" is the scale at which the whole image fits the box; zoom goes
// from there up to MAX_SCALE. What a card remembers is its zoom (cleanZoom):
// null scale for fit, else the scale and the centre.

/** The largest zoom: one image pixel drawn this many CSS pixels wide. */
const MAX_SCALE = 32;

/** One step of the keys or of a wheel notch: the scale is multiplied or divided by this. */
const ZOOM_STEP = 1.25;

/**
 * A card's remembered zoom with every invalid entry replaced: scale null is fit.
 * @param {object} raw e.g. parsed from storage.
 * @returns {{scale:number|null, cx:number, cy:number}} cx, cy: the centre in image pixels (NaN: the image's middle).
 */
function cleanZoom(raw) {
  const r = raw && typeof raw === "object" ? raw : {};
  const ok = (v) => typeof v === "number" && Number.isFinite(v);
  const scale = ok(r.scale) && r.scale > 0 && r.scale <= MAX_SCALE ? r.scale : null;
  return { scale, cx: scale !== null && ok(r.cx) ? r.cx : NaN, cy: scale !== null && ok(r.cy) ? r.cy : NaN };
}

/** The scale at which a `width` × `height` image fits a `boxWidth` × `boxHeight` box. */
function fitScale(width, height, boxWidth, boxHeight) {
  if (!(width > 0 && height > 0 && boxWidth > 0 && boxHeight > 0)) return 1;
  return Math.min(boxWidth / width, boxHeight / height);
}

/**
 * The view transform of a zoom (cleanZoom) for an image in a box: the scale
 * held between fit and MAX_SCALE, the centre held so the view stays on the
 * image (the middle, on an axis where the image is smaller than the box).
 * @param {{scale:number|null, cx:number, cy:number}} zoom
 * @param {number} width @param {number} height @param {number} boxWidth @param {number} boxHeight
 * @returns {{scale:number, cx:number, cy:number, fit:boolean, width:number, height:number, boxWidth:number, boxHeight:number}}
 */
function viewOf(zoom, width, height, boxWidth, boxHeight) {
  const fit = fitScale(width, height, boxWidth, boxHeight);
  const top = Math.max(fit, MAX_SCALE);
  const fitted = zoom.scale === null || zoom.scale <= fit;
  const scale = fitted ? fit : Math.min(top, zoom.scale);
  const view = { scale, cx: zoom.cx, cy: zoom.cy, fit: fitted, width, height, boxWidth, boxHeight };
  return clampCentre(view);
}

// The centre held so the view covers as much of the image as it can.
function clampCentre(view) {
  const axis = (c, size, box) => {
    const half = box / view.scale / 2;
    if (!Number.isFinite(c) || half * 2 >= size) return size / 2;
    return Math.min(size - half, Math.max(half, c));
  };
  return { ...view, cx: axis(view.cx, view.width, view.boxWidth), cy: axis(view.cy, view.height, view.boxHeight) };
}

/** The image point (image pixels, fractional) at box point (sx, sy) CSS pixels. */
function screenToImage(view, sx, sy) {
  return { x: view.cx + (sx - view.boxWidth / 2) / view.scale, y: view.cy + (sy - view.boxHeight / 2) / view.scale };
}

/** The box point (CSS pixels) of image point (x, y). */
function imageToScreen(view, x, y) {
  return { x: (x - view.cx) * view.scale + view.boxWidth / 2, y: (y - view.cy) * view.scale + view.boxHeight / 2 };
}

/** The image pixel under box point (sx, sy); null off the image. @returns {{x:number, y:number}|null} */
function pixelUnder(view, sx, sy) {
  const p = screenToImage(view, sx, sy);
  const x = Math.floor(p.x);
  const y = Math.floor(p.y);
  if (x < 0 || y < 0 || x >= view.width || y >= view.height) return null;
  return { x, y };
}

/**
 * The zoom after multiplying the scale by `factor` about box point (sx, sy):
 * the image point under it stays under it (as far as the clamps allow).
 * @returns {{scale:number|null, cx:number, cy:number}} a zoom to remember (null scale: back at fit).
 */
function zoomAbout(view, factor, sx, sy) {
  const fit = fitScale(view.width, view.height, view.boxWidth, view.boxHeight);
  const scale = Math.min(Math.max(fit, MAX_SCALE), Math.max(fit, view.scale * factor));
  return zoomTo(view, scale, sx, sy);
}

/** The zoom at `scale` (CSS pixels per image pixel) with the image point under box point (sx, sy) kept there. */
function zoomTo(view, scale, sx, sy) {
  const fit = fitScale(view.width, view.height, view.boxWidth, view.boxHeight);
  if (scale <= fit * 1.0000001) return { scale: null, cx: NaN, cy: NaN };
  const p = screenToImage(view, sx, sy);
  const next = {
    ...view,
    scale,
    cx: p.x - (sx - view.boxWidth / 2) / scale,
    cy: p.y - (sy - view.boxHeight / 2) / scale,
  };
  const c = clampCentre(next);
  return { scale, cx: c.cx, cy: c.cy };
}

/** The zoom after the picture is dragged by (dx, dy) CSS pixels (the image moves with the pointer). */
function panBy(view, dx, dy) {
  if (view.fit) return { scale: null, cx: NaN, cy: NaN };
  const c = clampCentre({ ...view, cx: view.cx - dx / view.scale, cy: view.cy - dy / view.scale });
  return { scale: view.scale, cx: c.cx, cy: c.cy };
}

/**
 * What to draw: the source rectangle of the image in view (whole image
 * pixels, clamped to the image) and where it goes in the box (CSS pixels),
 * for drawImage(source, sx, sy, sw, sh, dx, dy, dw, dh). Empty (sw or sh 0) when nothing shows.
 * @returns {{sx:number, sy:number, sw:number, sh:number, dx:number, dy:number, dw:number, dh:number}}
 */
function sourceRect(view) {
  const a = screenToImage(view, 0, 0);
  const b = screenToImage(view, view.boxWidth, view.boxHeight);
  const sx = Math.max(0, Math.floor(a.x));
  const sy = Math.max(0, Math.floor(a.y));
  const ex = Math.min(view.width, Math.ceil(b.x));
  const ey = Math.min(view.height, Math.ceil(b.y));
  const sw = Math.max(0, ex - sx);
  const sh = Math.max(0, ey - sy);
  const d = imageToScreen(view, sx, sy);
  return { sx, sy, sw, sh, dx: d.x, dy: d.y, dw: sw * view.scale, dh: sh * view.scale };
}

/** Whether one image pixel is drawn wider than one device pixel (then drawn nearest-neighbour). */
function crisp(view, ratio = 1) {
  return view.scale * ratio > 1;
}

/** The zoom as words: "fit", else "8×" (and "actual size" at 1). */
function zoomText(view) {
  if (view.fit) return "fit";
  const s = view.scale;
  const n = s >= 10 ? Math.round(s) : Math.round(s * 100) / 100;
  return Math.abs(s - 1) < 1e-9 ? "1× (actual size)" : `${n}×`;
}

export {
  MAX_SCALE,
  ZOOM_STEP,
  cleanZoom,
  crisp,
  fitScale,
  imageToScreen,
  panBy,
  pixelUnder,
  screenToImage,
  sourceRect,
  viewOf,
  zoomAbout,
  zoomText,
  zoomTo,
};
