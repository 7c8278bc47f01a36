// The dashboard's state in one place: the display settings (global values and
// each card's overrides), their defaults and valid values, what the page
// remembers across reloads (settings, hidden runs, tag filter, card order,
// whether the scores' curves are open, Lock steps, each card's comparison of
// two masks and what its filmstrip's frames show), and the tag filter itself. No DOM: runs under
// Node's test runner (state.test.mjs).

import { CLIP_MODES, SIGNS } from "./pipeline/clip.js";
import { ALPHAS, colormapForSign, TINT } from "./pipeline/colormap.js";
import { cleanCompare } from "./pipeline/compare.js";
import { FILM_MODES, cleanFilmMode } from "./pipeline/film_difference.js";
import { cleanZoom } from "./pipeline/zoom.js";
import { cleanGridDifference } from "./pipeline/grid_difference.js";
import { cleanGridZoom } from "./pipeline/grid_zoom.js";
import { NORMALIZE_MODES } from "./pipeline/normalize.js";

/** Orders of the cards: by run then tag, or by tag then run (a tag's runs side by side). */
const CARD_ORDERS = Object.freeze(["run", "tag"]);

/** Scalings of a mask smaller than its image (and of the fitted canvas). */
const SCALINGS = Object.freeze(["smooth", "pixelated"]);

/** Settings a card can override; everything the colour pipeline depends on. */
const OVERRIDABLE = Object.freeze([
  "showMask",
  "opacity",
  "alpha",
  "colormap",
  "tint",
  "sign",
  "clip",
  "clipMode",
  "threshold",
  "normalize",
]);

/** Global display settings: the panel's starting values. */
const DEFAULTS = Object.freeze({
  showMask: true,
  opacity: 0.6,
  alpha: "value", // each pixel's alpha follows its strength (pipeline/colormap.js valueAlpha)
  colormap: "inferno",
  tint: "#ff0000",
  sign: "absolute",
  clip: 99,
  clipMode: "percentile",
  threshold: 100, // keep the top 100% = no threshold
  normalize: "image",
  actualSize: false,
  scaling: "smooth",
  sideBySide: false,
  regions: true, // outline the ground-truth regions where the logs have them (view/regions.js)
  regionColour: "#00e5ff",
});

/** Settings that only change the outlines of the regions: the pictures stay as they are. */
const REGION_SETTINGS = Object.freeze(["regions", "regionColour"]);

const STORAGE_KEY = "tensorboard-plugin-saliency/v1";

/**
 * The choices of the sign and clip mode controls, from render_options.json
 * (the list the Python renderer, /render and the CLI read too), keeping those
 * the pipeline implements.
 * @param {{options?:Object<string,{choices?:string[]}>}|null} renderOptions the parsed file.
 * @returns {{sign:readonly string[], clipMode:readonly string[]}}
 */
function optionChoices(renderOptions) {
  const pick = (name, implemented) => {
    const listed = renderOptions?.options?.[name]?.choices;
    return Object.freeze(Array.isArray(listed) ? listed.filter((c) => implemented.includes(c)) : [...implemented]);
  };
  return { sign: pick("sign", SIGNS), clipMode: pick("clip_mode", CLIP_MODES) };
}

const DEFAULT_CHOICES = optionChoices(null);

function validSetting(key, value, colormaps, choices) {
  switch (key) {
    case "showMask":
    case "actualSize":
    case "sideBySide":
    case "regions":
      return typeof value === "boolean";
    case "opacity":
      return typeof value === "number" && value >= 0 && value <= 1;
    case "clip":
    case "threshold":
      return typeof value === "number" && value > 0 && value <= 100;
    case "colormap":
      return value === TINT || (typeof value === "string" && (!colormaps || colormaps.includes(value)));
    case "tint":
    case "regionColour":
      return typeof value === "string" && /^#[0-9a-f]{6}$/i.test(value);
    case "sign":
      return choices.sign.includes(value);
    case "clipMode":
      return choices.clipMode.includes(value);
    case "alpha":
      return ALPHAS.includes(value);
    case "normalize":
      return NORMALIZE_MODES.includes(value);
    case "scaling":
      return SCALINGS.includes(value);
    default:
      return false;
  }
}

