// A card's picture: the composite canvas brought up to date with the
// settings, the colour bar, the side-by-side panels, the outlines of the
// image's regions over each of them, the hover readout and the PNG download.
// Every picture shows the card's zoom (view/zoom.js): only the part in view is
// drawn, and the readout names the image pixel under the pointer at any zoom. Clip values come from the card's data (shared as
// Normalize says, pipeline/normalize.js), the pixels from the pipeline through
// view/overlay.js. With "Compare with" (view/compare.js) it draws mask A and
// mask B in one picture: A's layer and B's (swipe, flicker), or A − B under
// one clip pooled over both through the diverging colormap (difference), and
// prints their agreement (pipeline/compare.js). B is a mask of the shown image,
// or of the same image at another step or in another run (compare_source.js).

import {
  agreement,
  agreementText,
  agreementTop,
  dividerAt,
  differenceValues,
  swipeSplit,
} from "../pipeline/compare.js";
import { cutFromSorted } from "../pipeline/clip.js";
import { defaultColormap } from "../pipeline/colormap.js";
import { downloadName, formatValue } from "../pipeline/format.js";
import { clipName } from "../pipeline/colorbar.js";
import { clipPool, poolNote, pooledClip } from "../pipeline/normalize.js";
import { maskIndexAt, readoutText } from "../pipeline/readout.js";
import { imageToScreen, pixelUnder, screenToImage } from "../pipeline/zoom.js";
import { readoutValue } from "../pipeline/format.js";
import { TIMINGS, measure } from "../timing.js";
import { drawColorbar } from "./colorbar.js";
import { el } from "./dom.js";
import { sideBySidePanels } from "./overlay.js";
import { withOutlines } from "./regions.js";
import { drawPicture } from "./zoom.js";

/** The readout's text while the pointer is not over the image. */
const HOVER_HINT = "Hover the image to read mask values";

/** What a card draws. Its root element carries, once painted, `data-step`,
 * `data-sample` and `data-mask`: what the canvas shows. */
class CardPicture {
  /**
   * @param {import("../pipeline/colormap.js").Palette} palette
   * @param {import("../pipeline/scores.js").ScoreCatalog} catalog the known scores.
   * @param {import("../card_data.js").CardData} data the card's data.
   * @param {{root:HTMLElement, figure:HTMLElement, view:import("./overlay.js").OverlayCanvas,
   *   panels:HTMLElement, compositeWrap:HTMLElement, bar:HTMLElement, readout:HTMLElement,
   *   compare:import("./compare.js").CompareView, compareSource:import("../compare_source.js").CompareSource}} els
   * @param {{pooled:Function, of:Function}} strengths sorted strengths (cache.js StrengthCache).
   */
  constructor(palette, catalog, data, els, strengths) {
    this._strengths = strengths;
    this._palette = palette;
    this._catalog = catalog;
    this._data = data;
    this._els = els;
    this._recolorKey = null;
    this._hoverText = null;
    /** @type {import("./regions.js").RegionLayer[]} the side-by-side panels' outlines. */
    this._panelLayers = [];
    /** @type {{canvas:HTMLCanvasElement, source:HTMLCanvasElement, mask:string|null}[]} the side-by-side panels. */
    this._panelPictures = [];
    this._probe = null; // a 1×1 canvas the image's value under the pointer is read through
    /** @type {number} the clip value (mask units) of the shown mask. */
    this.clipValue = 0;
    /** @type {ReturnType<CardPicture["_maskB"]>} mask B as last coloured (null: none). */
    this._b = null;
  }

  /** The next update colours the mask again (new data). */
  invalidate() {
    this._recolorKey = null;
  }

  /**
   * Brings the picture up to date with the settings; the cheapest work that does.
   * @param {object} s the card's settings. @param {boolean} sideBySide
   */
  update(s, sideBySide) {
    const d = this._data;
    const { colormap, tint, sign, alpha, clip, clipMode, threshold, normalize, scaling } = s;
    const parts = [d.shown.image.url, d.maskName, colormap, tint, sign, alpha, clip, clipMode, threshold, normalize];
    const c = this._els.compare.active();
    parts.push(scaling, c ? c.mask : "", c ? c.mode : "", c ? c.source : "");
    const key = [...parts, sideBySide].join("|");
    this._els.panels.hidden = !sideBySide;
    this._els.figure.classList.toggle("side-by-side", sideBySide);
    if (key !== this._recolorKey) {
      this._recolorKey = key;
      this.recolor(s, sideBySide);
    } else {
      this.paint(s);
    }
  }

