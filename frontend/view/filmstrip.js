// A card's filmstrip: the chosen sample and mask at every kept step in one
// row, the step under each frame, every frame coloured with one clip value:
// pooled over all the frames, or under Normalize "tag" over the card's pool of
// that mask (pipeline/normalize.js; the single view holds the same frames in
// it, with the grid's rows), so a frame has the colours of the single view and
// the grid. Each frame has the outlines of its image's regions over it.

import { filmFrames } from "../pipeline/batch.js";
import { cutFromSorted } from "../pipeline/clip.js";
import { pooledClip, withMasks } from "../pipeline/normalize.js";
import { el } from "./dom.js";
import { OverlayCanvas } from "./overlay.js";

/** The filmstrip of a card. Its root carries `data-loaded` (frames painted). */
class Filmstrip {
  /**
   * @param {{api:object, cache:object, strengths:object, palette:object}} app the dashboard's services.
   * @param {string} run @param {string} tag
   * @param {() => object} settings the card's settings.
   * @param {import("../pipeline/normalize.js").TagPool} tagPool the card's pool (Normalize "tag").
   * @param {() => string[]|null} [classNames] the names of class indices (box labels), when known.
   */
  constructor(app, run, tag, settings, tagPool, classNames = () => null) {
    this._classNames = classNames;
    this._app = app;
    this._run = run;
    this._tag = tag;
    this._settings = settings;
    this._tagPool = tagPool;
    this._mask = null;
    this.root = el("div", { class: "filmstrip", role: "group", "aria-label": `Filmstrip of ${run} / ${tag}` });
    this._frames = [];
    this._key = null;
    this._token = 0;
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
      root.append(view.root, el("figcaption", { text: `step ${f.step}` }));
      return { ...f, root, view, image: null, mask: null, url: "", region: null };
    });
    const note =
      frames.length < steps.length
        ? [el("p", { class: "film-note", text: `${frames.length} of ${steps.length} kept steps, evenly spaced` })]
        : [];
    this.root.replaceChildren(...note, ...this._frames.map((f) => f.root));
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
   * clip: over the frames, or under Normalize "tag" over the card's pool. */
  update() {
    const s = this._settings();
    const { palette, strengths } = this._app;
    const loaded = this._frames.filter((f) => f.image);
    const frames = this._poolFrames();
    const pool = s.normalize === "tag" ? withMasks(this._tagPool.masks(this._mask), frames) : frames;
    const clip = pool.length ? pooledClip(pool, s, strengths).clip : 0;
    const table = palette.table(s);
    for (const f of loaded) {
      f.view.resize(f.image.width, f.image.height);
      const cut = f.mask ? cutFromSorted(strengths.of(f.mask.values, s.sign), s.threshold) : 0;
      f.view.colour(f.mask, f.mask && { table, clip, sign: s.sign, cut, smooth: s.scaling === "smooth" });
      f.view.paint(f.image.bitmap, s.showMask && f.mask ? s.opacity : 0);
    }
    this.root.dataset.loaded = String(loaded.length);
    this.updateRegions();
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
