// One card: a run/tag's image with its mask composited on a <canvas>, its
// metadata, per-card controls and overrides, colour bar and hover readout.
//
// Painting has two levels, so the cheap controls stay cheap:
//  - recolor(): runs the JS pixel loop (core.colorizeMask) into a separate
//    overlay canvas. Only when the mask, colormap, tint, sign, clip,
//    threshold, normalisation or scaling change. Clip values come from sorted
//    strength tables cached on each decoded mask, so a new percentile is O(1).
//  - paint(): draws the image, then the overlay canvas at globalAlpha =
//    opacity. Opacity and Show mask only ever call this (no pixel loop).

import { colorizeMask, formatValue, overlayTable, SIGNS } from "./core.js";
import {
  colorbarScale, colormapForSign, cutFromSorted, downloadName, effectiveSettings, formatWallTime, hexToRgb,
  maskIndexAt, NORMALIZE_MODES, OVERRIDABLE, percentileSorted, pixelAt, readoutValue,
  sortedStrengths, strengthKey, TINT,
} from "./settings.js";
import { el, labelled, numberInput, select } from "./dom.js";

const SIGN_LABELS = {
  absolute: "Absolute value",
  positive: "Positive only",
  negative: "Negative only",
  signed: "Signed (diverging)",
};
const NORMALIZE_LABELS = {
  image: "Per image",
  tag: "Per tag, across steps",
  masks: "Shared by the image's masks",
};

/** Shared tables: LUTs by colormap, overlay tables by (colormap, sign, tint). */
export class Palette {
  constructor(tables, colormapLUT) {
    this.tables = tables;
    this.names = Object.keys(tables.maps);
    this._luts = new Map();
    this._overlays = new Map();
    this._colormapLUT = colormapLUT;
  }

  lut(name) {
    if (!this._luts.has(name)) this._luts.set(name, this._colormapLUT(this.tables, name));
    return this._luts.get(name);
  }

  /** The 1024-byte RGBA table for the settings `s`. */
  table(s) {
    const key = `${s.colormap}|${s.sign}|${s.tint}`;
    let t = this._overlays.get(key);
    if (!t) {
      const tint = s.colormap === TINT;
      const lut = this.lut(tint ? this.tables.default || "inferno" : s.colormap);
      const rgb = hexToRgb(s.tint);
      t = overlayTable(lut, {
        mode: tint ? "tint" : "heatmap", sign: s.sign, tint: rgb,
      });
      this._overlays.set(key, t);
    }
    return t;
  }

  label(name) {
    if (name === TINT) return "Tint (one colour)";
    if (name === "rdbu") return "red–white–blue (diverging)";
    return name;
  }
}

// Pooled sorted strengths ("masks" and "tag" normalisation), by key.
const pooled = new Map();
function pooledSorted(key, make) {
  let v = pooled.get(key);
  if (!v) {
    v = make();
    pooled.set(key, v);
    if (pooled.size > 256) pooled.delete(pooled.keys().next().value);
  }
  return v;
}

function sortedOf(entry, sign) {
  const k = strengthKey(sign);
  if (!entry.sorted[k]) entry.sorted[k] = sortedStrengths([entry.values], k);
  return entry.sorted[k];
}

export class Card {
  /**
   * @param {object} app the dashboard: {api, cache, palette, global, bench,
   *   onOverride(card), setStatus}.
   * @param {string} run @param {string} tag
   * @param {{displayName:string, description:string, samples:number, masks:string[]}} info
   */
  constructor(app, run, tag, info) {
    this.app = app;
    this.run = run;
    this.tag = tag;
    this.info = info;
    this.override = {};
    this.steps = null;
    this.stepIndex = -1;
    this.followLatest = true;
    this.sample = 0;
    this.maskName = info.masks[0] || null;
    this.sideBySide = null; // null: follow the global setting
    this.active = false;
    this.stale = false;
    this.data = null; // the /sample answer shown
    this.image = null; // cache entry
    this.masks = new Map(); // name -> cache entry of the current sample
    this._token = 0;
    this._recolorKey = null;
    this._build();
  }

