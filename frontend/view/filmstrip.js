// A card's filmstrip: the chosen sample and mask at every kept step in one
// row, the step under each frame, every frame coloured with one clip value:
// pooled over all the frames, or under Normalize "tag" over the card's pool of
// that mask (pipeline/normalize.js; the single view holds the same frames in
// it, with the grid's rows), so a frame has the colours of the single view and
// the grid. Each frame has the outlines of its image's regions over it.
// Its "Frames" control (remembered per card: state.js filmFor / setFilm)
// shows each frame instead as the difference from the previous frame's step:
// A − B of the same mask of the same image (pipeline/film_difference.js),
// through the diverging colormap under that same clip, with a signed colour
// bar; the first frame stays its plain mask, the reference.

import { filmFrames } from "../pipeline/batch.js";
import { cutFromSorted } from "../pipeline/clip.js";
import { clipName } from "../pipeline/colorbar.js";
import { defaultColormap } from "../pipeline/colormap.js";
import { FILM_MODES, differenceRange, filmDifferences } from "../pipeline/film_difference.js";
import { formatValue } from "../pipeline/format.js";
import { pooledClip, withMasks } from "../pipeline/normalize.js";
import { drawColorbar } from "./colorbar.js";
import { el, labelled, select } from "./dom.js";
import { OverlayCanvas } from "./overlay.js";

const MODE_LABELS = { mask: "Mask", difference: "Difference from the previous step" };

/** The filmstrip of a card. Its root carries `data-loaded` (frames painted). */
class Filmstrip {
  /**
   * @param {{api:object, cache:object, strengths:object, palette:object, state:import("../state.js").DisplayState}} app
   *   the dashboard's services (state: where the card's filmstrip mode is remembered).
   * @param {string} run @param {string} tag
   * @param {() => object} settings the card's settings.
   * @param {import("../pipeline/normalize.js").TagPool} tagPool the card's pool (Normalize "tag").
   * @param {() => string[]|null} [classNames] the names of class indices (box labels), when known.
   * @param {string} [key] the card's key in app.state (its filmstrip mode is remembered under it).
   */
  constructor(app, run, tag, settings, tagPool, classNames = () => null, key = `${run}\u0000${tag}`) {
    this._classNames = classNames;
    this._app = app;
    this._run = run;
    this._tag = tag;
    this._cardKey = key;
    this._settings = settings;
    this._tagPool = tagPool;
    this._mask = null;
    this.root = el("div", { class: "filmstrip", role: "group", "aria-label": `Filmstrip of ${run} / ${tag}` });
    /** @type {HTMLSelectElement} "Frames": each step's mask, or its difference from the previous frame's. */
    this.modeSelect = select(
      "Frames",
      FILM_MODES.map((m) => [m, MODE_LABELS[m]]),
    );
    this.modeSelect.addEventListener("change", () => {
      app.state.setFilm(this._cardKey, this.modeSelect.value);
      this.update();
    });
    /** @type {HTMLElement} the signed colour bar of the differences (hidden showing masks). */
    this.bar = el("div", { class: "colorbar film-colorbar", hidden: true });
    this._strip = el("div", { class: "film-frames" });
    const tools = el("div", { class: "film-tools" });
    tools.append(labelled("Frames", this.modeSelect), this.bar);
    this.root.append(tools, this._strip);
    this._frames = [];
    this._key = null;
    this._token = 0;
    this._diffs = { key: null, frames: [] }; // the last differences computed, by what they were computed from
  }

  /**
   * Shows the sample and mask at every kept step, fetching what it has not yet.
   * @param {{step:number, samples?:number}[]} steps @param {number} sample @param {string|null} mask
   */
  show(steps, sample, mask) {
    const frames = filmFrames(steps, sample);
    const key = `${frames.map((f) => `${f.step}:${f.sample}`).join(",")}|${mask}`;
    if (key === this._key) {
      this.update();
      return;
    }
    this._key = key;
    this._mask = mask;
    const token = ++this._token;
    this.root.dataset.loaded = "0";
    this._frames = frames.map((f) => {
      const view = new OverlayCanvas(`Step ${f.step}`);
      view.canvas.className = "film-canvas";
      const root = el("figure", { class: "film-frame" });
      const caption = el("figcaption", { text: `step ${f.step}` });
      root.append(view.root, caption);
      return { ...f, root, view, caption, image: null, mask: null, url: "", region: null };
    });
    const note =
      frames.length < steps.length
        ? [el("p", { class: "film-note", text: `${frames.length} of ${steps.length} kept steps, evenly spaced` })]
        : [];
    this._strip.replaceChildren(...note, ...this._frames.map((f) => f.root));
    this._load(mask, sample)
      .then(() => {
        if (token === this._token) this.update();
      })
      .catch(() => {});
  }

