// The display controls, shared by the settings panel and each card's
// overrides: one labelled input per setting of state.js.

import { ALPHAS, TINT } from "../pipeline/colormap.js";
import { NORMALIZE_MEANINGS, NORMALIZE_MODES } from "../pipeline/normalize.js";
import { OVERRIDABLE } from "../state.js";
import { el, labelled, numberInput, select } from "./dom.js";

const LABELS = {
  showMask: "Show mask",
  opacity: "Opacity",
  alpha: "Alpha",
  colormap: "Colormap",
  tint: "Tint",
  sign: "Sign",
  clip: "Clip percentile",
  clipMode: "Clip mode",
  threshold: "Threshold",
  normalize: "Normalize",
  actualSize: "Actual size",
  scaling: "Scaling",
  sideBySide: "Side by side",
  regions: "Regions",
  regionColour: "Region colour",
};

const SIGN_LABELS = {
  absolute: "Absolute value",
  positive: "Positive only",
  negative: "Negative only",
  signed: "Signed (diverging)",
};

const ALPHA_LABELS = {
  value: "By value",
  uniform: "Uniform",
};

const CLIP_MODE_LABELS = {
  percentile: "Percentile",
  mass: "Cumulative mass",
};

const NORMALIZE_LABELS = {
  image: "Per image",
  tag: "Shared across the tag",
  masks: "Shared by the image's masks",
};

/** The settings of the global panel, in order: what a card can override, the
 * regions' outlines, then the layout. */
const GLOBAL_CONTROLS = Object.freeze([
  ...OVERRIDABLE,
  "regions",
  "regionColour",
  "actualSize",
  "scaling",
  "sideBySide",
]);

/** The settings a card's "This card's settings" lists, in order (Show mask has its key). */
const CARD_CONTROLS = Object.freeze(OVERRIDABLE.filter((key) => key !== "showMask"));

/**
 * The name a colormap choice shows under.
 * @param {string} name a colormap of colormaps.json, or TINT. @returns {string}
 */
function colormapLabel(name) {
  if (name === TINT) return "Tint (one colour)";
  if (name === "rdbu") return "red–white–blue (diverging)";
  return name;
}

/**
 * The display controls: `{key: {row, input, set(value)}}` for every key of
 * GLOBAL_CONTROLS; `onChange(key, value)` runs when the user changes one.
 * @param {{colormaps:string[], sign:readonly string[], clipMode:readonly string[]}} choices
 *   colormap names (colormaps.json), sign and clip mode choices (render_options.json).
 * @param {(key:string, value:*) => void} onChange
 * @param {{idPrefix?:string}} [opts]
 * @returns {Object<string, {row:HTMLElement, input:HTMLElement, set:(value:*) => void}>}
 */
function buildDisplayControls(choices, onChange, { idPrefix = "" } = {}) {
  const controls = {};
  const add = (key, input, read, set, extra) => {
    const label = LABELS[key];
    input.setAttribute("aria-label", label);
    const row = labelled(label, input, extra);
    const immediate = input.type === "checkbox" || input.tagName === "SELECT" || input.type === "color";
    input.addEventListener(immediate ? "change" : "input", () => {
      const v = read();
      if (v !== null) onChange(key, v);
    });
    if (input.type === "color") input.addEventListener("input", () => onChange(key, read()));
    controls[key] = { row, input, set };
  };
  const checkbox = (key, attrs = {}) => {
    const box = el("input", { type: "checkbox", ...attrs });
    add(
      key,
      box,
      () => box.checked,
      (v) => (box.checked = v),
    );
  };
  const choice = (key, options) => {
    const s = select(null, options);
    add(
      key,
      s,
      () => s.value,
      (v) => (s.value = v),
    );
  };
  // A typed number is set from the state only while the user is not typing in it.
  const number = (key, input, extra) => {
    const set = (v) => {
      if (document.activeElement !== input) input.value = v;
    };
    add(key, input, () => validNumber(input, 0, 100), set, extra);
  };

  checkbox("showMask", { id: `${idPrefix}show` });

  const opacity = el("input", { type: "range", min: 0, max: 1, step: 0.01 });
  const opacityOut = el("span", { class: "value" });
  const showOpacity = (v) => (opacityOut.textContent = Number(v).toFixed(2));
  add(
    "opacity",
    opacity,
    () => Number(opacity.value),
    (v) => ((opacity.value = v), showOpacity(v)),
    opacityOut,
  );
  opacity.addEventListener("input", () => showOpacity(opacity.value));
  choice(
    "alpha",
    ALPHAS.map((a) => [a, ALPHA_LABELS[a]]),
  );

  choice(
    "colormap",
    [...choices.colormaps, TINT].map((n) => [n, colormapLabel(n)]),
  );
  const tint = el("input", { type: "color", value: "#ff0000" });
  add(
    "tint",
    tint,
    () => tint.value,
    (v) => (tint.value = v),
  );
  choice(
    "sign",
    choices.sign.map((s) => [s, SIGN_LABELS[s] || s]),
  );
  number("clip", numberInput(50, 100, 0.1));
  choice(
    "clipMode",
    choices.clipMode.map((m) => [m, CLIP_MODE_LABELS[m] || m]),
  );
  number("threshold", numberInput(1, 100, 1), el("span", { class: "unit", text: "% kept" }));
  choice(
    "normalize",
    NORMALIZE_MODES.map((m) => [m, NORMALIZE_LABELS[m]]),
  );
  controls.normalize = explainChoices(controls.normalize, NORMALIZE_MEANINGS);
  checkbox("regions");
  controls.regions.row.title = "Outline the ground-truth regions and boxes logged with the images (shortcut: R)";
  const regionColour = el("input", { type: "color", value: "#00e5ff" });
  add(
    "regionColour",
    regionColour,
    () => regionColour.value,
    (v) => (regionColour.value = v),
  );
  controls.regionColour.row.title = "Colour of the regions' outlines";
  checkbox("actualSize");
  choice("scaling", [
    ["smooth", "Smooth"],
    ["pixelated", "Pixelated"],
  ]);
  checkbox("sideBySide");
  return controls;
}

/**
 * Each option of a choice says what it means (its tooltip), and so does the
 * control's row, of the option chosen.
 * @param {{row:HTMLElement, input:HTMLSelectElement, set:(value:string) => void}} control
 * @param {Object<string, string>} meanings option value -> its meaning.
 * @returns {{row:HTMLElement, input:HTMLSelectElement, set:(value:string) => void}} the control, its row's tooltip following set() too.
 */
function explainChoices({ row, input, set }, meanings) {
  for (const option of input.options) option.title = meanings[option.value];
  const explain = () => (row.title = meanings[input.value] ?? "");
  input.addEventListener("change", explain);
  const control = { row, input, set: (v) => (set(v), explain()) };
  explain();
  return control;
}

// The number typed in `input` when it is in (lo, hi]; else null, and the input says it is invalid.
function validNumber(input, lo, hi) {
  const v = Number(input.value);
  if (input.value === "" || !(v > lo && v <= hi)) {
    input.setAttribute("aria-invalid", "true");
    return null;
  }
  input.removeAttribute("aria-invalid");
  return v;
}

export { GLOBAL_CONTROLS, CARD_CONTROLS, buildDisplayControls };
