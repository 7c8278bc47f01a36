// The Saliency dashboard. TensorBoard's iframe entry page runs
// `import("./static/index.js").then(m => m.render())`; the page's base URL is
// the plugin route (/data/plugin/saliency/), so the JSON and blob URLs are
// relative. Layout: a sidebar (runs, tag filter, global settings) and a grid
// of cards, one per run/tag, which load lazily as they scroll into view.

import { colormapLUT } from "./core.js";
import { api, BlobCache, Host } from "./api.js";
import { buildDisplayControls, Card, Palette } from "./card.js";
import { el, labelled } from "./dom.js";
import { colormapForSign, loadState, OVERRIDABLE, saveState, tagMatcher, visibleCards } from "./settings.js";

const STATIC = (name) => new URL(`./${name}`, import.meta.url).href;

/** Timings of paint/recolor calls, read by benchmarks/bench_frontend.mjs. */
class Bench {
  constructor() {
    this.log = [];
    this.firstOverlay = null; // epoch ms of the first overlay painted
  }

  record(kind, ms, card) {
    if (this.log.length > 10000) this.log.splice(0, 5000);
    this.log.push({ kind, ms, card: card.key });
    if (this.firstOverlay === null && kind === "recolor") this.firstOverlay = performance.timeOrigin + performance.now();
  }
}

class Dashboard {
  constructor(root, tables) {
    this.root = root;
    this.api = api;
    this.cache = new BlobCache();
    this.bench = new Bench();
    this.palette = new Palette(tables, colormapLUT);
    const state = loadState(window.localStorage, [...this.palette.names]);
    this.global = state.settings;
    this.hiddenRuns = new Set(state.hiddenRuns);
    this.tagFilter = state.tagFilter;
    this.tags = {};
    this.cards = new Map(); // key -> Card
    // Cards the tag filter or run choice hides for now, kept with their step,
    // sample, mask and overrides for when they show again.
    this.parked = new Map(); // key -> Card
    this.visible = new Set();
    this.hostRuns = null;
    this.observer = new IntersectionObserver((entries) => this._onIntersect(entries), { rootMargin: "0px" });
    this._build();
  }

  // ---------------------------------------------------------------- layout

