// Zoom and pan of a card's single view: every picture of it (the composite,
// each side-by-side panel, the compare modes that share the composite) shows
// one view transform (pipeline/zoom.js). The zoom is the card's, kept in the
// DisplayState (state.js zoomFor / setZoom) as the composite's scale and the
// centre; a panel shows the same part of the image at its own size. Wheel
// (and pinch, ctrl+wheel) zooms about the pointer (a plain wheel only on a
// picture focused or zoomed in: wheelZooms; else the page scrolls), + / − / 0 on a focused
// picture zoom and fit, the arrow keys pan when zoomed, a drag pans, a
// double-click fits; the buttons "Fit" and "Actual size" (1 image pixel = 1
// CSS pixel). Drawing takes only the part of the source in view
// (drawPicture), crisp once an image pixel is wider than a device pixel.

import { ZOOM_STEP, crisp, panBy, sourceRect, viewOf, zoomAbout, zoomText, zoomTo } from "../pipeline/zoom.js";
import { el } from "./dom.js";

/** How far an arrow key pans, in CSS pixels. */
const PAN_STEP = 40;

/**
 * Draws `sources` onto `canvas` as `view` shows them: each source (image-sized)
 * over image columns [x0, x1), cropped to the part in view; null view: the
 * whole image at its own size (fit, as the page did before zoom).
 * @param {HTMLCanvasElement} canvas
 * @param {ReturnType<typeof viewOf>|null} view
 * @param {{source:CanvasImageSource, alpha?:number, x0?:number, x1?:number}[]} sources
 * @param {number} width @param {number} height the image's size.
 */
function drawPicture(canvas, view, sources, width, height) {
  const ratio = globalThis.devicePixelRatio || 1;
  const zoomed = view && !view.fit;
  const w = zoomed ? Math.max(1, Math.round(view.boxWidth * ratio)) : width;
  const h = zoomed ? Math.max(1, Math.round(view.boxHeight * ratio)) : height;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.aspectRatio = `${width} / ${height}`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.clearRect(0, 0, w, h);
  const r = zoomed ? sourceRect(view) : { sx: 0, sy: 0, sw: width, sh: height };
  if (zoomed) {
    ctx.setTransform(w / view.boxWidth, 0, 0, h / view.boxHeight, 0, 0);
    ctx.imageSmoothingEnabled = !crisp(view, ratio);
  } else ctx.imageSmoothingEnabled = true;
  const scale = zoomed ? view.scale : 1;
  for (const { source, alpha = 1, x0 = 0, x1 = width } of sources) {
    if (!(alpha > 0)) continue;
    const a = Math.max(r.sx, x0);
    const b = Math.min(r.sx + r.sw, x1);
    if (b <= a || r.sh <= 0) continue;
    ctx.globalAlpha = alpha;
    const dx = zoomed ? r.dx + (a - r.sx) * scale : a;
    const dy = zoomed ? r.dy : 0;
    ctx.drawImage(source, a, r.sy, b - a, r.sh, dx, dy, (b - a) * scale, r.sh * scale);
  }
  ctx.globalAlpha = 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}

/** What the zoom line says after a wheel over a picture at fit that scrolled the page. */
const WHEEL_HINT = "Click the picture (or hold Ctrl) to zoom with the wheel";

/**
 * Whether a wheel over a picture zooms it rather than scrolling the page: with
 * Ctrl (and a pinch, which comes as Ctrl+wheel), on a picture that has the
 * focus (clicked or tabbed to), or on one already zoomed in. A page of cards
 * scrolls under the pointer as it passes over their pictures.
 * @param {WheelEvent} e @param {{fit:boolean}} view the picture's. @param {HTMLElement} canvas
 * @returns {boolean}
 */
function wheelZooms(e, view, canvas) {
  return e.ctrlKey || !view.fit || canvas.ownerDocument.activeElement === canvas;
}

/**
 * The zoom factor of one wheel event: a notch of a mouse wheel (100 pixels) is
 * one ZOOM_STEP; a pinch, which comes as ctrl+wheel with small deltas, ten
 * times as fast per pixel.
 * @param {WheelEvent} e @returns {number} > 1 zooms in.
 */
function wheelFactor(e) {
  const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? 400 : 1;
  return Math.pow(ZOOM_STEP, (-e.deltaY * unit) / (e.ctrlKey ? 10 : 100));
}

/** A card's zoom: its controls, the events of its pictures, and each picture's view. */
class CardZoom {
  /**
   * @param {import("./card.js").Card} card its app.state, key, data, view (OverlayCanvas) and repaint() are used.
   */
  constructor(card) {
    this._card = card;
    const button = (text, label, act) => {
      const b = el("button", { type: "button", class: "button", text, "aria-label": label });
      b.addEventListener("click", act);
      return b;
    };
    const centre = (canvas, f) => f(this.viewFor(canvas), canvas.clientWidth / 2, canvas.clientHeight / 2);
    const main = () => card.view.canvas;
    this.outButton = button("−", "Zoom out", () =>
      this._set(centre(main(), (v, x, y) => zoomAbout(v, 1 / ZOOM_STEP, x, y))),
    );
    this.inButton = button("+", "Zoom in", () => this._set(centre(main(), (v, x, y) => zoomAbout(v, ZOOM_STEP, x, y))));
    this.fitButton = button("Fit", "Fit the image to the card", () => this._set(null));
    this.actualButton = button("Actual size", "Actual size: 1 image pixel = 1 CSS pixel", () =>
      this._set(centre(main(), (v, x, y) => zoomTo(v, 1, x, y))),
    );
    /** @type {HTMLOutputElement} the zoom as words. */
    this.status = el("output", { class: "zoom-status", "aria-label": "Zoom", text: "Zoom: fit" });
    /** @type {HTMLElement} the row of zoom controls. */
    this.root = el("div", { class: "card-zoom", role: "group", "aria-label": "Zoom" });
    this.root.append(this.outButton, this.inButton, this.fitButton, this.actualButton, this.status);
  }

