// The outlines of an image's ground-truth regions (pipeline/regions.js), on
// a canvas of their own laid over a picture: the image, an overlay, a grid
// cell, a frame of the filmstrip. The layer has as many pixels as the picture
// shows (device pixels), so its lines are sharp at any size; it is drawn
// again only when the region, the size, the colour or the class names change,
// and showing or hiding it leaves the picture under it as it is. The canvas is
// made when a region first comes (logs without regions have none). Box labels
// are drawn as canvas text, never as markup. While the picture is zoomed
// (pipeline/zoom.js) the layer outlines the part of the image in view, at
// the box's pixels, drawn again at every zoom step.

import {
  boxRects,
  className,
  outlinePixels,
  outlineRgba,
  outlineSize,
  regionText,
  viewWindow,
} from "../pipeline/regions.js";
import { el } from "./dom.js";

/** Width of an outline, in CSS pixels. */
const LINE = 2;

/** Height of a box label's text, in CSS pixels; a box smaller than it twice over goes without. */
const LABEL = 11;

/** The layer of each picture watched for its size. */
const layers = new WeakMap();

// One watcher for every picture: a layer is drawn again at its picture's new
// size; a picture taken out of the page is no longer watched (it is again
// once its layer is shown).
const watcher =
  typeof ResizeObserver === "function"
    ? new ResizeObserver((entries) => {
        for (const entry of entries) {
          const layer = layers.get(entry.target);
          if (!layer) continue;
          if (!entry.target.isConnected) {
            watcher.unobserve(entry.target);
            layer._watched = false;
            continue;
          }
          layer._resized(entry.contentRect.width, entry.contentRect.height);
        }
      })
    : null;

/** A picture's layer of region outlines. Its canvas (`canvas.region-layer`,
 * made for the first region shown) carries `data-drawn` ("1" once outlines
 * are drawn at the picture's size; "0" while there are none). */
class RegionLayer {
  /** @param {HTMLCanvasElement} picture the canvas it lies over, in a `.picture-stack`
   * (stackWithRegions) that the layer's canvas joins. */
  constructor(picture) {
    this.picture = picture;
    /** @type {HTMLCanvasElement|null} */
    this.canvas = null;
    this._box = null; // the picture's shown size, CSS pixels
    this._want = null; // {region, width, height, colour, names}: what show() asked for
    this._drawn = null; // what the canvas holds
    this._watched = false;
    layers.set(picture, this);
  }

  // The canvas, made and put over the picture the first time it is needed.
  _canvas() {
    if (this.canvas) return this.canvas;
    this.canvas = el("canvas", { class: "region-layer", width: 1, height: 1, role: "img" });
    // Over the picture, the same box and fit; the pointer goes through to the picture.
    Object.assign(this.canvas.style, {
      position: "absolute",
      left: "0",
      top: "0",
      width: "100%",
      height: "100%",
      objectFit: "contain",
      pointerEvents: "none",
      display: "none",
    });
    this.canvas.dataset.drawn = "0";
    this.picture.after(this.canvas);
    return this.canvas;
  }

  /**
   * Outlines `region` over a picture of an image `width` × `height` (null: no
   * outlines), in `colour`, when `on`; box labels named from `classNames`.
   * Draws only what changed.
   * @param {import("../pipeline/regions.js").Region|null} region
   * @param {{width:number, height:number}|null} image the image's size (the boxes' pixels).
   * @param {{on:boolean, colour:string, classNames?:string[]|null, view?:object|null}} opts
   *   view: the picture's zoom (pipeline/zoom.js viewOf); null or at fit: the whole image.
   */
  show(region, image, { on, colour, classNames = null, view = null }) {
    const names = region?.classNames ?? classNames ?? null;
    const zoom = view && !view.fit ? view : null;
    this._want =
      on && region && image ? { region, width: image.width, height: image.height, colour, names, zoom } : null;
    if (this._want && !this._watched && watcher && this.picture.isConnected) {
      watcher.observe(this.picture);
      this._watched = true;
    }
    if (this._want && !this._box) {
      // Not measured yet (no watcher, or its first report is on its way).
      const { clientWidth, clientHeight } = this.picture;
      if (clientWidth > 0 && clientHeight > 0) this._box = { width: clientWidth, height: clientHeight };
    }
    this._draw();
  }

  /** No outlines (the picture shows another image until it is drawn). */
  clear() {
    this.show(null, null, { on: false, colour: "" });
  }

