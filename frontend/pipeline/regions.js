// Ground-truth regions (the `region` of a /sample answer, http_api.md) as
// outlines: which pixels of a picture drawn at some size lie on the edge of a
// region or a box. A region mask holds one integer per image pixel: 0 outside
// every region; kind "binary" 1 inside; kind "labels" the class index + 1.
// A pixel of the drawn picture is on the outline when it is inside a region
// and a pixel beside it (up, down, left or right, within the line's
// thickness) is not in the same region. The drawn picture maps each of its
// pixels to the image pixel under its centre (nearest neighbour), so the
// outline follows the region's pixel edges at any size. Boxes are rectangles
// in image pixels (x0, y0, x1, y1; x1 and y1 excluded). No DOM: runs under
// Node's test runner (regions.test.mjs).

/** What an outline pixel is: not on an outline, on another class's region, on the explained class's. */
const OUTLINE = Object.freeze({ none: 0, other: 1, explained: 2 });

/** The region kinds of the contract. */
const REGION_KINDS = Object.freeze(["binary", "labels"]);

/** The most pixels a drawn outline has on a side (a huge canvas costs memory, not sharpness). */
const MAX_SIDE = 4096;

/**
 * A region read from a /sample answer.
 * @typedef {{kind:string, labels:Uint16Array|null, width:number, height:number,
 *   boxes:{box:number[], label:number|null}[], explained:number|null, classNames:string[]|null}} Region
 * `labels`: the mask's values rounded (null without a mask); `explained`: the
 * class whose region the scores use (`class`), or null; `classNames`: the
 * entry's `class_names` when it has them (else the step's table names them).
 */

const labelCache = new WeakMap(); // decoded values -> their rounded labels

/**
 * A decoded region mask's values rounded to integers (0 and up).
 * @param {Float32Array} values @returns {Uint16Array}
 */
function regionLabels(values) {
  let labels = labelCache.get(values);
  if (!labels) {
    labels = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Math.round(values[i]);
      labels[i] = v > 0 ? Math.min(v, 65535) : 0;
    }
    labelCache.set(values, labels);
  }
  return labels;
}

const isInteger = (v) => Number.isInteger(v) && v >= 0;

/**
 * The region of a /sample answer's `region` entry, its mask decoded.
 * @param {object|null|undefined} json the entry (null: the image has none).
 * @param {{values:Float32Array, width:number, height:number}|null} mask its mask
 *   decoded (pipeline/decode.js), or null without one.
 * @returns {Region|null} null without a region, or with nothing to draw.
 */
function readRegion(json, mask) {
  if (!json || typeof json !== "object") return null;
  const boxes = (Array.isArray(json.boxes) ? json.boxes : [])
    .filter((b) => b && Array.isArray(b.box) && b.box.length === 4 && b.box.every(Number.isFinite))
    .map((b) => ({ box: b.box.map(Number), label: isInteger(b.label) ? b.label : null }));
  const labels = mask && mask.values ? regionLabels(mask.values) : null;
  if (!labels && !boxes.length) return null;
  return {
    kind: REGION_KINDS.includes(json.kind) ? json.kind : "binary",
    labels,
    width: labels ? mask.width : 0,
    height: labels ? mask.height : 0,
    boxes,
    explained: isInteger(json.class) ? json.class : null,
    classNames: Array.isArray(json.class_names) ? json.class_names.map(String) : null,
  };
}

/**
 * The size in pixels of an outline drawn over a picture shown `shownWidth` ×
 * `shownHeight` CSS pixels (its box; the picture fits inside it keeping its
 * shape) at `ratio` device pixels per CSS pixel: one outline pixel per device
 * pixel, the image's shape.
 * @param {number} shownWidth @param {number} shownHeight
 * @param {number} imageWidth @param {number} imageHeight @param {number} [ratio]
 * @returns {{width:number, height:number}|null} null while the picture is not shown.
 */
function outlineSize(shownWidth, shownHeight, imageWidth, imageHeight, ratio = 1) {
  if (!(shownWidth > 0 && shownHeight > 0 && imageWidth > 0 && imageHeight > 0)) return null;
  const fit = Math.min(shownWidth / imageWidth, shownHeight / imageHeight) * (ratio > 0 ? ratio : 1);
  const scale = Math.min(fit, MAX_SIDE / Math.max(imageWidth, imageHeight));
  return {
    width: Math.max(1, Math.round(imageWidth * scale)),
    height: Math.max(1, Math.round(imageHeight * scale)),
  };
}

/**
 * The part of the image a drawing of its outlines covers, in image pixels
 * (fractional): the whole image at fit; when zoomed, the part of it (and of
 * the margin around it) in the picture's box (pipeline/zoom.js).
 * @typedef {{x0:number, y0:number, x1:number, y1:number}} Window
 */