/**
 * Settings with every invalid or unknown entry of `partial` dropped.
 * @param {object} partial e.g. parsed from storage.
 * @param {string[]} [colormaps] the known colormap names.
 * @param {{sign:readonly string[], clipMode:readonly string[]}} [choices] from optionChoices.
 * @returns {object}
 */
function cleanSettings(partial, colormaps, choices = DEFAULT_CHOICES) {
  const out = {};
  if (!partial || typeof partial !== "object") return out;
  for (const key of Object.keys(DEFAULTS)) {
    if (key in partial && validSetting(key, partial[key], colormaps, choices)) out[key] = partial[key];
  }
  return out;
}

/**
 * The settings a card uses: global values, then its own overrides.
 * @param {object} global @param {object} [override] @returns {object}
 */
function effectiveSettings(global, override) {
  const out = { ...global };
  if (override) for (const key of OVERRIDABLE) if (key in override) out[key] = override[key];
  return out;
}

/**
 * What the page remembers across reloads, read from a Storage-like object.
 * @param {{getItem:(key:string)=>string|null}} storage
 * @param {string[]} [colormaps] @param {object} [choices] see cleanSettings.
 * @returns {{settings:object, hiddenRuns:string[], tagFilter:string, cardOrder:string, scoreCurves:boolean,
 *   lockSteps:boolean, compare:Object<string, object>, zoom:Object<string, object>, film:Object<string, string>}}
 *   compare: card key -> its comparison (pipeline/compare.js cleanCompare), for the cards comparing two
 *   masks; zoom: card key -> its single view's zoom (pipeline/zoom.js cleanZoom), for the cards zoomed
 *   in; film: card key -> what its filmstrip's frames show (pipeline/film_difference.js), for the
 *   cards not showing the default.
 */
function loadState(storage, colormaps, choices) {
  let raw;
  try {
    raw = JSON.parse(storage.getItem(STORAGE_KEY) || "null");
  } catch {
    raw = null;
  }
  raw = raw && typeof raw === "object" ? raw : {};
  return {
    settings: { ...DEFAULTS, ...cleanSettings(raw.settings, colormaps, choices) },
    hiddenRuns: Array.isArray(raw.hiddenRuns) ? raw.hiddenRuns.filter((r) => typeof r === "string") : [],
    tagFilter: typeof raw.tagFilter === "string" ? raw.tagFilter : "",
    cardOrder: CARD_ORDERS.includes(raw.cardOrder) ? raw.cardOrder : CARD_ORDERS[0],
    scoreCurves: raw.scoreCurves === true,
    lockSteps: raw.lockSteps === true,
    compare: cleanCompares(raw.compare),
    zoom: cleanZooms(raw.zoom),
    gridDifference: cleanEach(raw.gridDifference, cleanGridDifference, (d) => d.a !== null || d.b !== null),
    gridZoom: cleanEach(raw.gridZoom, cleanGridZoom, (z) => z.factor !== null),
    film: cleanFilms(raw.film),
  };
}

// The stored filmstrip modes of the cards, each cleaned; those at the default dropped.
function cleanFilms(raw) {
  const out = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    const mode = cleanFilmMode(value);
    if (mode !== FILM_MODES[0]) out[key] = mode;
  }
  return out;
}

// A stored map of card key -> value, each value cleaned by `clean`, those `kept` does not keep dropped.
function cleanEach(raw, clean, kept) {
  const out = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    const c = clean(value);
    if (kept(c)) out[key] = c;
  }
  return out;
}

// The stored zooms of the cards, each cleaned; those at fit dropped.
function cleanZooms(raw) {
  const out = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    const z = cleanZoom(value);
    if (z.scale !== null) out[key] = z;
  }
  return out;
}

// The stored comparisons of the cards, each cleaned; those without a mask B dropped.
function cleanCompares(raw) {
  const out = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    const c = cleanCompare(value);
    if (c.mask !== null) out[key] = c;
  }
  return out;
}

/**
 * Saves what loadState reads. Runs are stored as the ones hidden, so a new run
 * shows up by default.
 * @param {{setItem:(key:string, value:string)=>void}} storage
 * @param {{settings:object, hiddenRuns:Iterable<string>, tagFilter:string, cardOrder?:string, scoreCurves?:boolean,
 *   lockSteps?:boolean, compare?:Object<string, object>, zoom?:Object<string, object>, film?:Object<string, string>}} state
 */