  get key() {
    return `${this.run}\u0000${this.tag}`;
  }

  settings() {
    return effectiveSettings(this.app.global, this.override);
  }

  // ---------------------------------------------------------------- DOM

  _build() {
    const root = (this.root = el("article", { class: "card", "aria-label": `${this.run} / ${this.tag}` }));
    const head = el("header", { class: "card-head" });
    const title = el("h3", { class: "card-title" });
    title.append(el("span", { class: "card-tag", text: this.tag }));
    head.append(title, el("div", { class: "card-run", text: this.run }));
    const desc = descriptionText(this.info.description);
    if (desc) head.append(el("p", { class: "card-desc", text: desc }));
    root.append(head);

    this.figure = el("div", { class: "figure" });
    this.canvas = el("canvas", { class: "composite", width: 1, height: 1, role: "img", "aria-label": `Overlay of ${this.run} / ${this.tag}` });
    this.ctx = this.canvas.getContext("2d");
    this.overlay = document.createElement("canvas");
    this.octx = this.overlay.getContext("2d");
    this.notLoaded = el("div", { class: "not-loaded", text: "Waiting to scroll into view…" });
    this.panels = el("div", { class: "panels", hidden: true });
    this.compositeWrap = el("figure", { class: "panel composite-panel" });
    this.compositeWrap.append(this.canvas);
    this.figure.append(this.notLoaded, this.panels, this.compositeWrap);
    this.canvas.addEventListener("pointermove", (e) => this._hover(e));
    this.canvas.addEventListener("pointerleave", () => this._hover(null));
    root.append(this.figure);

    this.readout = el("output", { class: "readout", "aria-label": "Value under the pointer", text: "Hover the image to read mask values" });
    this.bar = el("div", { class: "colorbar", "aria-label": "Colour bar" });
    this.meta = el("p", { class: "card-meta" });
    this.label = el("p", { class: "card-label" });
    this.error = el("p", { class: "card-error", role: "alert", hidden: true });
    root.append(this.readout, this.bar, this.meta, this.label, this.error);

    // Sliders and the mask choice: always per card.
    const nav = el("div", { class: "card-nav" });
    this.stepInput = el("input", { type: "range", min: 0, max: 0, step: 1, value: 0, "aria-label": "Step", disabled: true });
    this.stepValue = el("span", { class: "value" });
    this.stepInput.addEventListener("input", () => {
      this.stepIndex = Number(this.stepInput.value);
      this.followLatest = this.stepIndex === this.steps.length - 1;
      this._loadSample();
    });
    this.sampleInput = el("input", { type: "range", min: 0, max: Math.max(0, this.info.samples - 1), step: 1, value: 0, "aria-label": "Sample", disabled: this.info.samples <= 1 });
    this.sampleValue = el("span", { class: "value", text: "1" });
    this.sampleInput.addEventListener("input", () => {
      this.sample = Number(this.sampleInput.value);
      this._loadSample();
    });
    this.maskSelect = select("Mask", this.info.masks.map((m) => [m, m]), this.maskName);
    this.maskSelect.addEventListener("change", () => {
      this.maskName = this.maskSelect.value;
      this._afterData();
    });
    nav.append(
      labelled("Step", this.stepInput, this.stepValue),
      labelled("Sample", this.sampleInput, this.sampleValue),
      labelled("Mask", this.maskSelect),
    );
    root.append(nav);

    const tools = el("div", { class: "card-tools" });
    this.showInput = el("input", { type: "checkbox", "aria-label": "Show mask", checked: true });
    this.showInput.addEventListener("change", () => this.setOverride("showMask", this.showInput.checked));
    this.sbsInput = el("input", { type: "checkbox", "aria-label": "Side by side" });
    this.sbsInput.addEventListener("change", () => {
      this.sideBySide = this.sbsInput.checked;
      this.update();
    });
    const download = el("button", { type: "button", class: "button", text: "Download PNG", "aria-label": "Download PNG" });
    download.addEventListener("click", () => this.download());
    tools.append(labelled("Show mask", this.showInput), labelled("Side by side", this.sbsInput), download);
    root.append(tools);

    // Overrides of the global settings.
    const more = el("details", { class: "card-overrides" });
    more.append(el("summary", { text: "This card's settings" }));
    const grid = el("div", { class: "control-grid" });
    this.controls = buildDisplayControls(this.app.palette, (key, value) => this.setOverride(key, value));
    for (const key of ["opacity", "colormap", "tint", "sign", "clip", "threshold", "normalize"]) grid.append(this.controls[key].row);
    const reset = el("button", { type: "button", class: "button", text: "Use global settings" });
    reset.addEventListener("click", () => {
      this.override = {};
      this.update();
      this.app.onOverride(this);
    });
    more.append(grid, reset);
    root.append(more);
    this._syncControls();
  }