  _build() {
    const side = el("aside", { class: "sidebar" });
    const main = el("main", { class: "main" });
    this.root.append(side, main);

    // Runs
    const runs = el("section", { class: "side-section", "aria-label": "Runs" });
    runs.append(el("h2", { text: "Runs" }));
    this.runList = el("div", { class: "run-list" });
    runs.append(this.runList);

    // Tag filter
    const filter = el("section", { class: "side-section", "aria-label": "Tag filter" });
    this.filterInput = el("input", {
      type: "search", class: "filter", placeholder: "Filter tags (regular expression)",
      "aria-label": "Filter tags (regular expression)", value: this.tagFilter, spellcheck: "false",
    });
    this.filterError = el("p", { class: "filter-error", role: "status" });
    this.filterInput.addEventListener("input", () => {
      this.tagFilter = this.filterInput.value;
      this._save();
      this._layoutCards();
    });
    filter.append(this.filterInput, this.filterError);

    // Global display settings
    const settings = el("section", { class: "side-section settings", "aria-label": "Settings" });
    settings.append(el("h2", { text: "Settings" }));
    this.controls = buildDisplayControls(this.palette, (key, value) => this.setGlobal(key, value), { idPrefix: "g-" });
    this.controls.showMask.input.setAttribute("aria-keyshortcuts", "m");
    this.controls.showMask.row.title = "Shortcut: M";
    const hint = el("span", { class: "kbd", text: "M", "aria-hidden": "true" });
    this.controls.showMask.row.append(hint);
    for (const key of ["showMask", "opacity", "colormap", "tint", "sign", "clip", "threshold", "normalize", "actualSize", "scaling", "sideBySide"]) {
      settings.append(this.controls[key].row);
    }
    const reset = el("button", { type: "button", class: "button", text: "Reset settings" });
    reset.addEventListener("click", () => {
      for (const [key, value] of Object.entries(loadState({ getItem: () => null }).settings)) this.global[key] = value;
      for (const card of this.cards.values()) card.override = {};
      for (const card of this.parked.values()) card.override = {};
      this._syncGlobal();
      this._save();
      for (const card of this.cards.values()) card.update();
    });
    settings.append(reset);
    side.append(filter, runs, settings);

    this.status = el("p", { class: "status", role: "status" });
    this.grid = el("div", { class: "grid" });
    this.empty = el("section", { class: "empty", hidden: true, "aria-label": "No saliency data" });
    main.append(this.status, this.empty, this.grid);
    this._syncGlobal();

    document.addEventListener("keydown", (e) => {
      if (e.key !== "m" && e.key !== "M") return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && (t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
          (t.tagName === "INPUT" && !["checkbox", "range", "radio", "button", "color"].includes(t.type)))) return;
      e.preventDefault();
      this.setGlobal("showMask", !this.global.showMask);
    });
  }

  _syncGlobal() {
    for (const [key, c] of Object.entries(this.controls)) c.set(this.global[key]);
  }

  _save() {
    saveState(window.localStorage, { settings: this.global, hiddenRuns: this.hiddenRuns, tagFilter: this.tagFilter });
  }

  /** A control of the settings panel moved: applies to every card. */
  setGlobal(key, value) {
    if (key === "sign") {
      const cm = colormapForSign(this.global.colormap, this.global.sign, value, this.palette.tables);
      if (cm !== this.global.colormap) this.global.colormap = cm;
    }
    if (key === "tint") this.global.colormap = "tint";
    this.global[key] = value;
    for (const card of [...this.cards.values(), ...this.parked.values()]) {
      if (OVERRIDABLE.includes(key)) card.clearOverride(key);
      if (key === "sideBySide") card.sideBySide = null;
    }
    this._syncGlobal();
    this._save();
    for (const card of this.cards.values()) card.update();
  }

  onOverride() {}

  // ---------------------------------------------------------------- data

  async reload() {
    let tags;
    try {
      tags = await this.api.tags();
    } catch (e) {
      this.status.textContent = `Could not list saliency data: ${e.message}`;
      return;
    }
    this.tags = tags;
    this._renderRuns();
    this._layoutCards(true);
  }

  _runNames() {
    const names = new Set(Object.keys(this.tags));
    return [...names].sort();
  }

  /** Builds the run checkboxes when the run names change; otherwise only
   * updates their state, so a reload or a click keeps the keyboard focus. */
  _renderRuns() {
    const runs = this._runNames();
    const key = JSON.stringify(runs);
    if (key !== this._runsKey) {
      this._runsKey = key;
      this._runBoxes = null;
      this.runList.replaceChildren();
      if (!runs.length) {
        this.runList.append(el("p", { class: "muted", text: "No runs with saliency data." }));
        return;
      }
      const all = el("input", { type: "checkbox", "aria-label": "All runs" });
      all.addEventListener("change", () => {
        for (const r of runs) (all.checked ? this.hiddenRuns.delete(r) : this.hiddenRuns.add(r));
        this._save();
        this._renderRuns();
        this._layoutCards();
      });
      this.runList.append(labelled("All runs", all));
      const boxes = new Map();
      for (const run of runs) {
        const box = el("input", { type: "checkbox", "aria-label": run });
        box.addEventListener("change", () => {
          if (box.checked) this.hiddenRuns.delete(run);
          else this.hiddenRuns.add(run);
          this._save();
          this._renderRuns();
          this._layoutCards();
        });
        const row = labelled(run, box);
        row.classList.add("run");
        this.runList.append(row);
        boxes.set(run, box);
      }
      this._runBoxes = { all, boxes };
    }
    if (!this._runBoxes) return;
    const { all, boxes } = this._runBoxes;
    for (const [run, box] of boxes) box.checked = !this.hiddenRuns.has(run);
    all.checked = runs.every((r) => !this.hiddenRuns.has(r));
    all.indeterminate = !all.checked && runs.some((r) => !this.hiddenRuns.has(r));
  }

  /** Creates, keeps or drops cards to match the data, run choice and tag filter. */
  _layoutCards(dataChanged = false) {
    const matcher = tagMatcher(this.tagFilter);
    this.filterError.textContent = matcher.error ? `Invalid regular expression: ${matcher.error}` : "";
    this.filterInput.toggleAttribute("aria-invalid", Boolean(matcher.error));
    const wanted = visibleCards(this.tags, [...this.hiddenRuns], matcher);
    const keep = new Set();
    const ordered = [];
    for (const { run, tag, info } of wanted) {
      const key = `${run}\u0000${tag}`;
      keep.add(key);
      let card = this.cards.get(key);
      if (!card && this.parked.has(key)) {
        card = this.parked.get(key);
        this.parked.delete(key);
        this.cards.set(key, card);
        this.observer.observe(card.root);
        card.update(); // settings may have changed while it was hidden
        card.refresh(info);
      } else if (!card) {
        card = new Card(this, run, tag, info);
        this.cards.set(key, card);
        this.observer.observe(card.root);
      } else if (dataChanged) {
        card.refresh(info);
      }
      ordered.push(card.root);
    }
    for (const [key, card] of this.cards) {
      if (!keep.has(key)) {
        this.observer.unobserve(card.root);
        this.visible.delete(card);
        this.cards.delete(key);
        this.parked.set(key, card);
      }
    }
    // A parked card whose run or tag left the data is gone for good.
    for (const [key, card] of this.parked) {
      if (!this.tags[card.run] || !this.tags[card.run][card.tag]) this.parked.delete(key);
    }
    // Only touch the grid when its cards change: re-inserting a card would
    // take the keyboard focus from its controls at every TensorBoard reload.
    const current = this.grid.children;
    if (current.length !== ordered.length || ordered.some((node, i) => current[i] !== node)) {
      this.grid.replaceChildren(...ordered);
    }
    const total = Object.values(this.tags).reduce((n, t) => n + Object.keys(t).length, 0);
    this._renderEmpty(total);
    this.status.textContent = total === 0 ? "" :
      `${wanted.length} of ${total} saliency ${total === 1 ? "tag" : "tags"} shown`;
  }

  _renderEmpty(total) {
    this.empty.hidden = total > 0;
    if (total > 0) return;
    this.empty.replaceChildren(
      el("h2", { text: "No saliency data was found" }),
      el("p", { text: "Write a first saliency summary from your training or evaluation script; this tab shows it as soon as TensorBoard picks it up:" }),
      el("pre", {
        class: "code",
        text: [
          "from tensorboard_plugin_saliency.summary import SaliencyWriter",
          "",
          "# images: [N, H, W, C] uint8 or float in [0, 1]",
          "# masks:  {method name: [N, h, w] float}, raw values",
          "with SaliencyWriter(\"logs/run1\") as writer:",
          "    writer.add(\"saliency/val\", images, {\"gradients\": grads}, step,",
          "               labels=[\"cat\", \"dog\"])",
        ].join("\n"),
      }),
      el("p", { text: "With TensorFlow, tensorboard_plugin_saliency.summary.saliency(...) writes the same summary to the default tf.summary writer. Then run: tensorboard --logdir logs" }),
    );
  }

  // ---------------------------------------------------------------- lazy loading

  _onIntersect(entries) {
    for (const entry of entries) {
      const card = [...this.cards.values()].find((c) => c.root === entry.target);
      if (!card) continue;
      if (entry.isIntersecting) {
        this.visible.add(card);
        card.activate();
      } else {
        this.visible.delete(card);
      }
    }
  }

  inView(card) {
    return this.visible.has(card);
  }
}

