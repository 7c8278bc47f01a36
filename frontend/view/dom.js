// Small DOM helpers. Text always goes in through textContent, never as HTML.

/**
 * Creates an element. `attrs.text` sets textContent; `hidden`, `checked`,
 * `disabled`, `value` set properties; everything else is an attribute.
 * @param {string} tag @param {Object<string,*>} [attrs] null/undefined values are skipped.
 * @returns {HTMLElement}
 */
function el(tag, attrs = {}) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "hidden" || key === "checked" || key === "disabled") node[key] = Boolean(value);
    else if (key === "value") node.value = value;
    else node.setAttribute(key, String(value));
  }
  return node;
}

/**
 * A `<label>` row: visible text, the control, optional extra (a value readout).
 * @param {string} text @param {HTMLElement} input @param {HTMLElement} [extra]
 * @returns {HTMLLabelElement}
 */
function labelled(text, input, extra) {
  const row = el("label", { class: "control" });
  row.append(el("span", { class: "control-label", text }), input);
  if (extra) row.append(extra);
  return row;
}

/**
 * A `<select>` of `[value, text]` options.
 * @param {string|null} ariaLabel @param {[string, string][]} options @param {string} [value]
 * @returns {HTMLSelectElement}
 */
function select(ariaLabel, options, value) {
  const node = el("select", ariaLabel ? { "aria-label": ariaLabel } : {});
  for (const [v, t] of options) node.append(el("option", { value: v, text: t }));
  if (value !== undefined && value !== null) node.value = value;
  return node;
}

/**
 * A number input in [min, max].
 * @param {number} min @param {number} max @param {number} step @returns {HTMLInputElement}
 */
function numberInput(min, max, step) {
  return el("input", { type: "number", min, max, step, inputmode: "decimal" });
}

export { el, labelled, select, numberInput };