  _syncControls() {
    const s = this.settings();
    this.showInput.checked = s.showMask;
    const sbs = this.sideBySide ?? this.app.global.sideBySide;
    this.sbsInput.checked = sbs;
    for (const key of Object.keys(this.controls)) {
      this.controls[key].set(s[key]);
      this.controls[key].row.classList.toggle("overridden", key in this.override);
    }
    this.root.classList.toggle("has-overrides", Object.keys(this.override).length > 0);
  }

  setOverride(key, value) {
    const s = this.settings();
    if (key === "sign" && !("colormap" in this.override)) {
      const cm = colormapForSign(s.colormap, s.sign, value, this.app.palette.tables);
      if (cm !== s.colormap) this.override.colormap = cm;
    }
    if (key === "tint") this.override.colormap = TINT;
    this.override[key] = value;
    this.update();
    this.app.onOverride(this);
  }

  /** Drops the override of `key` (the global control of `key` moved). */
  clearOverride(key) {
    delete this.override[key];
  }

  // ---------------------------------------------------------------- data

  /** Called when the card first scrolls into view. */
  activate() {
    if (this.active && !this.stale) return;
    this.active = true;
    this.stale = false;
    this._loadSteps();
  }

  /** TensorBoard reloaded its data: fetch the step list again when shown. */
  refresh(info) {
    if (info) {
      this.info = info;
      this.sampleInput.max = Math.max(0, info.samples - 1);
      this.sampleInput.disabled = info.samples <= 1;
      const names = info.masks;
      if (names.join("\u0000") !== [...this.maskSelect.options].map((o) => o.value).join("\u0000")) {
        this.maskSelect.replaceChildren(...names.map((m) => el("option", { value: m, text: m })));
        if (!names.includes(this.maskName)) this.maskName = names[0] || null;
        this.maskSelect.value = this.maskName;
      }
    }
    if (!this.active) return;
    this.stale = true;
    if (this.app.inView(this)) this.activate();
  }

  async _loadSteps() {
    const token = ++this._token;
    try {
      // Following the latest step: ask for it at once, alongside the step list.
      const early = this.followLatest ? this.app.api.sample(this.run, this.tag, null, this.sample).catch(() => null) : null;
      const steps = await this.app.api.steps(this.run, this.tag);
      if (token !== this._token) return;
      const old = this.steps && this.steps[this.stepIndex];
      this.steps = steps;
      if (!steps.length) throw new Error("no readable steps");
      let index = steps.length - 1;
      if (!this.followLatest && old) {
        const same = steps.findIndex((s) => s.step === old.step);
        if (same >= 0) index = same;
      }
      this.stepIndex = index;
      this.stepInput.max = steps.length - 1;
      this.stepInput.value = index;
      this.stepInput.disabled = steps.length <= 1;
      await this._loadSample(token, early);
    } catch (e) {
      if (token === this._token) this._fail(e);
    }
  }

