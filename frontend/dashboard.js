// The dashboard: a side panel (runs, tag filter, global settings) and a grid
// of cards, one per run/tag, which load lazily as they scroll into view.
// Cards hidden by the tag filter or the run choice are kept ("parked") with
// their step, sample and mask for when they show again. Under Lock steps
// every card shows its kept step nearest one step (steps.js StepLock).

import { api as defaultApi } from "./api.js";
import { BlobCache, StrengthCache } from "./cache.js";
import { Palette } from "./pipeline/colormap.js";
import { ScoreCatalog } from "./pipeline/scores.js";
import { DisplayState, REGION_SETTINGS, optionChoices, tagMatcher, visibleCards } from "./state.js";
import { StepLock } from "./steps.js";
import { Card } from "./view/card.js";
import { el } from "./view/dom.js";
import { showEmptyHelp } from "./view/page.js";
import { Sidebar } from "./view/sidebar.js";

/** How often at most the cards follow a locked step while a slider is dragged or a key held. */
const FOLLOW_MS = 150;

class Dashboard {
  /**
   * @param {HTMLElement} root where the dashboard is built.
   * @param {{tables:object, renderOptions:object, scoreNames?:object, storage:Storage, api?:object}} opts
   *   tables: colormaps.json; renderOptions: render_options.json; scoreNames:
   *   scores.json (the known scores); storage: where the settings are
   *   remembered; api: the plugin's routes (api.js).
   */
  constructor(root, { tables, renderOptions, scoreNames = null, storage, api = defaultApi }) {
    this.api = api;
    this.cache = new BlobCache();
    this.strengths = new StrengthCache();
    this.palette = new Palette(tables);
    this.scoreCatalog = new ScoreCatalog(scoreNames);
    const options = optionChoices(renderOptions);
    this.choices = { ...options, colormaps: this.palette.names };
    this.state = new DisplayState(storage, { tables, choices: options });
    this.lock = new StepLock(this.state.lockSteps);
    this._follow = { timer: null, due: false };
    this.tags = {};
    this.cards = new Map(); // key -> Card shown
    this.parked = new Map(); // key -> Card hidden for now
    this.visible = new Set();
    this.observer = new IntersectionObserver((entries) => this._onIntersect(entries), { rootMargin: "0px" });

    this.sidebar = new Sidebar(this.state, this.choices, {
      onSetting: (key, value) => this.setGlobal(key, value),
      onReset: () => this._reset(),
      onRuns: () => this._layoutCards(),
      onFilter: () => this._layoutCards(),
      onOrder: () => this._layoutCards(),
      onLockSteps: () => this._lockSteps(),
    });
    this.status = el("p", { class: "status", role: "status" });
    this.grid = el("div", { class: "grid" });
    this.empty = el("section", { class: "empty", hidden: true, "aria-label": "No saliency data" });
    const main = el("main", { class: "main" });
    main.append(this.status, this.empty, this.grid);
    root.append(this.sidebar.root, main);
    document.addEventListener("keydown", (e) => this._onKey(e));
  }

  /** A control of the settings panel moved: applies to every card.
   * @param {string} key @param {*} value */
  setGlobal(key, value) {
    this.state.setGlobal(key, value);
    this.sidebar.sync();
    // The regions' outlines are layers of their own: the pictures stay as they are.
    const regionsOnly = REGION_SETTINGS.includes(key);
    for (const card of this.cards.values()) regionsOnly ? card.updateRegions() : card.update();
  }

  _reset() {
    this.state.reset();
    this.sidebar.sync();
    for (const card of this.cards.values()) card.update();
  }

  // The M key toggles the mask, R the regions' outlines, unless the user is typing.
  _onKey(e) {
    const letter = typeof e.key === "string" ? e.key.toLowerCase() : "";
    const key = letter === "m" ? "showMask" : letter === "r" ? "regions" : null;
    if (!key) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const typing =
      t &&
      (t.isContentEditable ||
        t.tagName === "TEXTAREA" ||
        t.tagName === "SELECT" ||
        (t.tagName === "INPUT" && !["checkbox", "range", "radio", "button", "color"].includes(t.type)));
    if (typing) return;
    e.preventDefault();
    this.setGlobal(key, !this.state.global[key]);
  }