/**
 * The window of a picture's box under a zoom view (pipeline/zoom.js viewOf):
 * the image point at its top-left corner and at its bottom-right.
 * @param {{cx:number, cy:number, scale:number, boxWidth:number, boxHeight:number}} view
 * @returns {Window}
 */
function viewWindow(view) {
  const hw = view.boxWidth / view.scale / 2;
  const hh = view.boxHeight / view.scale / 2;
  return { x0: view.cx - hw, y0: view.cy - hh, x1: view.cx + hw, y1: view.cy + hh };
}

// For each of `out` drawn pixels along one side and `pad` more on either
// side, the pixel of a `size`-pixel mask (spread over `image` image pixels)
// under its centre; -1 outside the image. The drawing covers image pixels [lo, hi).
function nearest(size, image, out, lo, hi, pad) {
  const map = new Int32Array(out + 2 * pad);
  const step = (hi - lo) / out;
  for (let i = -pad; i < out + pad; i++) {
    const x = lo + (i + 0.5) * step;
    map[i + pad] = x < 0 || x >= image ? -1 : Math.min(size - 1, Math.floor((x * size) / image));
  }
  return map;
}

/**
 * The outline pixels of `region` drawn at `width` × `height`: per pixel
 * OUTLINE.explained (the region of the explained class; the region of a
 * binary mask, a box without a label, and every region when no class is
 * explained), OUTLINE.other (another class's region of a label map, a box of
 * another class), or OUTLINE.none. A box's
 * outline is the `thickness` pixels inside its edge, scaled as the picture is.
 * The drawing covers the whole image, or `window` of it (zoomed): a region
 * that goes on past the window's edge has no outline there.
 * @param {Region} region
 * @param {number} imageWidth @param {number} imageHeight the image's size (the boxes' pixels).
 * @param {number} width @param {number} height the drawn size.
 * @param {number} [thickness] the line's width in drawn pixels.
 * @param {Window|null} [window] null: the whole image.
 * @returns {Uint8Array} width*height, row-major.
 */
function outlinePixels(region, imageWidth, imageHeight, width, height, thickness = 1, window = null) {
  const out = new Uint8Array(width * height);
  const t = Math.max(1, Math.round(thickness));
  const w = window ?? { x0: 0, y0: 0, x1: imageWidth, y1: imageHeight };
  // A class's region is the explained one's, or another's; a region of no class
  // (a binary mask, a box without a label) holds the object, whatever its class.
  const kindOf = (label) =>
    label === null || region.explained === null || label === region.explained ? OUTLINE.explained : OUTLINE.other;
  if (region.labels && region.width > 0 && region.height > 0) {
    // The region's value under each drawn pixel and `t` more around the drawing (0 off the image).
    const xs = nearest(region.width, imageWidth, width, w.x0, w.x1, t);
    const ys = nearest(region.height, imageHeight, height, w.y0, w.y1, t);
    const pw = width + 2 * t;
    const scaled = new Uint16Array(pw * (height + 2 * t));
    for (let y = 0; y < ys.length; y++) {
      if (ys[y] < 0) continue;
      const row = ys[y] * region.width;
      for (let x = 0; x < pw; x++) if (xs[x] >= 0) scaled[y * pw + x] = region.labels[row + xs[x]];
    }
    // The kind of each stored value: the class of a label map is value - 1.
    const kinds = new Map();
    const kindOfValue = (v) => {
      let k = kinds.get(v);
      if (k === undefined) kinds.set(v, (k = kindOf(region.kind === "labels" ? v - 1 : null)));
      return k;
    };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y + t) * pw + x + t;
        const v = scaled[i];
        if (v === 0) continue;
        let edge = false;
        for (let d = 1; d <= t && !edge; d++) {
          edge = scaled[i - d] !== v || scaled[i + d] !== v || scaled[i - d * pw] !== v || scaled[i + d * pw] !== v;
        }
        if (edge) out[y * width + x] = kindOfValue(v);
      }
    }
  }
  for (const rect of boxRects(region.boxes, imageWidth, imageHeight, width, height, window)) {
    const kind = kindOf(rect.label);
    const x1 = rect.x + rect.width;
    const y1 = rect.y + rect.height;
    for (let y = rect.y; y < y1; y++) {
      const band = y < rect.edges.y0 + t || y >= rect.edges.y1 - t;
      for (let x = rect.x; x < x1; x++) {
        if (band || x < rect.edges.x0 + t || x >= rect.edges.x1 - t)
          out[y * width + x] = Math.max(out[y * width + x], kind);
      }
    }
  }
  return out;
}