  async _loadSample(token = ++this._token, early = null) {
    const step = this.steps[this.stepIndex];
    this.stepValue.textContent = String(step.step);
    this.stepInput.setAttribute("aria-valuetext", `step ${step.step}`);
    const samples = step.samples || this.info.samples;
    if (this.sample >= samples) this.sample = samples - 1;
    this.sampleInput.max = Math.max(0, samples - 1);
    this.sampleInput.disabled = samples <= 1;
    this.sampleInput.value = this.sample;
    this.sampleValue.textContent = `${this.sample + 1} of ${samples}`;
    this.sampleInput.setAttribute("aria-valuetext", `image ${this.sample + 1} of ${samples}`);
    try {
      const first = early ? await early : null;
      const data = first && first.step === step.step && first.sample === this.sample
        ? first : await this.app.api.sample(this.run, this.tag, step.step, this.sample);
      if (token !== this._token) return;
      const image = await this.app.cache.image(data.image.url);
      if (token !== this._token) return;
      this.data = data;
      this.image = image;
      this.masks = new Map();
      await this._afterData(token);
    } catch (e) {
      if (token === this._token) this._fail(e);
    }
  }

  /** Masks this card needs for the current settings: the selected one, or all. */
  _neededMasks() {
    const s = this.settings();
    const sbs = this.sideBySide ?? this.app.global.sideBySide;
    if (sbs || s.normalize === "masks") return this.data.masks;
    return this.data.masks.filter((m) => m.name === this.maskName).slice(0, 1);
  }

  async _afterData(token = this._token) {
    if (!this.data) return;
    if (!this.data.masks.some((m) => m.name === this.maskName)) this.maskName = this.data.masks[0]?.name ?? null;
    this.maskSelect.value = this.maskName ?? "";
    try {
      const needed = this._neededMasks().filter((m) => !this.masks.has(m.name));
      const loaded = await Promise.all(needed.map((m) => this.app.cache.mask(m)));
      if (token !== this._token) return;
      needed.forEach((m, i) => this.masks.set(m.name, loaded[i]));
      if (this.settings().normalize === "tag") await this._loadTagMasks(token);
      if (token !== this._token) return;
    } catch (e) {
      if (token === this._token) this._fail(e);
      return;
    }
    this.error.hidden = true;
    this.notLoaded.hidden = true;
    this._showMeta();
    this._recolorKey = null;
    this.update();
  }

  // "Per tag across steps": the selected mask of this sample at every kept step.
  async _loadTagMasks(token) {
    const key = this._tagKey();
    if (this._tagMasks && this._tagMasks.key === key) return;
    const entries = await Promise.all(this.steps.map(async (st) => {
      const d = await this.app.api.sample(this.run, this.tag, st.step, Math.min(this.sample, (st.samples || 1) - 1));
      const info = d.masks.find((m) => m.name === this.maskName);
      return info ? this.app.cache.mask(info) : null;
    }));
    if (token !== this._token) return;
    this._tagMasks = { key, entries: entries.filter(Boolean) };
  }

  _tagKey() {
    return `${this.steps.map((s) => s.step).join(",")}|${this.sample}|${this.maskName}`;
  }

  _fail(error) {
    this.notLoaded.hidden = true;
    this.error.hidden = false;
    this.error.textContent = `Could not load this card: ${error && error.message ? error.message : error}`;
  }

  _showMeta() {
    const d = this.data;
    const when = formatWallTime(d.wall_time);
    this.meta.textContent = `Step ${d.step}${when ? ` · ${when}` : ""} · ${d.image.width}×${d.image.height}`;
    this.label.textContent = d.label ?? "";
    this.label.hidden = d.label == null || d.label === "";
  }

  // ---------------------------------------------------------------- paint

