// Tests of state.js: node --test frontend/
import test from "node:test";
import assert from "node:assert/strict";
import { CLIP_MODES, SIGNS } from "./pipeline/clip.js";
import {
  DEFAULTS,
  DisplayState,
  OVERRIDABLE,
  REGION_SETTINGS,
  cleanSettings,
  effectiveSettings,
  loadState,
  optionChoices,
  saveState,
  settingChanges,
  tagMatcher,
  visibleCards,
} from "./state.js";
import { renderOptions, tables } from "./testing.mjs";

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(k) {
    return this.items.has(k) ? this.items.get(k) : null;
  }
  setItem(k, v) {
    this.items.set(k, String(v));
  }
}

test("settings: invalid stored values are dropped, overrides win", () => {
  const clean = cleanSettings({ opacity: 2, colormap: "nope", sign: "signed", clip: 95, bogus: 1 }, ["inferno"]);
  assert.deepEqual(clean, { sign: "signed", clip: 95 });
  assert.ok(OVERRIDABLE.every((key) => key in DEFAULTS) && OVERRIDABLE.includes("clipMode"));
  const eff = effectiveSettings({ ...DEFAULTS }, { opacity: 0, actualSize: true });
  assert.equal(eff.opacity, 0);
  assert.equal(eff.actualSize, DEFAULTS.actualSize); // not overridable per card
  assert.deepEqual(cleanSettings({ clipMode: "mass" }), { clipMode: "mass" });
  assert.deepEqual(cleanSettings({ clipMode: "max" }), {});
  assert.deepEqual(cleanSettings({ clipMode: "mass" }, null, { sign: SIGNS, clipMode: ["percentile"] }), {});
});

test("loadState/saveState round-trip; hidden runs and tag filter remembered", () => {
  const st = new MemoryStorage();
  assert.deepEqual(loadState(st).settings, DEFAULTS);
  saveState(st, { settings: { ...DEFAULTS, opacity: 0.3 }, hiddenRuns: new Set(["a"]), tagFilter: "^x" });
  const back = loadState(st, ["inferno"]);
  assert.equal(back.settings.opacity, 0.3);
  assert.deepEqual(back.hiddenRuns, ["a"]);
  assert.equal(back.tagFilter, "^x");
  st.setItem("tensorboard-plugin-saliency/v1", "{not json");
  assert.deepEqual(loadState(st).settings, DEFAULTS);
});

test("the regions' outlines: on by default, a colour; both checked and remembered, neither per card", () => {
  assert.deepEqual([DEFAULTS.regions, DEFAULTS.regionColour], [true, "#00e5ff"]);
  assert.deepEqual(REGION_SETTINGS, ["regions", "regionColour"]);
  assert.ok(REGION_SETTINGS.every((key) => !OVERRIDABLE.includes(key)));
  assert.deepEqual(cleanSettings({ regions: false, regionColour: "#FF00aa" }), {
    regions: false,
    regionColour: "#FF00aa",
  });
  assert.deepEqual(cleanSettings({ regions: "yes", regionColour: "red" }), {});
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  state.setGlobal("regions", false);
  state.setGlobal("regionColour", "#123456");
  const back = new DisplayState(st, { tables });
  assert.deepEqual([back.global.regions, back.global.regionColour], [false, "#123456"]);
  assert.equal(back.settingsFor("any card").regions, false);
  back.reset();
  assert.deepEqual([back.global.regions, back.global.regionColour], [true, "#00e5ff"]);
});

test("tag filter: case-insensitive regex; an invalid one matches nothing and says why", () => {
  assert.ok(tagMatcher("").test("anything"));
  assert.ok(tagMatcher("^Sal").test("saliency/x"));
  const bad = tagMatcher("(");
  assert.ok(bad.error);
  // the page prefixes "Invalid regular expression: " itself: not said twice
  assert.ok(!/invalid regular expression/i.test(bad.error), bad.error);
  assert.ok(!bad.error.includes("/(/i"), bad.error);
  assert.equal(tagMatcher("valid(").error, "Unterminated group");
  assert.equal(bad.test("("), false);
  const cards = visibleCards({ b: { t2: {}, t1: {} }, a: { t1: {} } }, ["a"], tagMatcher("1"));
  assert.deepEqual(
    cards.map((c) => `${c.run}/${c.tag}`),
    ["b/t1"],
  );
});