function saveState(storage, state) {
  const { settings, hiddenRuns, tagFilter, cardOrder = CARD_ORDERS[0], scoreCurves = false, lockSteps = false } = state;
  const { compare = {}, zoom = {}, film = {} } = state;
  const { gridDifference = {}, gridZoom = {} } = state;
  try {
    const saved = {
      settings,
      hiddenRuns: [...hiddenRuns],
      tagFilter,
      cardOrder,
      scoreCurves,
      lockSteps,
      compare,
      zoom,
      gridDifference,
      gridZoom,
      film,
    };
    storage.setItem(STORAGE_KEY, JSON.stringify(saved));
  } catch {
    // storage full or disabled: nothing to remember
  }
}

/**
 * The tag filter: a case-insensitive regular expression.
 * @param {string} text
 * @returns {{test:(tag:string)=>boolean, error:string|null}} an invalid
 *   expression matches nothing and says why (the engine's reason alone, e.g.
 *   "Unterminated group", without its "Invalid regular expression: /x/i:").
 */
function tagMatcher(text) {
  if (!text) return { test: () => true, error: null };
  try {
    const re = new RegExp(text, "i");
    return { test: (tag) => re.test(tag), error: null };
  } catch (e) {
    const reason = String(e.message).replace(/^Invalid regular expression:\s*(\/[\s\S]*\/[a-z]*:\s*)?/, "");
    return { test: () => false, error: reason || String(e.message) };
  }
}

/**
 * Cards to show, sorted by run then tag, or by tag then run.
 * @param {Object<string,Object<string,object>>} tags the /tags answer: run -> tag -> info.
 * @param {Iterable<string>} hiddenRuns @param {{test:(tag:string)=>boolean}} matcher
 * @param {string} [order] one of CARD_ORDERS.
 * @returns {{run:string, tag:string, info:object}[]}
 */
function visibleCards(tags, hiddenRuns, matcher, order = "run") {
  const hidden = new Set(hiddenRuns);
  const out = [];
  for (const run of Object.keys(tags).sort()) {
    if (hidden.has(run)) continue;
    for (const tag of Object.keys(tags[run]).sort()) {
      if (matcher.test(tag)) out.push({ run, tag, info: tags[run][tag] });
    }
  }
  if (order === "tag") out.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : a.run < b.run ? -1 : 1));
  return out;
}

/**
 * What setting `key` to `value` changes: the key itself, and the colormap when
 * the sign moves it (colormapForSign) or a tint colour is picked.
 * @param {object} current the settings before. @param {string} key @param {*} value
 * @param {object} tables the parsed colormaps.json.
 * @param {{keepColormap?:boolean}} [opts] keepColormap: the sign leaves the colormap alone.
 * @returns {object} the entries to assign.
 */
function settingChanges(current, key, value, tables, { keepColormap = false } = {}) {
  const changes = {};
  if (key === "sign" && !keepColormap) {
    const cm = colormapForSign(current.colormap, current.sign, value, tables);
    if (cm !== current.colormap) changes.colormap = cm;
  }
  if (key === "tint") changes.colormap = TINT;
  changes[key] = value;
  return changes;
}

const NO_OVERRIDES = Object.freeze({});

/** The page's display state: global settings, per-card overrides and side by
 * side, hidden runs and the tag filter; saves what it remembers on each change.
 * Cards are named by a key (run and tag). */
class DisplayState {
  /**
   * @param {Storage|{getItem:Function, setItem:Function}} storage where to remember.
   * @param {{tables:object, choices?:object}} opts tables: colormaps.json; choices: optionChoices.
   */
  constructor(storage, { tables, choices = DEFAULT_CHOICES }) {
    this.tables = tables;
    this.choices = choices;
    this._storage = storage;
    const saved = loadState(storage, Object.keys(tables.maps), choices);
    /** @type {object} the global settings (DEFAULTS' keys). */
    this.global = saved.settings;
    /** @type {Set<string>} */
    this.hiddenRuns = new Set(saved.hiddenRuns);
    /** @type {string} */
    this.tagFilter = saved.tagFilter;
    /** @type {string} one of CARD_ORDERS. */
    this.cardOrder = saved.cardOrder;
    /** @type {boolean} whether a mask's scores show their curves (view/scores.js). */
    this.scoreCurves = saved.scoreCurves;
    /** @type {boolean} whether every card follows one step (steps.js StepLock). */
    this.lockSteps = saved.lockSteps;
    this._overrides = new Map(); // card key -> {setting: value}
    this._sideBySide = new Map(); // card key -> boolean
    /** @type {Object<string, object>} card key -> its comparison of two masks (remembered). */
    this._compare = saved.compare;
    /** @type {Object<string, object>} card key -> its single view's zoom (remembered). */
    this._zoom = saved.zoom;
    /** @type {Object<string, object>} card key -> its grid's difference column, A and B (remembered). */
    this._gridDifference = saved.gridDifference;
    /** @type {Object<string, object>} card key -> its grid's zoom (remembered). */
    this._gridZoom = saved.gridZoom;
    /** @type {Object<string, string>} card key -> what its filmstrip's frames show (remembered). */
    this._film = saved.film;
  }

