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

// For each of `out` pixels along one side, the pixel of `size` under its centre.
function nearest(size, out) {
  const map = new Int32Array(out);
  for (let i = 0; i < out; i++) map[i] = Math.min(size - 1, Math.floor(((i + 0.5) * size) / out));
  return map;
}

/**
 * The outline pixels of `region` drawn at `width` × `height`: per pixel
 * OUTLINE.explained (the region of the explained class; the region of a
 * binary mask, a box without a label, and every region when no class is
 * explained), OUTLINE.other (another class's region of a label map, a box of
 * another class), or OUTLINE.none. A box's
 * outline is the `thickness` pixels inside its edge, scaled as the picture is.
 * @param {Region} region
 * @param {number} imageWidth @param {number} imageHeight the image's size (the boxes' pixels).
 * @param {number} width @param {number} height the drawn size.
 * @param {number} [thickness] the line's width in drawn pixels.
 * @returns {Uint8Array} width*height, row-major.
 */
function outlinePixels(region, imageWidth, imageHeight, width, height, thickness = 1) {
  const out = new Uint8Array(width * height);
  const t = Math.max(1, Math.round(thickness));
  // A class's region is the explained one's, or another's; a region of no class
  // (a binary mask, a box without a label) holds the object, whatever its class.
  const kindOf = (label) =>
    label === null || region.explained === null || label === region.explained ? OUTLINE.explained : OUTLINE.other;
  if (region.labels && region.width > 0 && region.height > 0) {
    const xs = nearest(region.width, width);
    const ys = nearest(region.height, height);
    const scaled = new Uint16Array(width * height);
    for (let y = 0; y < height; y++) {
      const row = ys[y] * region.width;
      for (let x = 0; x < width; x++) scaled[y * width + x] = region.labels[row + xs[x]];
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
        const i = y * width + x;
        const v = scaled[i];
        if (v === 0) continue;
        let edge = false;
        for (let d = 1; d <= t && !edge; d++) {
          edge =
            x - d < 0 ||
            x + d >= width ||
            y - d < 0 ||
            y + d >= height ||
            scaled[i - d] !== v ||
            scaled[i + d] !== v ||
            scaled[i - d * width] !== v ||
            scaled[i + d * width] !== v;
        }
        if (edge) out[i] = kindOfValue(v);
      }
    }
  }
  for (const rect of boxRects(region.boxes, imageWidth, imageHeight, width, height)) {
    const kind = kindOf(rect.label);
    const x1 = rect.x + rect.width;
    const y1 = rect.y + rect.height;
    for (let y = rect.y; y < y1; y++) {
      const band = y < rect.y + t || y >= y1 - t;
      for (let x = rect.x; x < x1; x++) {
        if (band || x < rect.x + t || x >= x1 - t) out[y * width + x] = Math.max(out[y * width + x], kind);
      }
    }
  }
  return out;
}

/**
 * The boxes drawn at `width` × `height`: each box's pixels scaled as the
 * picture is (x0 * width / imageWidth, rounded; at least one pixel), clipped to
 * the picture; boxes wholly outside it are left out.
 * @param {{box:number[], label:number|null}[]} boxes in image pixels.
 * @param {number} imageWidth @param {number} imageHeight @param {number} width @param {number} height
 * @returns {{x:number, y:number, width:number, height:number, label:number|null}[]}
 */
function boxRects(boxes, imageWidth, imageHeight, width, height) {
  const sx = width / imageWidth;
  const sy = height / imageHeight;
  const out = [];
  for (const { box, label } of boxes) {
    const [bx0, by0, bx1, by1] = box;
    const x0 = Math.max(0, Math.round(Math.min(bx0, bx1) * sx));
    const y0 = Math.max(0, Math.round(Math.min(by0, by1) * sy));
    const x1 = Math.min(width, Math.max(x0 + 1, Math.round(Math.max(bx0, bx1) * sx)));
    const y1 = Math.min(height, Math.max(y0 + 1, Math.round(Math.max(by0, by1) * sy)));
    if (x0 >= width || y0 >= height || x1 <= x0 || y1 <= y0) continue;
    out.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, label });
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
  className,
  regionText,
  rgbOf,
  outlineRgba,
};
