// A card's filmstrip: the chosen sample and mask at every kept step in one
// row, the step under each frame, every frame coloured with one clip value
// pooled over all of them (one shared normalisation).

import { filmFrames } from "../pipeline/batch.js";
import { clipFromSorted, cutFromSorted } from "../pipeline/clip.js";
import { el } from "./dom.js";
import { OverlayCanvas } from "./overlay.js";

/** The filmstrip of a card. Its root carries `data-loaded` (frames painted). */
class Filmstrip {
  /**
   * @param {{api:object, cache:object, strengths:object, palette:object}} app the dashboard's services.
   * @param {string} run @param {string} tag
   * @param {() => object} settings the card's settings.
   */
  constructor(app, run, tag, settings) {
    this._app = app;
    this._run = run;
    this._tag = tag;
    this._settings = settings;
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
    const token = ++this._token;
    this.root.dataset.loaded = "0";
    this._frames = frames.map((f) => {
      const view = new OverlayCanvas(`Step ${f.step}`);
      view.canvas.className = "film-canvas";
      const root = el("figure", { class: "film-frame" });
      root.append(view.canvas, el("figcaption", { text: `step ${f.step}` }));
      return { ...f, root, view, image: null, mask: null, url: "" };
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
        const [image, mask] = await Promise.all([cache.image(data.image.url), info ? cache.mask(info) : null]);
        frame.image = image;
        if (info) {
          frame.mask = mask;
          frame.url = info.url;
        }
      }),
    );
  }

  /** Colours and paints the loaded frames with the card's settings and one pooled clip. */
  update() {
    const s = this._settings();
    const { palette, strengths } = this._app;
    const loaded = this._frames.filter((f) => f.image);
    const masked = loaded.filter((f) => f.mask);
    const key = `film|${masked.map((f) => f.url).join(" ")}`;
    const sorted = masked.length ? strengths.pooled(key, () => masked.map((f) => f.mask.values), s.sign) : null;
    const clip = sorted ? clipFromSorted(sorted, s) : 0;
    const table = palette.table(s);
    for (const f of loaded) {
      f.view.resize(f.image.width, f.image.height);
      const cut = f.mask ? cutFromSorted(strengths.of(f.mask.values, s.sign), s.threshold) : 0;
      f.view.colour(f.mask, f.mask && { table, clip, sign: s.sign, cut, smooth: s.scaling === "smooth" });
      f.view.paint(f.image.bitmap, s.showMask && f.mask ? s.opacity : 0);
    }
    this.root.dataset.loaded = String(loaded.length);
  }
}

export { Filmstrip };
