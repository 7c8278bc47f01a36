// Zoom and pan of a card's grid, in step across all its cells: every row,
// every column, the difference column and the groups of "Compare runs" and
// "Beside step" show the same part of their images (pipeline/grid_zoom.js,
// one zoom relative to each cell's fit). Ctrl+wheel (a trackpad's pinch)
// over a cell, or the wheel over the focused cell, zooms about the pointer;
// else the wheel scrolls the rows. + / − / 0 on a focused cell zoom in, out
// and fit, the arrow keys pan when zoomed; a drag pans and a double-click
// fits (while zoomed a click opens the cell a moment later, once it is not a
// double-click). The zoom is
// the card's, kept in the DisplayState (state.js gridZoomFor / setGridZoom);
// the "Fit" button of the grid's tools resets it. Each cell is drawn by
// view/zoom.js drawPicture, only the part in view.

import { cellView, gridPanBy, gridZoomAbout, gridZoomText } from "../pipeline/grid_zoom.js";
import { ZOOM_STEP } from "../pipeline/zoom.js";
import { el } from "./dom.js";
import { wheelFactor } from "./zoom.js";

/** How far an arrow key pans, in CSS pixels. */
const PAN_STEP = 40;

/** How long a click on a zoomed cell waits for a second one (a double-click fits), in milliseconds. */
const DOUBLE_CLICK_MS = 250;

/** A pointer that moves more than this many CSS pixels between down and up drags (no click). */
const DRAG_SLOP = 3;

/**
 * The box of a cell's picture, in CSS pixels: its width, and its height as the
 * image's shape makes it (a windowed grid's cells are of one fixed height).
 * @param {number} boxWidth the canvas's CSS width. @param {number} boxHeight its CSS height (windowed).
 * @param {{width:number, height:number}} image @param {boolean} windowed
 * @returns {{width:number, height:number, boxWidth:number, boxHeight:number}}
 */
function cellBox(boxWidth, boxHeight, image, windowed) {
  const h = windowed ? boxHeight : (boxWidth * image.height) / image.width;
  return { width: image.width, height: image.height, boxWidth, boxHeight: h };
}

/** A grid's zoom: its controls, the events of its cells, and each cell's view. */
class GridZoom {
  /**
   * @param {{get:() => {factor:number|null, fx:number, fy:number}, set:(zoom:object) => void}} store
   *   the card's remembered grid zoom (state.js gridZoomFor / setGridZoom).
   * @param {() => void} repaint draws every cell with an element again, with the zoom.
   */
  constructor(store, repaint) {
    this._store = store;
    this._repaint = repaint;
    this._clickTimer = 0;
    this._dragged = false;
    /** @type {HTMLButtonElement} back to fit. */
    this.fitButton = el("button", {
      type: "button",
      class: "button",
      text: "Fit",
      "aria-label": "Fit the grid's images",
    });
    this.fitButton.addEventListener("click", () => this.set(null));
    /** @type {HTMLOutputElement} the zoom as words. */
    this.status = el("output", { class: "zoom-status", "aria-label": "Grid zoom", text: "Zoom: fit" });
    /** @type {HTMLElement} the grid's zoom controls. */
    this.root = el("div", { class: "grid-zoom", role: "group", "aria-label": "Grid zoom" });
    this.root.append(this.fitButton, this.status);
    this.sync();
  }

  /** The grid's zoom. @returns {{factor:number|null, fx:number, fy:number}} */
  zoom() {
    return this._store.get();
  }

  /** Whether the grid is zoomed in (not at fit). */
  zoomed() {
    return this.zoom().factor !== null;
  }

  /**
   * The view of one cell (zoom.js viewOf), or null at fit (drawn whole, at the image's size).
   * @param {{width:number, height:number, boxWidth:number, boxHeight:number}} cell from cellBox.
   */
  viewOf(cell) {
    const z = this.zoom();
    if (z.factor === null || !(cell.boxWidth > 0 && cell.boxHeight > 0)) return null;
    return cellView(z, cell);
  }

