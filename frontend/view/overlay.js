// The canvases of a card. The composite canvas shows the image with the
// overlay layer drawn over it at the opacity; the layer is a second,
// off-screen canvas that pipeline/colorize.js fills. Painting has two levels,
// so the cheap controls stay cheap:
//  - colour(): the pixel loop, into the layer. Only when the mask, colormap,
//    tint, sign, clip, threshold, normalisation or scaling change.
//  - paint(): two drawImage calls at globalAlpha = opacity. Opacity and Show
//    mask only ever call this.
// The outlines of the image's regions lie over the composite on a canvas of
// their own (view/regions.js), so they change without either. A comparison
// of two masks (view/compare.js) colours mask B into a second layer
// (colourB), and paint() draws either layer, or A left of a column and B
// right of it (a swipe), so moving the divider or flicker's phase only paints.

import { colorizeMask } from "../pipeline/colorize.js";
import { TIMINGS, measure } from "../timing.js";
import { el } from "./dom.js";
import { stackWithRegions } from "./regions.js";
import { setChunks } from "./scores.js";
import { drawPicture } from "./zoom.js";

/**
 * Colours a mask through the pipeline into a 2D context's pixels.
 * @param {CanvasRenderingContext2D} ctx @param {ImageData} pixels reused buffer of the context's size.
 * @param {{values:Float32Array, width:number, height:number}} mask decoded mask.
 * @param {{table:Uint8Array, clip:number, sign:string, cut:number, smooth:boolean}} params
 */
function colourInto(ctx, pixels, mask, params) {
  colorizeMask(mask.values, mask, { ...params, outWidth: pixels.width, outHeight: pixels.height, out: pixels.data });
  ctx.putImageData(pixels, 0, 0);
}

/** The composite canvas, its off-screen overlay layer, and the outlines of the
 * regions over it (`root` holds the canvas and the outlines: put it on the page). */
class OverlayCanvas {
  /** @param {string} label the canvas's accessible name. */
  constructor(label) {
    /** @type {HTMLCanvasElement} the canvas on the page. */
    this.canvas = el("canvas", { class: "composite", width: 1, height: 1, role: "img", "aria-label": label });
    const { root, layer } = stackWithRegions(this.canvas);
    /** @type {HTMLElement} the canvas with the outlines over it. */
    this.root = root;
    /** @type {import("./regions.js").RegionLayer} the outlines of the image's regions. */
    this.regions = layer;
    this.ctx = this.canvas.getContext("2d");
    this._layer = document.createElement("canvas");
    this._lctx = this._layer.getContext("2d");
    this._pixels = null;
    this._layerB = null; // mask B's layer, made when a comparison first needs it
    this._pixelsB = null;
  }

  /** Sizes both canvases to the image. @param {number} width @param {number} height */
  resize(width, height) {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    if (this._layer.width !== width || this._layer.height !== height) {
      this._layer.width = width;
      this._layer.height = height;
      this._pixels = null;
      this._pixelsB = null;
    }
  }

  /**
   * Colours `mask` into the layer (see colourInto); null clears the layer.
   * @param {object|null} mask @param {object} [params]
   */
  colour(mask, params) {
    const { width, height } = this._layer;
    if (!mask) {
      this._lctx.clearRect(0, 0, width, height);
      return;
    }
    if (!this._pixels) this._pixels = this._lctx.createImageData(width, height);
    colourInto(this._lctx, this._pixels, mask, params);
  }

  /**
   * Colours mask B of a comparison into its own layer, the size of the first (see colourInto).
   * @param {object} mask @param {object} params
   */
  colourB(mask, params) {
    const { width, height } = this._layer;
    if (!this._layerB) {
      this._layerB = document.createElement("canvas");
      this._lctxB = this._layerB.getContext("2d");
    }
    if (this._layerB.width !== width || this._layerB.height !== height) {
      this._layerB.width = width;
      this._layerB.height = height;
      this._pixelsB = null;
    }
    if (!this._pixelsB) this._pixelsB = this._lctxB.createImageData(width, height);
    colourInto(this._lctxB, this._pixelsB, mask, params);
  }

