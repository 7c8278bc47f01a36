// A card's colour bar as elements: the gradient strip, the clip marks, and
// the values at its ends and at the clip point (pipeline/colorbar.js).

import { clipLabel, colorbar } from "../pipeline/colorbar.js";
import { formatValue } from "../pipeline/format.js";
import { el } from "./dom.js";

/**
 * Fills `container` with the colour bar of a mask; empties it for no mask.
 * @param {HTMLElement} container
 * @param {{table:Uint8Array, settings:{sign:string, clip:number, clipMode:string},
 *   clipValue:number, mask:{min:number, max:number}|null, top:number}} o table: the overlay
 *   table; clipValue: the clip in mask units; top: the mask's largest strength.
 */
function drawColorbar(container, { table, settings: s, clipValue, mask, top }) {
  container.replaceChildren();
  if (!mask) return;
  const bar = colorbar(table, { sign: s.sign, clip: clipValue, min: mask.min, max: mask.max, top });
  const stops = bar.stops.map((st) => `${st.color} ${(st.offset * 100).toFixed(2)}%`);
  const strip = el("div", { class: "colorbar-strip" });
  const fill = el("div", { class: "colorbar-fill" });
  fill.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
  strip.append(fill);
  for (const m of bar.ticks) {
    const tick = el("div", { class: "colorbar-clip" });
    tick.style.left = `${m * 100}%`;
    strip.append(tick);
  }
  const labels = el("div", { class: "colorbar-labels" });
  labels.append(
    el("span", { class: "colorbar-low", text: formatValue(bar.lo) }),
    el("span", { class: "colorbar-mid", text: clipLabel({ ...s, clipValue }) }),
    el("span", { class: "colorbar-high", text: formatValue(bar.hi) }),
  );
  container.append(strip, labels);
  container.title = `Mask range [${formatValue(mask.min)}, ${formatValue(mask.max)}]; colours saturate at the clip point`;
}

export { drawColorbar };