  /** A new zoom (null: fit): remembered, every cell drawn again. */
  set(next) {
    this._store.set(next || { factor: null });
    this.sync();
    this._repaint();
  }

  /** The status and the Fit button follow the zoom. */
  sync() {
    const z = this.zoom();
    this.status.textContent = `Zoom: ${gridZoomText(z)}`;
    this.fitButton.disabled = z.factor === null;
  }

  /**
   * A cell was clicked: `open` now, or, while zoomed, once it is not a
   * double-click; nothing after a drag.
   * @param {MouseEvent} e @param {() => void} open
   */
  click(e, open) {
    if (this._dragged) {
      this._dragged = false;
      return;
    }
    clearTimeout(this._clickTimer);
    if (!this.zoomed() || e.detail === 0) open();
    else if (e.detail === 1) this._clickTimer = setTimeout(open, DOUBLE_CLICK_MS);
  }

  /**
   * Makes a cell zoom and pan the grid: ctrl+wheel, keys on the cell, drag, double-click.
   * @param {HTMLElement} root the cell (focusable). @param {HTMLCanvasElement} canvas its picture.
   * @param {() => {width:number, height:number, boxWidth:number, boxHeight:number}|null} boxOf
   *   the cell's image in its box now (cellBox), null before its row is drawn.
   */
  bind(root, canvas, boxOf) {
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    canvas.addEventListener(
      "wheel",
      (e) => {
        // The wheel scrolls the rows; ctrl+wheel (a pinch), or the wheel over the focused cell, zooms.
        if (!e.ctrlKey && root.ownerDocument.activeElement !== root) return;
        const cell = boxOf();
        if (!cell) return;
        e.preventDefault();
        const [x, y] = at(e);
        this.set(gridZoomAbout(this.zoom(), cell, wheelFactor(e), x, y));
      },
      { passive: false },
    );
    root.addEventListener("keydown", (e) => {
      const cell = boxOf();
      if (!cell || e.altKey || e.metaKey || e.ctrlKey) return;
      const z = this.zoom();
      const [cx, cy] = [cell.boxWidth / 2, cell.boxHeight / 2];
      let next;
      if (e.key === "+" || e.key === "=") next = gridZoomAbout(z, cell, ZOOM_STEP, cx, cy);
      else if (e.key === "-" || e.key === "−" || e.key === "_") next = gridZoomAbout(z, cell, 1 / ZOOM_STEP, cx, cy);
      else if (e.key === "0") next = null;
      else if (z.factor !== null && e.key.startsWith("Arrow")) {
        const d = {
          ArrowLeft: [PAN_STEP, 0],
          ArrowRight: [-PAN_STEP, 0],
          ArrowUp: [0, PAN_STEP],
          ArrowDown: [0, -PAN_STEP],
        }[e.key];
        if (!d) return;
        next = gridPanBy(z, cell, d[0], d[1]);
      } else return;
      e.preventDefault();
      this.set(next);
    });
    let drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      this._dragged = false;
      if (e.button !== 0 || !this.zoomed()) return;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY, x0: e.clientX, y0: e.clientY };
      canvas.setPointerCapture(e.pointerId);
      canvas.classList.add("panning");
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      const cell = boxOf();
      if (!cell) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      drag.x = e.clientX;
      drag.y = e.clientY;
      if (dx || dy) this.set(gridPanBy(this.zoom(), cell, dx, dy));
    });
    const drop = () => {
      if (!drag) return;
      this._dragged = Math.hypot(drag.x - drag.x0, drag.y - drag.y0) > DRAG_SLOP;
      drag = null;
      canvas.classList.remove("panning");
    };
    canvas.addEventListener("pointerup", drop);
    canvas.addEventListener("pointercancel", drop);
    canvas.addEventListener("dblclick", (e) => {
      clearTimeout(this._clickTimer);
      if (!this.zoomed()) return;
      e.preventDefault();
      this.set(null);
    });
  }
}

export { GridZoom, cellBox };