/**
 * The boxes drawn at `width` × `height`: each box's pixels scaled as the
 * picture is (x0 * width / imageWidth, rounded; at least one pixel), clipped to
 * the picture; boxes wholly outside it are left out. `edges` are the drawn
 * edges of the box's part in the image before the clip (outside the drawing
 * where that part goes on past it, as in a zoomed window).
 * @param {{box:number[], label:number|null}[]} boxes in image pixels.
 * @param {number} imageWidth @param {number} imageHeight @param {number} width @param {number} height
 * @param {Window|null} [window] the part of the image drawn; null: all of it.
 * @returns {{x:number, y:number, width:number, height:number, label:number|null,
 *   edges:{x0:number, y0:number, x1:number, y1:number}}[]}
 */
function boxRects(boxes, imageWidth, imageHeight, width, height, window = null) {
  const w = window ?? { x0: 0, y0: 0, x1: imageWidth, y1: imageHeight };
  const sx = width / (w.x1 - w.x0);
  const sy = height / (w.y1 - w.y0);
  const out = [];
  // A box's part in the image (its edge at the image's edge where it goes past it).
  const inX = (v) => Math.min(imageWidth, Math.max(0, v));
  const inY = (v) => Math.min(imageHeight, Math.max(0, v));
  for (const { box, label } of boxes) {
    const [bx0, by0, bx1, by1] = box;
    const e0 = Math.round((inX(Math.min(bx0, bx1)) - w.x0) * sx);
    const f0 = Math.round((inY(Math.min(by0, by1)) - w.y0) * sy);
    const edges = {
      x0: e0,
      y0: f0,
      x1: Math.max(e0 + 1, Math.round((inX(Math.max(bx0, bx1)) - w.x0) * sx)),
      y1: Math.max(f0 + 1, Math.round((inY(Math.max(by0, by1)) - w.y0) * sy)),
    };
    const x0 = Math.max(0, edges.x0);
    const y0 = Math.max(0, edges.y0);
    const x1 = Math.min(width, edges.x1);
    const y1 = Math.min(height, edges.y1);
    if (x0 >= width || y0 >= height || x1 <= x0 || y1 <= y0) continue;
    out.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, label, edges });
  }
  return out;
}

/**
 * The name a class goes by: its class name, else its index.
 * @param {number|null} label @param {string[]|null|undefined} classNames @returns {string}
 */
function className(label, classNames) {
  if (label === null || label === undefined) return "";
  const name = classNames?.[label];
  return typeof name === "string" && name !== "" ? name : String(label);
}

/**
 * A sentence that names what the outlines show, for an accessible name:
 * "Regions: the region of class cat; boxes: cat, 3, a box".
 * @param {Region|null} region @param {string[]|null} [classNames] @returns {string}
 */
function regionText(region, classNames) {
  if (!region) return "";
  const parts = [];
  if (region.labels) {
    const what =
      region.kind === "labels"
        ? region.explained === null
          ? "each class's region"
          : `the region of each class, class ${className(region.explained, classNames)} explained`
        : "the region";
    parts.push(what);
  }
  if (region.boxes.length) {
    parts.push(
      `boxes: ${region.boxes.map((b) => (b.label === null ? "a box" : className(b.label, classNames))).join(", ")}`,
    );
  }
  return `Regions: ${parts.join("; ")}`;
}

/**
 * A colour "#rrggbb" as [r, g, b]; null for anything else.
 * @param {string} hex @returns {number[]|null}
 */
function rgbOf(hex) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(String(hex));
  return m ? [1, 2, 3].map((k) => parseInt(m[k], 16)) : null;
}

/** Alpha of an outline pixel of each kind: the explained class's region opaque, another's fainter. */
const OUTLINE_ALPHA = Object.freeze([0, 150, 255]);

/**
 * Fills RGBA pixels from outline pixels: colour `hex` where there is an
 * outline (alpha OUTLINE_ALPHA by its kind), transparent elsewhere.
 * @param {Uint8Array} outline from outlinePixels. @param {string} hex "#rrggbb"
 * @param {Uint8ClampedArray} [out] 4 bytes per pixel, reused when given.
 * @returns {Uint8ClampedArray}
 */
function outlineRgba(outline, hex, out = new Uint8ClampedArray(outline.length * 4)) {
  const [r, g, b] = rgbOf(hex) ?? [0, 229, 255];
  for (let i = 0; i < outline.length; i++) {
    const a = OUTLINE_ALPHA[outline[i]];
    const j = 4 * i;
    out[j] = a ? r : 0;
    out[j + 1] = a ? g : 0;
    out[j + 2] = a ? b : 0;
    out[j + 3] = a;
  }
  return out;
}

export {
  OUTLINE,
  OUTLINE_ALPHA,
  REGION_KINDS,
  MAX_SIDE,
  regionLabels,
  readRegion,
  outlineSize,
  outlinePixels,
  boxRects,
  viewWindow,
  className,
  regionText,
  rgbOf,
  outlineRgba,
};
