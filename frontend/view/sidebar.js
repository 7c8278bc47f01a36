// The side panel: the tag filter, the card order, Lock steps, the run
// checkboxes and the global display settings. It shows the DisplayState and
// reports what the user changes.

import { GLOBAL_CONTROLS, buildDisplayControls } from "./controls.js";
import { el, labelled, select } from "./dom.js";

/** The side panel of the dashboard. */
class Sidebar {
  /**
   * @param {import("../state.js").DisplayState} state
   * @param {{colormaps:string[], sign:readonly string[], clipMode:readonly string[]}} choices
   * @param {{onSetting:(key:string, value:*) => void, onReset:() => void,
   *   onRuns:() => void, onFilter:() => void, onOrder:() => void, onLockSteps:() => void}} on
   *   what the dashboard does after a change
   *   (the state is already updated).
   */
  constructor(state, choices, on) {
    this._state = state;
    this._on = on;
    this._runsKey = null;
    this._runBoxes = null;
    this.root = el("aside", { class: "sidebar" });

    const runs = el("section", { class: "side-section", "aria-label": "Runs" });
    runs.append(el("h2", { text: "Runs" }));
    this._runList = el("div", { class: "run-list" });
    runs.append(this._runList);

    const filter = el("section", { class: "side-section", "aria-label": "Cards" });
    const what = "Filter tags (regular expression)";
    this._filterInput = el("input", {
      type: "search",
      class: "filter",
      placeholder: what,
      "aria-label": what,
      value: state.tagFilter,
      spellcheck: "false",
    });
    this._filterError = el("p", { class: "filter-error", role: "status" });
    this._filterInput.addEventListener("input", () => {
      state.setTagFilter(this._filterInput.value);
      on.onFilter();
    });
    const order = select(
      "Order cards",
      [
        ["run", "by run"],
        ["tag", "by tag (a tag's runs together)"],
      ],
      state.cardOrder,
    );
    order.addEventListener("change", () => {
      state.setCardOrder(order.value);
      on.onOrder();
    });
    const lock = el("input", { type: "checkbox", "aria-label": "Lock steps", checked: state.lockSteps });
    lock.addEventListener("change", () => {
      state.setLockSteps(lock.checked);
      on.onLockSteps();
    });
    const lockRow = labelled("Lock steps", lock);
    lockRow.title = "Every card shows its kept step nearest the step chosen on any card";
    filter.append(this._filterInput, this._filterError, labelled("Order cards", order), lockRow);

    const settings = el("section", { class: "side-section settings", "aria-label": "Settings" });
    settings.append(el("h2", { text: "Settings" }));
    this.controls = buildDisplayControls(choices, (key, value) => on.onSetting(key, value), { idPrefix: "g-" });
    const show = this.controls.showMask;
    show.input.setAttribute("aria-keyshortcuts", "m");
    show.row.title = "Shortcut: M";
    show.row.append(el("span", { class: "kbd", text: "M", "aria-hidden": "true" }));
    const regions = this.controls.regions;
    regions.input.setAttribute("aria-keyshortcuts", "r");
    regions.row.append(el("span", { class: "kbd", text: "R", "aria-hidden": "true" }));
    for (const key of GLOBAL_CONTROLS) settings.append(this.controls[key].row);
    const reset = el("button", { type: "button", class: "button", text: "Reset settings" });
    reset.addEventListener("click", () => on.onReset());
    settings.append(reset);
    this.root.append(filter, runs, settings);
    this.sync();
  }

  /** Shows the global settings of the state. */
  sync() {
    for (const [key, c] of Object.entries(this.controls)) c.set(this._state.global[key]);
  }

  /** Says why the tag filter matches nothing, or nothing. @param {string|null} error */
  showFilterError(error) {
    this._filterError.textContent = error ? `Invalid regular expression: ${error}` : "";
    this._filterInput.toggleAttribute("aria-invalid", Boolean(error));
  }

  /**
   * Builds the run checkboxes when the run names change; otherwise only
   * updates their state, so a reload or a click keeps the keyboard focus.
   * @param {string[]} runs sorted run names.
   */
  showRuns(runs) {
    const state = this._state;
    const key = JSON.stringify(runs);
    if (key !== this._runsKey) {
      this._runsKey = key;
      this._runBoxes = null;
      this._runList.replaceChildren();
      if (!runs.length) {
        this._runList.append(el("p", { class: "muted", text: "No runs with saliency data." }));
        return;
      }
      const changed = (names, hidden) => {
        state.setRunsHidden(names, hidden);
        this.showRuns(runs);
        this._on.onRuns();
      };
      const all = el("input", { type: "checkbox", "aria-label": "All runs" });
      all.addEventListener("change", () => changed(runs, !all.checked));
      this._runList.append(labelled("All runs", all));
      const boxes = new Map();
      for (const run of runs) {
        const box = el("input", { type: "checkbox", "aria-label": run });
        box.addEventListener("change", () => changed([run], !box.checked));
        const row = labelled(run, box);
        row.classList.add("run");
        this._runList.append(row);
        boxes.set(run, box);
      }
      this._runBoxes = { all, boxes };
    }
    if (!this._runBoxes) return;
    const { all, boxes } = this._runBoxes;
    for (const [run, box] of boxes) box.checked = !state.hiddenRuns.has(run);
    all.checked = runs.every((r) => !state.hiddenRuns.has(r));
    all.indeterminate = !all.checked && runs.some((r) => !state.hiddenRuns.has(r));
  }
}

export { Sidebar };