  /**
   * Draws the image, then the layer at `opacity` (0: the image alone).
   * @param {ImageBitmap} image @param {number} opacity
   * @param {"A"|"B"|{split:number}} [layers] "A": the first layer; "B": mask B's
   *   (colourB); {split}: the first layer over columns [0, split), B's over the rest.
   * @param {object|null} [view] the card's view transform of this canvas (view/zoom.js): only the part in view is drawn.
   */
  paint(image, opacity, layers = "A", view = null) {
    const start = performance.now();
    const { width: w, height: h } = this._layer;
    const sources = [{ source: image }];
    if (opacity > 0) {
      const b = this._layerB;
      if (layers === "B" && b) sources.push({ source: b, alpha: opacity });
      else if (typeof layers === "object" && b) {
        const x = Math.min(w, Math.max(0, layers.split));
        sources.push({ source: this._layer, alpha: opacity, x1: x }, { source: b, alpha: opacity, x0: x });
      } else sources.push({ source: this._layer, alpha: opacity });
    }
    drawPicture(this.canvas, view, sources, w, h);
    measure(TIMINGS.paint, start);
  }

  /** Blanks the canvas and its outlines (a grid cell given to another row, until that row is drawn). */
  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.regions.clear();
  }
}

/**
 * Side by side: the image and each mask coloured alone, as captioned panels,
 * each with a layer for the outlines of the image's regions.
 * @param {ImageBitmap} image
 * @param {{name:string, mask:object, params:object, scores?:{chunks:string[], title:string}}[]} masks
 *   each mask with its colouring, and its scores' compact caption (pipeline/scores.js ScoreCatalog.compact).
 * @returns {{panels:HTMLElement[], layers:import("./regions.js").RegionLayer[],
 *   pictures:{canvas:HTMLCanvasElement, source:HTMLCanvasElement, mask:string|null}[]}} pictures: each
 *   panel's canvas on the page, its source at the image's size, its mask's name (null: the image).
 */
function sideBySidePanels(image, masks) {
  const { width, height } = image;
  const picture = el("canvas", { width, height, "aria-label": "Image" });
  picture.getContext("2d").drawImage(image, 0, 0);
  const layers = [];
  const pictures = [];
  const panels = [panel(picture, "image", undefined, layers, pictures)];
  for (const { name, mask, params, scores } of masks) {
    const c = el("canvas", { width, height });
    const ctx = c.getContext("2d");
    colourInto(ctx, ctx.createImageData(width, height), mask, params);
    const p = panel(c, name, scores, layers, pictures);
    p.querySelector("canvas").setAttribute("aria-label", `Mask ${name}`);
    pictures.at(-1).mask = name;
    panels.push(p);
  }
  return { panels, layers, pictures };
}

// A panel shows its source (image-sized, off the page) through a canvas of its own, zoomed as the card is.
function panel(source, caption, scores, layers, pictures) {
  const shown = el("canvas", {
    width: source.width,
    height: source.height,
    "aria-label": source.getAttribute("aria-label"),
  });
  shown.zoomSource = source; // what it shows, at the image's size (read by the tests)
  shown.getContext("2d").drawImage(source, 0, 0);
  pictures.push({ canvas: shown, source, mask: null });
  const { root: canvas, layer } = stackWithRegions(shown);
  layers.push(layer);
  const f = el("figure", { class: "panel" });
  const text = el("figcaption", { text: caption });
  if (scores?.chunks?.length) {
    const figure = el("span", { class: "panel-scores", title: scores.title });
    setChunks(figure, scores.chunks);
    text.append(figure);
  }
  f.append(canvas, text);
  return f;
}

export { OverlayCanvas, sideBySidePanels };