test("render_options.json: the sign and clip mode choices the page offers, the ones the pipeline implements", () => {
  const o = renderOptions.options;
  assert.deepEqual(o.sign.choices, [...SIGNS]);
  assert.deepEqual(o.clip_mode.choices, [...CLIP_MODES]);
  assert.deepEqual(o.colormap.choices, Object.keys(tables.maps));
  assert.equal(o.clip.default, DEFAULTS.clip);
  assert.equal(o.clip_mode.default, DEFAULTS.clipMode);
  assert.equal(o.sign.default, DEFAULTS.sign);
  const choices = optionChoices(renderOptions);
  assert.deepEqual(choices, { sign: [...SIGNS], clipMode: [...CLIP_MODES] });
  // a choice the pipeline cannot draw is not offered; no file: the pipeline's own lists
  const extra = { options: { sign: { choices: ["absolute", "squared"] } } };
  assert.deepEqual(optionChoices(extra).sign, ["absolute"]);
  assert.deepEqual(optionChoices(null).clipMode, [...CLIP_MODES]);
});

test("settingChanges: the sign moves a default colormap along, a tint colour picks tint", () => {
  const s = { ...DEFAULTS };
  assert.deepEqual(settingChanges(s, "sign", "signed", tables), { colormap: "rdbu", sign: "signed" });
  assert.deepEqual(settingChanges(s, "sign", "signed", tables, { keepColormap: true }), { sign: "signed" });
  assert.deepEqual(settingChanges({ ...s, colormap: "viridis" }, "sign", "signed", tables), { sign: "signed" });
  assert.deepEqual(settingChanges(s, "tint", "#00ff00", tables), { colormap: "tint", tint: "#00ff00" });
  assert.deepEqual(settingChanges(s, "clipMode", "mass", tables), { clipMode: "mass" });
});

test("DisplayState: global settings, card overrides, side by side, remembered state", () => {
  const storage = new MemoryStorage();
  const state = new DisplayState(storage, { tables });
  assert.deepEqual(state.global, DEFAULTS);
  state.setOverride("a", "clipMode", "mass");
  state.setOverride("a", "opacity", 0.2);
  assert.equal(state.settingsFor("a").clipMode, "mass");
  assert.equal(state.settingsFor("b").clipMode, "percentile");
  assert.deepEqual(state.overridesOf("a"), { clipMode: "mass", opacity: 0.2 });
  assert.deepEqual(state.overridesOf("b"), {});
  // a card's sign moves its colormap unless the card chose one
  state.setOverride("a", "sign", "signed");
  assert.equal(state.settingsFor("a").colormap, "rdbu");
  state.setOverride("b", "colormap", "inferno");
  state.setOverride("b", "sign", "signed");
  assert.equal(state.settingsFor("b").colormap, "inferno");
  // a global control drops that key's overrides, and only that key's
  state.setGlobal("clipMode", "mass");
  state.setGlobal("opacity", 0.9);
  assert.deepEqual(state.overridesOf("a"), { sign: "signed", colormap: "rdbu" });
  assert.equal(state.settingsFor("a").opacity, 0.9);
  state.setSideBySide("a", true);
  assert.equal(state.sideBySideFor("a"), true);
  assert.equal(state.sideBySideFor("b"), false);
  state.setGlobal("sideBySide", false);
  assert.equal(state.sideBySideFor("a"), false);
  // remembered: global settings, hidden runs, tag filter (not per-card overrides)
  state.setRunsHidden(["r1", "r2"], true);
  state.setRunsHidden(["r2"], false);
  state.setTagFilter("^sal");
  const again = new DisplayState(storage, { tables });
  assert.equal(again.global.clipMode, "mass");
  assert.equal(again.global.opacity, 0.9);
  assert.deepEqual([...again.hiddenRuns], ["r1"]);
  assert.equal(again.tagFilter, "^sal");
  assert.deepEqual(again.overridesOf("a"), {});
  // reset: defaults, no overrides; a card gone for good is forgotten
  state.clearOverrides("b");
  assert.deepEqual(state.overridesOf("b"), {});
  state.reset();
  assert.deepEqual(state.global, DEFAULTS);
  assert.deepEqual(state.overridesOf("a"), {});
  state.setOverride("c", "opacity", 0);
  state.forget("c");
  assert.deepEqual(state.overridesOf("c"), {});
  assert.equal(new DisplayState(storage, { tables }).global.clipMode, "percentile");
});