  // The watcher's report: the picture's box is now `width` × `height`.
  _resized(width, height) {
    if (this._box && this._box.width === width && this._box.height === height) return;
    this._box = { width, height };
    this._draw();
  }

  _draw() {
    const want = this._want;
    if (!want && !this.canvas) return; // never had a region: no canvas
    const c = this._canvas();
    const box = this._box;
    const ratio = globalThis.devicePixelRatio || 1;
    const size = want && box ? drawnSize(want, box, ratio) : null;
    if (!want || !size) {
      c.style.display = "none";
      c.dataset.drawn = "0";
      c.removeAttribute("aria-label");
      return;
    }
    const drawn = this._drawn;
    const names = want.names ? want.names.join("\u0000") : null;
    const window = want.zoom ? viewWindow(want.zoom) : null;
    const at = window ? `${window.x0},${window.y0},${window.x1},${window.y1}` : "";
    const same =
      drawn &&
      drawn.region === want.region &&
      drawn.colour === want.colour &&
      drawn.names === names &&
      drawn.at === at &&
      c.width === size.width &&
      c.height === size.height;
    if (!same) {
      paintOutlines(c, want, size, ratio, window);
      this._drawn = { region: want.region, colour: want.colour, names, at };
      c.setAttribute("aria-label", regionText(want.region, want.names));
    }
    c.style.display = "";
    c.dataset.drawn = "1";
  }
}

// The layer's size in pixels: the image fitted to the box (outlineSize), or
// while zoomed the whole box, one pixel per device pixel (as view/zoom.js drawPicture).
function drawnSize(want, box, ratio) {
  if (!want.zoom) return outlineSize(box.width, box.height, want.width, want.height, ratio);
  return { width: Math.max(1, Math.round(box.width * ratio)), height: Math.max(1, Math.round(box.height * ratio)) };
}

// Draws the outline pixels of `want.region` at `size` (of the image, or of
// `window` of it) and its boxes' labels.
function paintOutlines(canvas, want, size, ratio, window) {
  const { width, height } = size;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext("2d");
  const thickness = Math.max(1, Math.round(LINE * ratio));
  const outline = outlinePixels(want.region, want.width, want.height, width, height, thickness, window);
  const pixels = ctx.createImageData(width, height);
  outlineRgba(outline, want.colour, pixels.data);
  ctx.putImageData(pixels, 0, 0);
  const font = Math.round(LABEL * ratio);
  ctx.font = `${font}px sans-serif`;
  ctx.textBaseline = "top";
  ctx.lineJoin = "round";
  ctx.lineWidth = Math.max(2, Math.round(3 * ratio));
  for (const rect of boxRects(want.region.boxes, want.width, want.height, width, height, window)) {
    if (rect.label === null || rect.height < 2 * font || rect.width < 2 * font) continue;
    const text = className(rect.label, want.names);
    const x = rect.x + thickness + 2;
    const y = rect.y + thickness + 2;
    const room = rect.width - 2 * thickness - 4;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
    ctx.strokeText(text, x, y, room);
    ctx.fillStyle = want.colour;
    ctx.fillText(text, x, y, room);
  }
}

/**
 * A picture canvas in a `.picture-stack` with its layer of outlines over it.
 * @param {HTMLCanvasElement} picture @returns {{root:HTMLElement, layer:RegionLayer}}
 */
function stackWithRegions(picture) {
  const root = el("span", { class: "picture-stack" });
  root.append(picture);
  return { root, layer: new RegionLayer(picture) };
}

/**
 * The picture as a user sees it: `picture` with the outlines of `layer` drawn
 * over it, at the outlines' size (the picture's pixels scaled without
 * smoothing, as the page shows them); `picture` itself when no outlines are
 * shown.
 * @param {HTMLCanvasElement} picture @param {RegionLayer|null|undefined} layer
 * @returns {HTMLCanvasElement}
 */
function withOutlines(picture, layer) {
  const outlines = layer?.canvas;
  if (!outlines || outlines.dataset.drawn !== "1" || outlines.style.display === "none") return picture;
  const out = document.createElement("canvas");
  out.width = outlines.width;
  out.height = outlines.height;
  const ctx = out.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(picture, 0, 0, out.width, out.height);
  ctx.drawImage(outlines, 0, 0);
  return out;
}

export { LINE, RegionLayer, stackWithRegions, withOutlines };