  /**
   * Outlines the shown image's regions over the composite and each
   * side-by-side panel, as the settings say (regions, regionColour); the
   * pictures stay as they are.
   * @param {object} s the card's settings.
   */
  updateRegions(s) {
    const d = this._data;
    const image = d.shown ? d.shown.image : null;
    const opts = { on: s.regions, colour: s.regionColour, classNames: d.classNames };
    const zoom = this._els.zoom;
    for (const layer of [this._els.view.regions, ...this._panelLayers])
      layer.show(d.region, image, { ...opts, view: zoom.zoomed() ? zoom.viewFor(layer.picture) : null });
  }

  _colouring(s, clip, cut) {
    const smooth = s.scaling === "smooth";
    return { table: this._palette.table(s), clip, sign: s.sign, cut, smooth };
  }

  /**
   * Mask B of comparison `c` as drawn: its name as printed, its values and
   * URL, and its clip and threshold cut under settings `s`; null while it is
   * looked for, or when it was not found (compare_source.js says why).
   * @param {{mask:string, source:string}|null} c @param {object} s
   * @returns {{name:string, mask:object, url:string, clip:number, cut:number}|null}
   */
  _maskB(c, s) {
    const d = this._data;
    if (!c) return null;
    if (!c.source) {
      const mask = d.masks.get(c.mask);
      const info = d.shown.masks.find((m) => m.name === c.mask);
      if (!mask || !info) return null;
      return { name: c.mask, mask, url: info.url, clip: d.clipValue(c.mask, s), cut: d.cut(c.mask, s) };
    }
    const found = this._els.compareSource.current(d, c);
    if (!found || found.error) return null;
    // Clipped as Normalize says with what the card holds: alone, or under
    // "tag" with the card's masks of that name.
    const own = { name: c.mask, url: found.url, mask: found.mask };
    const clip = pooledClip(clipPool(s.normalize, own, { imageMasks: [own], tagPool: d.tagPool }), s, this._strengths);
    const cut = cutFromSorted(this._strengths.of(found.mask.values, s.sign), s.threshold);
    return { name: found.name, mask: found.mask, url: found.url, clip: clip.clip, cut };
  }

  /**
   * Colours the selected mask into the overlay layer (the pixel loop), then paints.
   * @param {object} s @param {boolean} sideBySide
   */
  recolor(s, sideBySide) {
    const start = performance.now();
    const d = this._data;
    const { root, view, bar } = this._els;
    view.resize(d.shown.image.width, d.shown.image.height);
    const mask = d.masks.get(d.maskName);
    const shared = mask ? d.clipOf(d.maskName, s) : null;
    this.clipValue = shared ? shared.clip : 0;
    const c = this._els.compare.active();
    const b = mask ? this._maskB(c, s) : null;
    this._b = b;
    const difference = b && c.mode === "difference";
    if (difference) this._colourDifference(s, mask, b);
    else {
      view.colour(mask, mask && this._colouring(s, this.clipValue, d.cut(d.maskName, s)));
      if (b) view.colourB(b.mask, this._colouring(s, b.clip, b.cut));
    }
    this._showAgreement(s, mask, b, c);
    this.paint(s);
    Object.assign(root.dataset, { step: d.shown.step, sample: d.shown.sample });
    if (mask) root.dataset.mask = d.maskName;
    else delete root.dataset.mask;
    measure(TIMINGS.recolor, start);
    if (difference) this._differenceBar(s, b.name);
    else {
      const top = mask ? d.sortedOf(d.maskName, s.sign).at(-1) || 0 : 0;
      drawColorbar(bar, { table: this._palette.table(s), settings: s, clipValue: this.clipValue, mask, top });
      const note = shared ? poolNote(s.normalize, d.maskName, shared.count) : "";
      if (note) bar.title += `. ${note}`;
      if (b) bar.title += `. This bar is ${d.maskName}'s (A); ${b.name} (B) is clipped as Normalize says for it`;
    }
    if (sideBySide) this._drawPanels(s);
  }

  /** Composites image + overlay at the current opacity: two drawImage calls (three for a swipe). @param {object} s */
  paint(s) {
    const d = this._data;
    const compare = this._els.compare;
    const c = compare.active();
    const showing = this._b || !c ? compare.showing() : "A";
    const layers = showing === "swipe" ? { split: swipeSplit(c.divider, d.image.bitmap.width) } : showing;
    const { view, zoom } = this._els;
    const opacity = s.showMask && d.masks.has(d.maskName) ? s.opacity : 0;
    view.paint(d.image.bitmap, opacity, layers, zoom.viewFor(view.canvas));
    view.canvas.setAttribute("aria-label", `Overlay of ${d.run} / ${d.tag}${this._compareLabel(c, showing)}`);
    this._paintPanels();
    this._placeDivider(c);
    zoom.sync();
    this.updateRegions(s);
  }