  /** Brings the picture up to date with the settings; the cheapest work that does. */
  update() {
    this._syncControls();
    if (!this.data || !this.image) return;
    const s = this.settings();
    const sbs = this.sideBySide ?? this.app.global.sideBySide;
    this.root.classList.toggle("actual-size", s.actualSize);
    this.root.classList.toggle("pixelated", s.scaling === "pixelated");
    const needed = this._neededMasks();
    if (needed.some((m) => !this.masks.has(m.name)) || (s.normalize === "tag" && (!this._tagMasks || this._tagMasks.key !== this._tagKey()))) {
      this._afterData();
      return;
    }
    const key = [this.data.image.url, this.maskName, s.colormap, s.tint, s.sign, s.clip, s.threshold, s.normalize, s.scaling, sbs].join("|");
    if (key !== this._recolorKey) {
      this._recolorKey = key;
      this.recolor();
    } else {
      this.paint();
    }
    this.panels.hidden = !sbs;
    this.figure.classList.toggle("side-by-side", sbs);
  }

  /** Clip value (mask units) of mask `name` under settings `s`. */
  _clip(name, s) {
    const entry = this.masks.get(name);
    if (s.normalize === "masks") {
      const urls = this.data.masks.map((m) => m.url).join(" ");
      const sorted = pooledSorted(`masks|${urls}|${strengthKey(s.sign)}`, () =>
        sortedStrengths(this.data.masks.map((m) => this.masks.get(m.name).values), s.sign));
      return percentileSorted(sorted, s.clip);
    }
    if (s.normalize === "tag" && name === this.maskName && this._tagMasks) {
      const sorted = pooledSorted(`tag|${this.run}|${this.tag}|${this._tagMasks.key}|${strengthKey(s.sign)}`, () =>
        sortedStrengths(this._tagMasks.entries.map((e) => e.values), s.sign));
      return percentileSorted(sorted, s.clip);
    }
    return percentileSorted(sortedOf(entry, s.sign), s.clip);
  }

  /** Colours the selected mask into the overlay canvas (the JS pixel loop), then paints. */
  recolor() {
    const t0 = performance.now();
    const s = this.settings();
    const { width: W, height: H } = this.data.image;
    if (this.canvas.width !== W || this.canvas.height !== H) {
      this.canvas.width = W;
      this.canvas.height = H;
    }
    if (this.overlay.width !== W || this.overlay.height !== H) {
      this.overlay.width = W;
      this.overlay.height = H;
      this._overlayData = null;
    }
    const entry = this.masks.get(this.maskName);
    this._clipValue = entry ? this._clip(this.maskName, s) : 0;
    if (entry) {
      if (!this._overlayData) this._overlayData = this.octx.createImageData(W, H);
      colorizeMask(entry.values, entry, {
        outWidth: W, outHeight: H, table: this.app.palette.table(s), clip: this._clipValue,
        sign: s.sign, cut: cutFromSorted(sortedOf(entry, s.sign), s.threshold),
        smooth: s.scaling === "smooth", out: this._overlayData.data,
      });
      this.octx.putImageData(this._overlayData, 0, 0);
    } else {
      this.octx.clearRect(0, 0, W, H);
    }
    this.paint();
    this.painted = { step: this.data.step, sample: this.data.sample, mask: entry ? this.maskName : null };
    const ms = performance.now() - t0;
    this.app.bench.record("recolor", ms, this);
    this._drawColorbar(s, entry);
    if (this.sideBySide ?? this.app.global.sideBySide) this._drawPanels(s);
  }