  /**
   * What the card's filmstrip frames show: "mask" (each step's mask) or
   * "difference" (each step's mask minus the previous frame's).
   * @param {string} card @returns {string} one of pipeline/film_difference.js FILM_MODES.
   */
  filmFor(card) {
    return cleanFilmMode(this._film[card]);
  }

  /**
   * A card's filmstrip mode changed; remembered across reloads (dropped at the default).
   * @param {string} card @param {string} mode one of FILM_MODES (anything else: the default).
   */
  setFilm(card, mode) {
    const m = cleanFilmMode(mode);
    if (m === FILM_MODES[0]) {
      if (!(card in this._film)) return;
      delete this._film[card];
    } else this._film[card] = m;
    this.save();
  }

  /**
   * The masks of the difference column of the card's grid: A and B (null: "—").
   * @param {string} card @returns {{a:string|null, b:string|null}}
   */
  gridDifferenceFor(card) {
    return cleanGridDifference(this._gridDifference[card]);
  }

  /**
   * A card's grid difference changed; remembered across reloads (dropped when neither is chosen).
   * @param {string} card @param {{a?:string|null, b?:string|null}} changes
   */
  setGridDifference(card, changes) {
    const d = cleanGridDifference({ ...this.gridDifferenceFor(card), ...changes });
    if (d.a === null && d.b === null) delete this._gridDifference[card];
    else this._gridDifference[card] = d;
    this.save();
  }

  /**
   * The zoom of the card's grid, one for all its cells (pipeline/grid_zoom.js):
   * a factor over each cell's fit (null: fit) and the centre as fractions of the image.
   * @param {string} card @returns {{factor:number|null, fx:number, fy:number}}
   */
  gridZoomFor(card) {
    return cleanGridZoom(this._gridZoom[card]);
  }

  /**
   * A card's grid zoom changed; remembered across reloads (dropped at fit).
   * @param {string} card @param {{factor:number|null, fx:number, fy:number}} zoom
   */
  setGridZoom(card, zoom) {
    const z = cleanGridZoom(zoom);
    if (z.factor === null) {
      if (!(card in this._gridZoom)) return;
      delete this._gridZoom[card];
    } else this._gridZoom[card] = z;
    this.save();
  }

  /**
   * The zoom of the card's single view: scale (CSS pixels per image pixel;
   * null: fit) and centre (image pixels).
   * @param {string} card @returns {{scale:number|null, cx:number, cy:number}}
   */
  zoomFor(card) {
    return cleanZoom(this._zoom[card]);
  }

  /**
   * A card's zoom changed; remembered across reloads (dropped at fit).
   * @param {string} card @param {{scale:number|null, cx:number, cy:number}} zoom
   */
  setZoom(card, zoom) {
    const z = cleanZoom(zoom);
    const old = this._zoom[card];
    if (z.scale === null) {
      if (!old) return;
      delete this._zoom[card];
    } else this._zoom[card] = z;
    this.save();
  }

  /**
   * The card's comparison of two masks in its single view: mask B (null: none),
   * the mode, the swipe's divider (%) and the flicker rate (Hz).
   * @param {string} card @returns {{mask:string|null, mode:string, divider:number, rate:number}}
   */
  compareFor(card) {
    return cleanCompare(this._compare[card]);
  }