  /** The card's remembered zoom, or fit when the image's actual-size setting is on. */
  zoom() {
    const card = this._card;
    if (card.settings().actualSize) return { scale: null, cx: NaN, cy: NaN };
    return card.app.state.zoomFor(card.key);
  }

  /** Whether the pictures are zoomed in (not at fit). */
  zoomed() {
    return this.zoom().scale !== null;
  }

  // The composite's width over this picture's: a panel shows the composite's view at its size.
  _ratio(canvas) {
    const w = canvas.getBoundingClientRect().width;
    const m = this._card.view.canvas.getBoundingClientRect().width;
    return w > 0 && m > 0 ? w / m : 1;
  }

  /**
   * The view transform of one picture of the card (its box is its CSS size).
   * @param {HTMLCanvasElement} canvas @returns {ReturnType<typeof viewOf>|null} null: not laid out or no image.
   */
  viewFor(canvas) {
    const image = this._card.data.shown?.image;
    if (!image) return null;
    const { width: w, height: h } = canvas.getBoundingClientRect();
    if (!(w > 0 && h > 0)) return null;
    const z = this.zoom();
    const ratio = this._ratio(canvas);
    return viewOf(z.scale === null ? z : { ...z, scale: z.scale * ratio }, image.width, image.height, w, h);
  }

  // A new zoom from a picture's view (scale in that picture's CSS pixels); null: fit.
  _set(next, canvas = this._card.view.canvas) {
    if (next === undefined) return;
    const z = next && next.scale !== null ? { ...next, scale: next.scale / this._ratio(canvas) } : null;
    this._card.app.state.setZoom(this._card.key, z || { scale: null, cx: NaN, cy: NaN });
    this._card.repaint();
  }

  // Says how to zoom with the wheel, for a while, after a wheel that scrolled the page.
  _hint() {
    this.status.textContent = WHEEL_HINT;
    clearTimeout(this._hintTimer);
    this._hintTimer = setTimeout(() => this.sync(), 2500);
  }

  /** The status text follows the zoom. */
  sync() {
    const v = this.viewFor(this._card.view.canvas);
    const zoomed = this.zoomed();
    this.status.textContent = `Zoom: ${v ? zoomText(v) : "fit"}`;
    this.fitButton.disabled = !zoomed;
  }

  /**
   * Makes a picture zoom and pan: wheel, keys, drag, double-click.
   * @param {HTMLCanvasElement} canvas
   */
  bind(canvas) {
    canvas.setAttribute("tabindex", "0");
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    canvas.addEventListener(
      "wheel",
      (e) => {
        const v = this.viewFor(canvas);
        if (!v) return;
        if (!wheelZooms(e, v, canvas)) {
          this._hint();
          return; // the page scrolls
        }
        e.preventDefault();
        const [x, y] = at(e);
        this._set(zoomAbout(v, wheelFactor(e), x, y), canvas);
      },
      { passive: false },
    );
    canvas.addEventListener("keydown", (e) => {
      const v = this.viewFor(canvas);
      if (!v || e.altKey || e.metaKey || e.ctrlKey) return;
      const cx = v.boxWidth / 2;
      const cy = v.boxHeight / 2;
      let next;
      if (e.key === "+" || e.key === "=") next = zoomAbout(v, ZOOM_STEP, cx, cy);
      else if (e.key === "-" || e.key === "−" || e.key === "_") next = zoomAbout(v, 1 / ZOOM_STEP, cx, cy);
      else if (e.key === "0") next = null;
      else if (!v.fit && e.key.startsWith("Arrow")) {
        const d = {
          ArrowLeft: [PAN_STEP, 0],
          ArrowRight: [-PAN_STEP, 0],
          ArrowUp: [0, PAN_STEP],
          ArrowDown: [0, -PAN_STEP],
        }[e.key];
        if (!d) return;
        next = panBy(v, d[0], d[1]);
      } else return;
      e.preventDefault();
      this._set(next, canvas);
    });
    let drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !this.zoomed()) return;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
      canvas.setPointerCapture(e.pointerId);
      canvas.classList.add("panning");
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      const v = this.viewFor(canvas);
      if (!v) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      drag.x = e.clientX;
      drag.y = e.clientY;
      this._set(panBy(v, dx, dy), canvas);
    });
    const drop = () => {
      drag = null;
      canvas.classList.remove("panning");
    };
    canvas.addEventListener("pointerup", drop);
    canvas.addEventListener("pointercancel", drop);
    canvas.addEventListener("dblclick", (e) => {
      e.preventDefault();
      this._set(null);
    });
  }
}

export { CardZoom, WHEEL_HINT, drawPicture, wheelFactor, wheelZooms };