  /** Composites image + overlay at the current opacity: two drawImage calls. */
  paint() {
    const t0 = performance.now();
    const s = this.settings();
    const ctx = this.ctx;
    ctx.globalAlpha = 1;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.image.bitmap, 0, 0);
    if (s.showMask && s.opacity > 0 && this.masks.has(this.maskName)) {
      ctx.globalAlpha = s.opacity;
      ctx.drawImage(this.overlay, 0, 0);
      ctx.globalAlpha = 1;
    }
    this.app.bench.record("paint", performance.now() - t0, this);
  }

  _drawColorbar(s, entry) {
    this.bar.replaceChildren();
    if (!entry) return;
    const clip = this._clipValue;
    const sorted = sortedOf(entry, s.sign);
    const scale = colorbarScale({ sign: s.sign, clip, min: entry.min, max: entry.max, top: sorted[sorted.length - 1] || 0 });
    const table = this.app.palette.table(s);
    const color = (t) => {
      const i = 4 * Math.floor(t * 255 + 0.5);
      return `rgba(${table[i]},${table[i + 1]},${table[i + 2]},${+(table[i + 3] / 255).toFixed(3)})`;
    };
    const stops = scale.stops.map((st) => `${color(st.t)} ${(st.offset * 100).toFixed(2)}%`);
    const strip = el("div", { class: "colorbar-strip" });
    const fill = el("div", { class: "colorbar-fill" });
    fill.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
    strip.append(fill);
    for (const m of scale.ticks) {
      const tick = el("div", { class: "colorbar-clip" });
      tick.style.left = `${m * 100}%`;
      strip.append(tick);
    }
    const clipText = s.sign === "signed" ? `±${formatValue(clip)}` : formatValue(s.sign === "negative" ? -clip : clip);
    const labels = el("div", { class: "colorbar-labels" });
    labels.append(
      el("span", { class: "colorbar-low", text: formatValue(scale.lo) }),
      el("span", { class: "colorbar-mid", text: `clip p${s.clip} = ${clipText}` }),
      el("span", { class: "colorbar-high", text: formatValue(scale.hi) }),
    );
    this.bar.append(strip, labels);
    this.bar.title = `Mask range [${formatValue(entry.min)}, ${formatValue(entry.max)}]; colours saturate at the clip point`;
  }

  // Side by side: image | each mask | overlay (the composite canvas).
  _drawPanels(s) {
    const { width: W, height: H } = this.data.image;
    const panels = [];
    const image = el("canvas", { width: W, height: H, "aria-label": "Image" });
    image.getContext("2d").drawImage(this.image.bitmap, 0, 0);
    panels.push(panel(image, "image"));
    const table = this.app.palette.table({ ...s, colormap: s.colormap });
    for (const m of this.data.masks) {
      const entry = this.masks.get(m.name);
      if (!entry) continue;
      const c = el("canvas", { width: W, height: H, "aria-label": `Mask ${m.name}` });
      const cx = c.getContext("2d");
      const data = cx.createImageData(W, H);
      colorizeMask(entry.values, entry, {
        outWidth: W, outHeight: H, table, clip: this._clip(m.name, s), sign: s.sign,
        cut: cutFromSorted(sortedOf(entry, s.sign), s.threshold), smooth: s.scaling === "smooth", out: data.data,
      });
      cx.putImageData(data, 0, 0);
      panels.push(panel(c, m.name));
    }
    this.panels.replaceChildren(...panels);
    this.compositeWrap.querySelector("figcaption")?.remove();
    this.compositeWrap.append(el("figcaption", { text: "overlay" }));
  }

  _hover(event) {
    if (!event || !this.data) {
      if (this._hoverText) this.readout.textContent = this._hoverText = "Hover the image to read mask values";
      return;
    }
    const r = this.canvas.getBoundingClientRect();
    const { width: W, height: H } = this.data.image;
    const p = pixelAt(event.clientX - r.left, event.clientY - r.top, r.width, r.height, W, H);
    if (!p) return;
    const entry = this.masks.get(this.maskName);
    let text = `x ${p.x}, y ${p.y}`;
    if (entry) {
      const m = maskIndexAt(p.x, p.y, W, H, entry.width, entry.height);
      text += ` · ${this.maskName} = ${readoutValue(entry.values[m.index])}`;
      if (entry.width !== W || entry.height !== H) text += ` (mask pixel ${m.mx}, ${m.my})`;
    }
    this.readout.textContent = this._hoverText = text;
  }

  download() {
    if (!this.data) return;
    this.canvas.toBlob((blob) => {
      if (!blob) return;
      const a = el("a", { href: URL.createObjectURL(blob), download: downloadName(this.run, this.tag, this.data.step, this.sample, this.maskName || "image") });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, "image/png");
  }
}