test("Alpha: by value by default, uniform remembered across reloads, overridable per card", () => {
  assert.equal(DEFAULTS.alpha, "value");
  assert.ok(OVERRIDABLE.includes("alpha"));
  assert.deepEqual(cleanSettings({ alpha: "uniform" }), { alpha: "uniform" });
  assert.deepEqual(cleanSettings({ alpha: "linear" }), {});
  const storage = new MemoryStorage();
  const state = new DisplayState(storage, { tables });
  state.setOverride("a", "alpha", "uniform");
  assert.equal(state.settingsFor("a").alpha, "uniform");
  assert.equal(state.settingsFor("b").alpha, "value");
  state.setGlobal("alpha", "uniform");
  state.setGlobal("alpha", "value");
  assert.equal(state.settingsFor("a").alpha, "value", "a global change drops the card's override");
  state.setGlobal("alpha", "uniform");
  assert.equal(new DisplayState(storage, { tables }).global.alpha, "uniform");
  state.reset();
  assert.equal(new DisplayState(storage, { tables }).global.alpha, "value");
});

test("visibleCards by tag: a tag's runs next to each other; the order is remembered", () => {
  const tags = { b: { x: {}, y: {} }, a: { y: {}, x: {} } };
  const names = (order) => visibleCards(tags, [], tagMatcher(""), order).map((c) => `${c.run}/${c.tag}`);
  assert.deepEqual(names("run"), ["a/x", "a/y", "b/x", "b/y"]);
  assert.deepEqual(names("tag"), ["a/x", "b/x", "a/y", "b/y"]);
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  assert.equal(state.cardOrder, "run");
  state.setCardOrder("tag");
  assert.equal(new DisplayState(st, { tables }).cardOrder, "tag");
  state.setCardOrder("nonsense");
  assert.equal(new DisplayState(st, { tables }).cardOrder, "tag");
});

test("whether the scores' curves are open is remembered, closed by default", () => {
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  assert.equal(state.scoreCurves, false);
  state.setScoreCurves(true);
  assert.equal(new DisplayState(st, { tables }).scoreCurves, true);
  state.setScoreCurves(false);
  assert.equal(new DisplayState(st, { tables }).scoreCurves, false);
  st.setItem("tensorboard-plugin-saliency/v1", JSON.stringify({ scoreCurves: "yes" }));
  assert.equal(loadState(st).scoreCurves, false);
});

test("Lock steps is remembered, off by default, with the other choices", () => {
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  assert.equal(state.lockSteps, false);
  state.setCardOrder("tag");
  state.setLockSteps(true);
  const back = new DisplayState(st, { tables });
  assert.equal(back.lockSteps, true);
  assert.equal(back.cardOrder, "tag");
  back.setTagFilter("x"); // another change keeps it
  assert.equal(new DisplayState(st, { tables }).lockSteps, true);
  state.setLockSteps(false);
  assert.equal(new DisplayState(st, { tables }).lockSteps, false);
  st.setItem("tensorboard-plugin-saliency/v1", JSON.stringify({ lockSteps: 1 }));
  assert.equal(loadState(st).lockSteps, false);
});

test("each card's comparison of two masks is remembered; without a mask B it is dropped", () => {
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  const card = "run\u0000val/objects";
  assert.deepEqual(state.compareFor(card), { mask: null, mode: "swipe", divider: 50, rate: 2, source: "" });
  state.setCompare(card, { mask: "grad_cam" });
  state.setCompare(card, { mode: "flicker", rate: 4 });
  state.setCompare(card, { divider: 25 });
  state.setCompare(card, { divider: 500 }); // invalid: back to the default
  state.setCompare(card, { divider: 30, source: "step:100" });
  const back = new DisplayState(st, { tables });
  assert.deepEqual(back.compareFor(card), {
    mask: "grad_cam",
    mode: "flicker",
    divider: 30,
    rate: 4,
    source: "step:100",
  });
  assert.equal(back.compareFor("other").mask, null);
  back.setCompare(card, { mask: null });
  assert.deepEqual(loadState(st).compare, {});
  st.setItem(
    "tensorboard-plugin-saliency/v1",
    JSON.stringify({ compare: { a: { mask: "ig", mode: "nope", divider: 10 }, b: { mode: "swipe" }, c: 3 } }),
  );
  assert.deepEqual(loadState(st).compare, { a: { mask: "ig", mode: "swipe", divider: 10, rate: 2, source: "" } });
  const again = new DisplayState(st, { tables });
  again.forget("a");
  assert.deepEqual(loadState(st).compare, {});
});

