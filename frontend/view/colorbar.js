// A card's colour bar as elements: the gradient strip, the clip marks, and
// the values at its ends and at the clip point (pipeline/colorbar.js).

import { clipLabel, colorbar, relativeLabels } from "../pipeline/colorbar.js";
import { formatValue } from "../pipeline/format.js";
import { el } from "./dom.js";

/**
 * Fills `container` with the colour bar of a mask; empties it for no mask.
 * @param {HTMLElement} container
 * @param {{table:Uint8Array, settings:{sign:string, clip:number, clipMode:string},
 *   clipValue:number, mask:{min:number, max:number}|null, top:number, eachClipped?:string}} o
 *   table: the overlay table; clipValue: the clip in mask units; top: the mask's largest
 *   strength; eachClipped: the bar stands for masks each clipped on its own, over what
 *   (e.g. "each image"): it is labelled in units of that clip (clipValue etc. unused).
 */
function drawColorbar(container, { table, settings: s, clipValue, mask, top, eachClipped = null }) {
  container.replaceChildren();
  if (!mask) return;
  if (eachClipped) {
    const unit = { min: s.sign === "signed" ? -1 : 0, max: 1 };
    drawColorbar(container, { table, settings: s, clipValue: 1, mask: unit, top: 1 });
    const labels = relativeLabels(s, eachClipped);
    container.querySelector(".colorbar-low").textContent = labels.low;
    container.querySelector(".colorbar-mid").textContent = labels.mid;
    container.querySelector(".colorbar-high").textContent = labels.high;
    container.title = `Each mask is clipped on its own (${labels.mid}); colours saturate at its clip point`;
    return;
  }
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