function panel(canvas, caption) {
  const f = el("figure", { class: "panel" });
  f.append(canvas, el("figcaption", { text: caption }));
  return f;
}

/** The description as plain text: the server sends sanitised HTML (from
 * Markdown); an inert parsed document gives its text, nothing runs. */
function descriptionText(html) {
  if (!html) return "";
  const doc = new DOMParser().parseFromString(html, "text/html");
  return (doc.body.textContent || "").trim();
}

/**
 * The display controls shared by the settings panel and each card's
 * overrides: `{key: {row, input, set(value)}}`; `onChange(key, value)`.
 */
export function buildDisplayControls(palette, onChange, { idPrefix = "" } = {}) {
  const controls = {};
  const add = (key, input, read, set, extra) => {
    const label = {
      showMask: "Show mask", opacity: "Opacity", colormap: "Colormap", tint: "Tint", sign: "Sign",
      clip: "Clip percentile", threshold: "Threshold", normalize: "Normalize", actualSize: "Actual size", scaling: "Scaling",
      sideBySide: "Side by side",
    }[key];
    input.setAttribute("aria-label", label);
    const row = labelled(label, input, extra);
    const event = input.type === "checkbox" || input.tagName === "SELECT" || input.type === "color" ? "change" : "input";
    input.addEventListener(event, () => {
      const v = read();
      if (v !== null) onChange(key, v);
    });
    if (input.type === "color") input.addEventListener("input", () => onChange(key, read()));
    controls[key] = { row, input, set };
  };

  const show = el("input", { type: "checkbox", id: `${idPrefix}show` });
  add("showMask", show, () => show.checked, (v) => { show.checked = v; });

  const opacity = el("input", { type: "range", min: 0, max: 1, step: 0.01 });
  const opacityOut = el("span", { class: "value" });
  add("opacity", opacity, () => Number(opacity.value), (v) => { opacity.value = v; opacityOut.textContent = Number(v).toFixed(2); }, opacityOut);
  opacity.addEventListener("input", () => { opacityOut.textContent = Number(opacity.value).toFixed(2); });

  const cms = select(null, [...palette.names.map((n) => [n, palette.label(n)]), [TINT, palette.label(TINT)]]);
  add("colormap", cms, () => cms.value, (v) => { cms.value = v; });

  const tint = el("input", { type: "color", value: "#ff0000" });
  add("tint", tint, () => tint.value, (v) => { tint.value = v; });

  const sign = select(null, SIGNS.map((s) => [s, SIGN_LABELS[s]]));
  add("sign", sign, () => sign.value, (v) => { sign.value = v; });

  const clip = numberInput(50, 100, 0.1);
  add("clip", clip, () => validNumber(clip, 0, 100), (v) => { if (document.activeElement !== clip) clip.value = v; });

  const threshold = numberInput(1, 100, 1);
  add("threshold", threshold, () => validNumber(threshold, 0, 100), (v) => { if (document.activeElement !== threshold) threshold.value = v; }, el("span", { class: "unit", text: "% kept" }));

  const normalize = select(null, NORMALIZE_MODES.map((m) => [m, NORMALIZE_LABELS[m]]));
  add("normalize", normalize, () => normalize.value, (v) => { normalize.value = v; });

  const actual = el("input", { type: "checkbox" });
  add("actualSize", actual, () => actual.checked, (v) => { actual.checked = v; });

  const scaling = select(null, [["smooth", "Smooth"], ["pixelated", "Pixelated"]]);
  add("scaling", scaling, () => scaling.value, (v) => { scaling.value = v; });

  const sbs = el("input", { type: "checkbox" });
  add("sideBySide", sbs, () => sbs.checked, (v) => { sbs.checked = v; });
  return controls;
}

function validNumber(input, lo, hi) {
  const v = Number(input.value);
  if (input.value === "" || !(v > lo && v <= hi)) {
    input.setAttribute("aria-invalid", "true");
    return null;
  }
  input.removeAttribute("aria-invalid");
  return v;
}

export { OVERRIDABLE };