test("each card's zoom is remembered; at fit it is dropped", () => {
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  const card = "run\u0000val/objects";
  assert.equal(state.zoomFor(card).scale, null);
  state.setZoom(card, { scale: 8, cx: 100.5, cy: 2000 });
  const back = new DisplayState(st, { tables });
  assert.deepEqual(back.zoomFor(card), { scale: 8, cx: 100.5, cy: 2000 });
  assert.equal(back.zoomFor("other").scale, null);
  back.setZoom(card, { scale: null, cx: NaN, cy: NaN });
  assert.deepEqual(loadState(st).zoom, {});
  st.setItem(
    "tensorboard-plugin-saliency/v1",
    JSON.stringify({ zoom: { a: { scale: 2, cx: 1, cy: 2 }, b: { scale: -1 } } }),
  );
  assert.deepEqual(loadState(st).zoom, { a: { scale: 2, cx: 1, cy: 2 } });
  new DisplayState(st, { tables }).forget("a");
  assert.deepEqual(loadState(st).zoom, {});
});

test("each card's filmstrip mode is remembered; at the default it is dropped", () => {
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  const card = "run\u0000val/objects";
  assert.equal(state.filmFor(card), "mask");
  state.setFilm(card, "difference");
  const back = new DisplayState(st, { tables });
  assert.equal(back.filmFor(card), "difference");
  assert.equal(back.filmFor("other"), "mask");
  back.setZoom(card, { scale: 2, cx: 1, cy: 1 }); // another change keeps it
  assert.equal(new DisplayState(st, { tables }).filmFor(card), "difference");
  back.setFilm(card, "nonsense"); // invalid: back to the default
  assert.deepEqual(loadState(st).film, {});
  st.setItem("tensorboard-plugin-saliency/v1", JSON.stringify({ film: { a: "difference", b: "mask", c: 3, d: "x" } }));
  assert.deepEqual(loadState(st).film, { a: "difference" });
  st.setItem("tensorboard-plugin-saliency/v1", JSON.stringify({ film: ["difference"] }));
  assert.deepEqual(loadState(st).film, {});
  st.setItem("tensorboard-plugin-saliency/v1", JSON.stringify({ film: { a: "difference" } }));
  new DisplayState(st, { tables }).forget("a");
  assert.deepEqual(loadState(st).film, {});
});

test("each card's grid difference and grid zoom are remembered; none and fit are dropped", () => {
  const st = new MemoryStorage();
  const state = new DisplayState(st, { tables });
  const card = "run\u0000val/grid";
  assert.deepEqual(state.gridDifferenceFor(card), { a: null, b: null });
  assert.deepEqual(state.gridZoomFor(card), { factor: null, fx: 0.5, fy: 0.5 });
  state.setGridDifference(card, { a: "ramp" });
  state.setGridDifference(card, { b: "mirror" });
  state.setGridZoom(card, { factor: 4, fx: 0.25, fy: 0.75 });
  const back = new DisplayState(st, { tables });
  assert.deepEqual(back.gridDifferenceFor(card), { a: "ramp", b: "mirror" });
  assert.deepEqual(back.gridZoomFor(card), { factor: 4, fx: 0.25, fy: 0.75 });
  assert.equal(back.gridDifferenceFor("other").a, null);
  back.setGridDifference(card, { a: null, b: null });
  back.setGridZoom(card, { factor: null });
  assert.deepEqual(loadState(st).gridDifference, {});
  assert.deepEqual(loadState(st).gridZoom, {});
  // Invalid stored entries are cleaned or dropped; forget drops the card's.
  st.setItem(
    "tensorboard-plugin-saliency/v1",
    JSON.stringify({
      gridDifference: { a: { a: "x", b: 2 }, b: { a: "" }, c: "no" },
      gridZoom: { a: { factor: 2, fx: 0.1, fy: 0.2 }, b: { factor: 0.5 } },
    }),
  );
  assert.deepEqual(loadState(st).gridDifference, { a: { a: "x", b: null } });
  assert.deepEqual(loadState(st).gridZoom, { a: { factor: 2, fx: 0.1, fy: 0.2 } });
  new DisplayState(st, { tables }).forget("a");
  assert.deepEqual(loadState(st).gridDifference, {});
  assert.deepEqual(loadState(st).gridZoom, {});
});