  // Each side-by-side panel shows the card's view of its source.
  _paintPanels() {
    const { zoom, panels } = this._els;
    if (panels.hidden) return;
    const { width, height } = this._data.shown.image;
    for (const p of this._panelPictures)
      drawPicture(p.canvas, zoom.viewFor(p.canvas), [{ source: p.source }], width, height);
  }

  // The swipe's divider stands over the split column wherever the view puts it.
  _placeDivider(c) {
    const divider = this._els.compare.divider;
    if (!c || c.mode !== "swipe") return;
    const v = this._els.zoom.viewFor(this._els.view.canvas);
    if (!v || v.fit) {
      divider.style.left = `${c.divider}%`;
      return;
    }
    const split = swipeSplit(c.divider, v.width);
    const x = imageToScreen(v, split, 0).x;
    divider.style.left = `${(Math.min(v.boxWidth, Math.max(0, x)) / v.boxWidth) * 100}%`;
  }

  /**
   * The divider's position (% of the image's width) under a pointer at clientX over the composite.
   * @param {number} clientX @returns {number}
   */
  dividerAt(clientX) {
    const canvas = this._els.view.canvas;
    const r = canvas.getBoundingClientRect();
    const v = this._els.zoom.viewFor(canvas);
    if (!v) return dividerAt(clientX - r.left, r.width);
    const x = screenToImage(v, clientX - r.left, 0).x;
    return dividerAt(Math.min(v.width, Math.max(0, x)), v.width);
  }

  // What the canvas's accessible name adds while comparing.
  _compareLabel(c, showing) {
    const a = this._data.maskName;
    const b = this._b?.name;
    if (!c || !b) return "";
    if (c.mode === "difference") return `: ${a} − ${b}`;
    if (showing === "swipe") return `: ${a} left, ${b} right`;
    return `: ${showing === "B" ? b : a} (compared with ${showing === "B" ? a : b}; hold Space for ${b})`;
  }

  /**
   * Difference: A − B at the image's size, coloured through the diverging
   * colormap under one clip pooled over both masks (Normalize "masks"'s rule,
   * pipeline/normalize.js pooledClip).
   */
  _colourDifference(s, a, b) {
    const d = this._data;
    const smooth = s.scaling === "smooth";
    const diff = differenceValues(a, b.mask, d.shown.image, { sign: s.sign, smooth });
    const info = d.shown.masks.find((m) => m.name === d.maskName);
    const pool = [
      { name: d.maskName, url: info.url, mask: a },
      { name: b.name, url: b.url, mask: b.mask },
    ];
    const clip = pooledClip(pool, s, this._strengths).clip;
    this.clipValue = clip;
    this._diff = diff;
    const table = this._palette.table(this._diverging(s));
    this._els.view.colour(diff, { table, clip, sign: "signed", cut: -Infinity, smooth });
  }

  // The settings A − B is coloured with: the diverging colormap, signed.
  _diverging(s) {
    return { ...s, colormap: defaultColormap(this._palette.tables, "signed"), sign: "signed" };
  }

  // The colour bar of A − B, in mask units: signed, 0 in the middle.
  _differenceBar(s, nameB) {
    const { bar } = this._els;
    const a = this._data.maskName;
    const diff = this._diff;
    const clip = this.clipValue;
    const m = Math.max(Math.abs(diff.min), Math.abs(diff.max), clip);
    const diverging = this._diverging(s);
    const table = this._palette.table(diverging);
    drawColorbar(bar, { table, settings: diverging, clipValue: clip, mask: { min: -m, max: m }, top: m });
    const mid = bar.querySelector(".colorbar-mid");
    if (mid) mid.textContent = "0";
    const note = `${a} − ${nameB} · ${clipName(s)} of both = ±${formatValue(clip)}`;
    bar.append(el("div", { class: "colorbar-note", text: note }));
    bar.title =
      `${a} − ${nameB} in mask units, from ${formatValue(diff.min)} to ${formatValue(diff.max)}; ` +
      "one clip over both masks' values, so the difference is not one of two normalisations";
  }