  /** Lists the saliency data again (at start and when TensorBoard reloads). */
  async reload() {
    let tags;
    try {
      tags = await this.api.tags();
    } catch (e) {
      this.status.textContent = `Could not list saliency data: ${e.message}`;
      return;
    }
    this.tags = tags;
    this.sidebar.showRuns(Object.keys(this.tags).sort());
    this._layoutCards(true);
  }

  /** Creates, keeps or parks cards to match the data, run choice and tag filter.
   * @param {boolean} [dataChanged] the data was listed again: shown cards refresh. */
  _layoutCards(dataChanged = false) {
    const matcher = tagMatcher(this.state.tagFilter);
    this.sidebar.showFilterError(matcher.error);
    const wanted = visibleCards(this.tags, this.state.hiddenRuns, matcher, this.state.cardOrder);
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
      if (!this.tags[card.run] || !this.tags[card.run][card.tag]) {
        this.parked.delete(key);
        this.state.forget(key);
      }
    }
    // Only touch the grid when its cards change: re-inserting a card would
    // take the keyboard focus from its controls at every TensorBoard reload.
    const current = this.grid.children;
    if (current.length !== ordered.length || ordered.some((node, i) => current[i] !== node)) {
      this.grid.replaceChildren(...ordered);
    }
    // A grid's "Compare runs" follows the runs shown.
    for (const card of this.cards.values()) card.modes.showBatch();
    const total = Object.values(this.tags).reduce((n, t) => n + Object.keys(t).length, 0);
    this.empty.hidden = total > 0;
    if (total === 0) showEmptyHelp(this.empty);
    this.status.textContent =
      total === 0 ? "" : `${wanted.length} of ${total} saliency ${total === 1 ? "tag" : "tags"} shown`;
  }

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

  /**
   * The other shown runs that have `tag` readable, sorted.
   * @param {string} run the asking card's run. @param {string} tag @returns {string[]}
   */
  runsWithTag(run, tag) {
    return Object.keys(this.tags)
      .sort()
      .filter((r) => r !== run && !this.state.hiddenRuns.has(r) && this.tags[r][tag] && !this.tags[r][tag].error);
  }

  /**
   * Opens a sample and mask of run/tag in that card's single view, at `step`,
   * and scrolls to it (a grid cell of another run was clicked).
   * @param {string} run @param {string} tag @param {number} step @param {number} sample @param {string|null} mask
   */
  openCard(run, tag, step, sample, mask) {
    const card = this.cards.get(`${run}\u0000${tag}`);
    if (!card) return;
    card.modes.open(sample, mask, step);
    card.root.scrollIntoView({ block: "start" });
  }

  /** Lock steps was ticked or unticked: on, every card goes to its kept step
   * nearest the step last chosen on a card, else the latest common step. */
  _lockSteps() {
    if (this.lock.set(this.state.lockSteps, this._stepLists()) !== null) this._followLock();
  }

  /**
   * The user moved `card` to `step`: under Lock steps the other cards follow.
   * @param {Card} card @param {number} step
   */
  stepChosen(card, step) {
    if (this.lock.chose(step)) this._followLock(card);
  }

  /**
   * The step `card` shows now that its steps are listed: the locked step, or
   * null. Until a step is chosen the lock follows the latest common step, which
   * this card's list may move; the cards listed before then follow.
   * @param {Card} card @returns {number|null}
   */
  lockedStep(card) {
    if (this.lock.on && this.lock.listed(this._stepLists())) this._followLock(card);
    return this.lock.step;
  }

  // The step lists of the cards shown that have one.
  _stepLists() {
    return [...this.cards.values()].map((c) => c.data.steps).filter((steps) => steps && steps.length);
  }

  // Every card but `except` goes to its kept step nearest the locked one; while
  // steps keep coming (a drag, a held key), once per FOLLOW_MS, the last one always.
  _followLock(except = null) {
    const follow = this._follow;
    if (follow.timer !== null) {
      follow.due = true;
      return;
    }
    const step = this.lock.step;
    if (step !== null) for (const card of this.cards.values()) if (card !== except) card.followStep(step);
    follow.timer = setTimeout(() => {
      follow.timer = null;
      if (follow.due) {
        follow.due = false;
        this._followLock();
      }
    }, FOLLOW_MS);
  }

  /** Whether `card` is in view. @param {Card} card */
  inView(card) {
    return this.visible.has(card);
  }
}

export { Dashboard };