  /**
   * A card's comparison changed; remembered across reloads (dropped when it has no mask B).
   * @param {string} card @param {{mask?:string|null, mode?:string, divider?:number, rate?:number}} changes
   */
  setCompare(card, changes) {
    const c = cleanCompare({ ...this.compareFor(card), ...changes });
    if (c.mask === null) delete this._compare[card];
    else this._compare[card] = c;
    this.save();
  }

  /** The settings card `card` uses. @param {string} card @returns {object} */
  settingsFor(card) {
    return effectiveSettings(this.global, this._overrides.get(card));
  }

  /** The card's own overrides (read only). @param {string} card @returns {object} */
  overridesOf(card) {
    return this._overrides.get(card) || NO_OVERRIDES;
  }

  /** Whether the card shows its panels side by side. @param {string} card @returns {boolean} */
  sideBySideFor(card) {
    return this._sideBySide.get(card) ?? this.global.sideBySide;
  }

  /** A control of the settings panel moved: it applies to every card.
   * @param {string} key @param {*} value */
  setGlobal(key, value) {
    Object.assign(this.global, settingChanges(this.global, key, value, this.tables));
    if (OVERRIDABLE.includes(key)) for (const o of this._overrides.values()) delete o[key];
    if (key === "sideBySide") this._sideBySide.clear();
    this.save();
  }

  /** A card's own control moved. @param {string} card @param {string} key @param {*} value */
  setOverride(card, key, value) {
    const o = this._overrides.get(card) || {};
    const keepColormap = "colormap" in o;
    Object.assign(o, settingChanges(this.settingsFor(card), key, value, this.tables, { keepColormap }));
    this._overrides.set(card, o);
  }

  /** The card follows the global settings again. @param {string} card */
  clearOverrides(card) {
    this._overrides.delete(card);
  }

  /** @param {string} card @param {boolean} on */
  setSideBySide(card, on) {
    this._sideBySide.set(card, on);
  }

  /** The card is gone for good. @param {string} card */
  forget(card) {
    this._overrides.delete(card);
    this._sideBySide.delete(card);
    if (card in this._gridDifference || card in this._gridZoom) {
      delete this._gridDifference[card];
      delete this._gridZoom[card];
      this.save();
    }
    if (card in this._compare || card in this._zoom || card in this._film) {
      delete this._compare[card];
      delete this._zoom[card];
      delete this._film[card];
      this.save();
    }
  }

  /** Global settings back to DEFAULTS, every card's overrides dropped. */
  reset() {
    Object.assign(this.global, DEFAULTS);
    this._overrides.clear();
    this.save();
  }

  /** @param {string} text the tag filter (a regular expression). */
  setTagFilter(text) {
    this.tagFilter = text;
    this.save();
  }

  /** @param {string} order one of CARD_ORDERS. */
  setCardOrder(order) {
    if (CARD_ORDERS.includes(order)) this.cardOrder = order;
    this.save();
  }

  /** A card's curves of the scores were opened or closed: every card follows. @param {boolean} open */
  setScoreCurves(open) {
    if (this.scoreCurves === Boolean(open)) return;
    this.scoreCurves = Boolean(open);
    this.save();
  }

  /** Lock steps was ticked or unticked. @param {boolean} on */
  setLockSteps(on) {
    this.lockSteps = Boolean(on);
    this.save();
  }

  /** @param {Iterable<string>} runs @param {boolean} hidden */
  setRunsHidden(runs, hidden) {
    for (const run of runs) hidden ? this.hiddenRuns.add(run) : this.hiddenRuns.delete(run);
    this.save();
  }

  /** Writes what the page remembers. */
  save() {
    const { global: settings, hiddenRuns, tagFilter, cardOrder, scoreCurves, lockSteps } = this;
    const { _compare: compare, _zoom: zoom, _film: film } = this;
    const remembered = { settings, hiddenRuns, tagFilter, cardOrder, scoreCurves, lockSteps, compare, zoom, film };
    const { _gridDifference: gridDifference, _gridZoom: gridZoom } = this;
    saveState(this._storage, { ...remembered, gridDifference, gridZoom });
  }
}

export {
  CARD_ORDERS,
  OVERRIDABLE,
  DEFAULTS,
  REGION_SETTINGS,
  optionChoices,
  cleanSettings,
  effectiveSettings,
  loadState,
  saveState,
  tagMatcher,
  visibleCards,
  settingChanges,
  DisplayState,
};