  // The agreement of A's and B's top pixels beside the picture; while B from
  // another step or run is looked for, or was not found, that instead.
  _showAgreement(s, a, b, c) {
    const out = this._els.compare.agreement;
    if (!a || !b) {
      const found = c && c.source ? this._els.compareSource.current(this._data, c) : null;
      if (!c || !c.source || !a) out.textContent = "";
      else if (!found) out.textContent = "Looking for B…";
      else out.textContent = `No B: ${found.error}`;
      return;
    }
    const image = this._data.shown.image;
    const top = agreementTop(s.threshold);
    const r = agreement(a, b.mask, image, { sign: s.sign, top, smooth: s.scaling === "smooth" });
    out.textContent = agreementText(this._data.maskName, b.name, r);
  }

  // Side by side: image | each mask (with its scores) | overlay (the composite canvas).
  _drawPanels(s) {
    const d = this._data;
    const masks = d.shown.masks
      .filter((m) => d.masks.has(m.name))
      .map((m) => ({
        name: m.name,
        mask: d.masks.get(m.name),
        params: this._colouring(s, d.clipValue(m.name, s), d.cut(m.name, s)),
        scores: this._catalog.compact(d.shown.scores?.[m.name]),
      }));
    const { panels, layers, pictures } = sideBySidePanels(d.image.bitmap, masks);
    this._els.panels.replaceChildren(...panels);
    this._panelLayers = layers;
    this._panelPictures = pictures;
    for (const p of pictures) {
      this._els.zoom.bind(p.canvas);
      p.canvas.addEventListener("pointermove", (e) => this.hover(e, p.canvas));
      p.canvas.addEventListener("pointerleave", () => this.hover(null));
    }
    this._paintPanels();
    this.updateRegions(s);
    this._els.compositeWrap.querySelector("figcaption")?.remove();
    this._els.compositeWrap.append(el("figcaption", { text: "overlay" }));
  }

  /**
   * Shows, for the image pixel under the pointer (at any zoom), its position,
   * the image's value there and each shown mask's (A's, B's and A − B while comparing).
   * @param {PointerEvent|null} event null: the pointer left.
   * @param {HTMLCanvasElement} [canvas] the picture hovered (the composite by default).
   */
  hover(event, canvas = this._els.view.canvas) {
    const d = this._data;
    const { readout, zoom } = this._els;
    if (!event || !d.shown || !d.image) {
      if (this._hoverText) readout.textContent = this._hoverText = HOVER_HINT;
      return;
    }
    const v = zoom.viewFor(canvas);
    if (!v) return;
    const r = canvas.getBoundingClientRect();
    const p = pixelUnder(v, event.clientX - r.left, event.clientY - r.top);
    if (!p) return;
    const image = d.shown.image;
    const named = (name) => {
      const m = name ? d.masks.get(name) : null;
      return m ? { name, ...m } : null;
    };
    const panel = this._panelPictures.find((q) => q.canvas === canvas);
    const a = named(panel && panel.mask ? panel.mask : d.maskName);
    const where = readoutText(p, image, null);
    let text = `${where} · image ${this._imageValue(p)}`;
    if (a) text += readoutText(p, image, a).slice(where.length); // " · name = value (mask pixel …)"
    const b = !panel && this._els.compare.active() && this._b ? { ...this._b.mask, name: this._b.name } : null;
    if (a && b) {
      const va = a.values[maskIndexAt(p.x, p.y, image.width, image.height, a.width, a.height).index];
      const vb = b.values[maskIndexAt(p.x, p.y, image.width, image.height, b.width, b.height).index];
      text += ` · ${b.name} = ${readoutValue(vb)} · ${a.name} − ${b.name} = ${readoutValue(va - vb)}`;
    }
    readout.textContent = this._hoverText = text;
  }

  // The image's colour at pixel p, as "rgb(r, g, b)" (its alpha too when not opaque).
  _imageValue(p) {
    if (!this._probe) {
      this._probe = document.createElement("canvas");
      this._probe.width = this._probe.height = 1;
    }
    const ctx = this._probe.getContext("2d", { willReadFrequently: true });
    ctx.clearRect(0, 0, 1, 1);
    ctx.drawImage(this._data.image.bitmap, p.x, p.y, 1, 1, 0, 0, 1, 1);
    const [r, g, b, alpha] = ctx.getImageData(0, 0, 1, 1).data;
    return alpha === 255 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }

  /** Saves the composite as a PNG file, with the region outlines when they are shown. */
  download() {
    const d = this._data;
    if (!d.shown) return;
    withOutlines(this._els.view.canvas, this._els.view.regions).toBlob((blob) => {
      if (!blob) return;
      const name = downloadName(d.run, d.tag, d.shown.step, d.sample, d.maskName || "image");
      const a = el("a", { href: URL.createObjectURL(blob), download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, "image/png");
  }
}

export { HOVER_HINT, CardPicture };