// ---------------------------------------------------------------- dark mode

function followDarkMode() {
  const apply = (dark) => document.documentElement.classList.toggle("dark", dark);
  let parentBody = null;
  try {
    if (window.parent !== window) parentBody = window.parent.document.body;
  } catch {
    parentBody = null; // not same origin
  }
  if (parentBody) {
    apply(parentBody.classList.contains("dark-mode"));
    new MutationObserver(() => apply(parentBody.classList.contains("dark-mode")))
      .observe(parentBody, { attributes: true, attributeFilter: ["class"] });
  } else if (window.matchMedia) {
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    apply(mq.matches);
    mq.addEventListener("change", () => apply(mq.matches));
  }
}

/** Builds the dashboard into document.body. */
export async function render() {
  const link = el("link", { rel: "stylesheet", href: STATIC("styles.css") });
  document.head.append(link);
  followDarkMode();
  const root = el("div", { class: "saliency-app" });
  document.body.append(root);
  const tables = await (await fetch(STATIC("colormaps.json"))).json();
  const dashboard = new Dashboard(root, tables);
  window.__saliencyBench = { bench: dashboard.bench, dashboard };

  const host = new Host();
  host.listen("experimental.RunsChanged", () => dashboard.reload());
  host.listen("experimental.DataReloaded", () => dashboard.reload());
  // The run list from TensorBoard only tells that the page is connected; the
  // runs with saliency data come from the plugin's own listing.
  host.send("experimental.GetRuns", null, { timeoutMs: 1000 }).catch(() => null);
  await dashboard.reload();
  return dashboard;
}
