// The elements of a card: header, canvas, readout, colour bar, metadata,
// step/sample/mask choice, tools and per-card overrides, with their events
// wired to the card (view/card.js).

import { CARD_CONTROLS, buildDisplayControls } from "./controls.js";
import { el, labelled, select } from "./dom.js";
import { OverlayCanvas } from "./overlay.js";
import { HOVER_HINT } from "./picture.js";
import { ScoresPanel } from "./scores.js";

/**
 * The elements of a card, with their events wired to `card`.
 * @param {import("./card.js").Card} card @param {string} run @param {string} tag
 * @param {{description:string, samples:number, masks:string[]}} info
 * @returns {object} root, figure, view (OverlayCanvas), panels, compositeWrap, notLoaded,
 *   readout, bar, meta, label, scores (ScoresPanel), error, stepInput (slider), stepBox (the typed step),
 *   sampleInput and sampleValue, maskSelect,
 *   viewToggle (grid / single view), showInput, sbsInput, filmInput, controls. `card.modes` and `card.film` must exist.
 */
function buildCard(card, run, tag, info) {
  const { state, choices } = card.app;
  const root = el("article", { class: "card", "aria-label": `${run} / ${tag}` });
  const head = el("header", { class: "card-head" });
  const title = el("h3", { class: "card-title" });
  title.append(el("span", { class: "card-tag", text: tag }));
  head.append(title, el("div", { class: "card-run", text: run }));
  const desc = descriptionText(info.description);
  if (desc) head.append(el("p", { class: "card-desc", text: desc }));

  const figure = el("div", { class: "figure" });
  const view = new OverlayCanvas(`Overlay of ${run} / ${tag}`);
  const notLoaded = el("div", { class: "not-loaded", text: "Waiting to scroll into view…" });
  const panels = el("div", { class: "panels", hidden: true });
  const compositeWrap = el("figure", { class: "panel composite-panel" });
  compositeWrap.append(view.root);
  figure.append(notLoaded, panels, compositeWrap);
  view.root.append(card.compare.divider);
  card.compare.bindPicture(view.canvas);
  card.zoom.bind(view.canvas);
  view.canvas.addEventListener("pointermove", (e) => card.picture.hover(e));
  view.canvas.addEventListener("pointerleave", () => card.picture.hover(null));

  const readout = el("output", { class: "readout", "aria-label": "Value under the pointer", text: HOVER_HINT });
  const bar = el("div", { class: "colorbar", "aria-label": "Colour bar" });
  const meta = el("p", { class: "card-meta" });
  const label = el("p", { class: "card-label" });
  const scores = new ScoresPanel(state, card.app.scoreCatalog); // the shown mask's scores, under its colour bar
  const error = el("p", { class: "card-error", role: "alert", hidden: true });

  // Sliders and the mask choice: always per card.
  const range = (name, max, disabled) =>
    el("input", { type: "range", min: 0, max, step: 1, value: 0, "aria-label": name, disabled });
  const stepInput = range("Step", 0, true);
  stepInput.addEventListener("input", () => card.pickStep(Number(stepInput.value)));
  const stepBox = stepNumberBox(card);
  const sampleInput = range("Sample", Math.max(0, info.samples - 1), info.samples <= 1);
  const sampleValue = el("span", { class: "value", text: "1" });
  sampleInput.addEventListener("input", () => {
    card.data.sample = Number(sampleInput.value);
    card.loadSample();
  });
  const maskSelect = select(
    "Mask",
    info.masks.map((m) => [m, m]),
    card.data.maskName,
  );
  maskSelect.addEventListener("change", () => {
    card.data.maskName = maskSelect.value;
    card.showData();
  });
  const nav = el("div", { class: "card-nav" });
  const sampleRow = labelled("Sample", sampleInput, sampleValue);
  const maskRow = labelled("Mask", maskSelect);
  sampleRow.classList.add("single-only");
  maskRow.classList.add("single-only");
  const viewToggle = el("button", { type: "button", class: "button view-toggle", hidden: true });
  viewToggle.addEventListener("click", () => card.modes.toggle());
  nav.append(labelled("Step", stepInput, stepBox), sampleRow, maskRow, viewToggle);

  const showInput = el("input", { type: "checkbox", "aria-label": "Show mask", checked: true });
  showInput.addEventListener("change", () => card.setOverride("showMask", showInput.checked));
  const sbsInput = el("input", { type: "checkbox", "aria-label": "Side by side" });
  sbsInput.addEventListener("change", () => {
    state.setSideBySide(card.key, sbsInput.checked);
    card.update();
  });
  const download = el("button", {
    type: "button",
    class: "button",
    text: "Download PNG",
    "aria-label": "Download PNG",
  });
  download.addEventListener("click", () => card.picture.download());
  const filmInput = el("input", { type: "checkbox", "aria-label": "Filmstrip" });
  filmInput.addEventListener("change", () => card.update());
  const tools = el("div", { class: "card-tools" });
  tools.append(
    labelled("Show mask", showInput),
    labelled("Side by side", sbsInput),
    labelled("Filmstrip", filmInput),
    download,
  );

  // Overrides of the global settings.
  const more = el("details", { class: "card-overrides" });
  more.append(el("summary", { text: "This card's settings" }));
  const grid = el("div", { class: "control-grid" });
  const controls = buildDisplayControls(choices, (key, value) => card.setOverride(key, value));
  for (const key of CARD_CONTROLS) grid.append(controls[key].row);
  const reset = el("button", { type: "button", class: "button", text: "Use global settings" });
  reset.addEventListener("click", () => {
    state.clearOverrides(card.key);
    card.update();
  });
  more.append(grid, reset);

  card.film.root.hidden = true;
  for (const single of [
    figure,
    card.zoom.root,
    card.compare.root,
    card.film.root,
    readout,
    bar,
    label,
    scores.root,
    tools,
  ])
    single.classList.add("single-only");
  root.append(
    head,
    figure,
    card.zoom.root,
    card.compare.root,
    card.modes.grid.tools,
    card.modes.grid.root,
    card.film.root,
    readout,
    bar,
    scores.root,
    meta,
    label,
    error,
    nav,
    tools,
    more,
  );
  return {
    root,
    figure,
    view,
    panels,
    compositeWrap,
    notLoaded,
    readout,
    bar,
    meta,
    label,
    scores,
    error,
    stepInput,
    stepBox,
    sampleInput,
    sampleValue,
    maskSelect,
    viewToggle,
    showInput,
    sbsInput,
    filmInput,
    controls,
  };
}

/**
 * The box where a step is typed: Enter or leaving it goes to the kept step
 * nearest (card.goToTyped); the arrow keys go to the next or previous kept step.
 * @param {import("./card.js").Card} card @returns {HTMLInputElement}
 */
function stepNumberBox(card) {
  const box = el("input", {
    type: "number",
    class: "step-box",
    inputmode: "numeric",
    "aria-label": "Go to step",
    title: "Type a step: the nearest kept step shows (↑ ↓: the next or previous kept step)",
    disabled: true,
  });
  box.addEventListener("input", () => (card.typingStep = true));
  box.addEventListener("change", () => card.goToTyped());
  box.addEventListener("blur", () => card.goToTyped());
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter") card.goToTyped();
    else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      card.stepBy(e.key === "ArrowUp" ? 1 : -1);
    }
  });
  return box;
}

/** The description as plain text: the server sends sanitised HTML (from
 * Markdown); an inert parsed document gives its text, nothing runs. */
function descriptionText(html) {
  if (!html) return "";
  const doc = new DOMParser().parseFromString(html, "text/html");
  return (doc.body.textContent || "").trim();
}

export { buildCard };