  // Every step's answer in one request (/samples), then each frame's blobs.
  // A frame's step missing from the answer (the tag moved on) is asked alone.
  async _load(name, sample) {
    const { api, cache } = this._app;
    const answers = new Map((await api.samples(this._run, this._tag, sample)).map((a) => [a.step, a]));
    await Promise.all(
      this._frames.map(async (frame) => {
        const data = answers.get(frame.step) ?? (await api.sample(this._run, this._tag, frame.step, frame.sample));
        const info = data.masks.find((m) => m.name === name);
        const [image, mask, region] = await Promise.all([
          cache.image(data.image.url),
          info ? cache.mask(info) : null,
          cache.region(data.region).catch(() => null),
        ]);
        frame.image = image;
        frame.region = region;
        if (info) {
          frame.mask = mask;
          frame.url = info.url;
        }
      }),
    );
  }

  /** Colours and paints the loaded frames with the card's settings and one
   * clip: over the frames, or under Normalize "tag" over the card's pool.
   * Under "difference from the previous step" each frame after the first is
   * its A − B through the diverging colormap, under that same clip. */
  update() {
    const s = this._settings();
    const { palette, strengths } = this._app;
    const mode = this._app.state.filmFor(this._cardKey);
    this.modeSelect.value = mode;
    const loaded = this._frames.filter((f) => f.image);
    const frames = this._poolFrames();
    const pool = s.normalize === "tag" ? withMasks(this._tagPool.masks(this._mask), frames) : frames;
    const clip = pool.length ? pooledClip(pool, s, strengths).clip : 0;
    const table = palette.table(s);
    const smooth = s.scaling === "smooth";
    const diffs = mode === "difference" ? this._differences(s) : null;
    const diverging = this._diverging(s);
    const divergingTable = diffs ? palette.table(diverging) : null;
    this._frames.forEach((f, i) => {
      const d = diffs ? diffs[i] : null;
      f.caption.textContent = d ? d.caption : `step ${f.step}`;
      f.view.canvas.setAttribute("aria-label", d ? d.caption.replace(/^s/, "S") : `Step ${f.step}`);
      if (!f.image) return;
      f.view.resize(f.image.width, f.image.height);
      if (d && d.diff) {
        f.view.colour(d.diff, { table: divergingTable, clip, sign: "signed", cut: -Infinity, smooth });
      } else {
        const cut = f.mask ? cutFromSorted(strengths.of(f.mask.values, s.sign), s.threshold) : 0;
        f.view.colour(f.mask, f.mask && { table, clip, sign: s.sign, cut, smooth });
      }
      f.view.paint(f.image.bitmap, s.showMask && f.mask ? s.opacity : 0);
    });
    this._drawBar(s, diffs, clip, pool.length);
    this.root.dataset.loaded = String(loaded.length);
    this.updateRegions();
  }

  // Each frame's A − B (pipeline/film_difference.js), computed again only when its masks or the sign or scaling change.
  _differences(s) {
    const smooth = s.scaling === "smooth";
    const key = [s.sign, smooth, ...this._frames.map((f) => (f.image ? `${f.step}:${f.url}` : ""))].join("|");
    if (key !== this._diffs.key) this._diffs = { key, frames: filmDifferences(this._frames, { sign: s.sign, smooth }) };
    return this._diffs.frames;
  }

  // The settings A − B is coloured with: the diverging colormap, signed.
  _diverging(s) {
    return { ...s, colormap: defaultColormap(this._app.palette.tables, "signed"), sign: "signed" };
  }

  // The signed colour bar of the differences, in mask units with 0 in the middle; hidden showing masks.
  _drawBar(s, diffs, clip, count) {
    const bar = this.bar;
    const shown = diffs ? diffs.filter((d) => d.diff) : [];
    bar.hidden = !shown.length;
    if (!shown.length) {
      bar.replaceChildren();
      return;
    }
    const m = differenceRange(shown, clip);
    const diverging = this._diverging(s);
    const table = this._app.palette.table(diverging);
    drawColorbar(bar, { table, settings: diverging, clipValue: clip, mask: { min: -m, max: m }, top: m });
    const mid = bar.querySelector(".colorbar-mid");
    if (mid) mid.textContent = "0";
    const note = `each step − the one before · ${clipName(s)} of ${count} ${this._mask} masks = ±${formatValue(clip)}`;
    bar.append(el("div", { class: "colorbar-note", text: note }));
    bar.title =
      `${this._mask} at each step minus at the frame before, in mask units; ` +
      "the first frame is its plain mask, the reference; one clip over the frames' masks colours every difference";
  }

  /** Each loaded frame's outlines follow the settings (regions, regionColour). */
  updateRegions() {
    const s = this._settings();
    const opts = { on: s.regions, colour: s.regionColour, classNames: this._classNames() };
    for (const f of this._frames) if (f.image) f.view.regions.show(f.region, f.image, opts);
  }

  // The loaded frames' masks, as pool entries.
  _poolFrames() {
    return this._frames.filter((f) => f.mask).map((f) => ({ name: this._mask, url: f.url, mask: f.mask }));
  }
}

export { Filmstrip };
