// The Saliency dashboard's entry point. TensorBoard's iframe entry page runs
// `import("./static/index.js").then(m => m.render())`; the page's base URL is
// the plugin route (/data/plugin/saliency/), so the JSON and blob URLs are
// relative. This module only wires the parts together.

import { Host, staticJson } from "./api.js";
import { Dashboard } from "./dashboard.js";
import { TIMINGS } from "./timing.js";
import { el } from "./view/dom.js";
import { addStylesheet, followDarkMode } from "./view/page.js";

// Every other module of the page, listed here so that the browser asks for
// them all at once: found only through the modules that import them, they
// would be fetched one import level after another, a round trip to
// TensorBoard each. index.test.mjs checks that the list is complete.
import "./cache.js";
import "./card_data.js";
import "./compare_source.js";
import "./grid_rows.js";
import "./grid_window.js";
import "./pipeline/batch.js";
import "./pipeline/check.js";
import "./pipeline/clip.js";
import "./pipeline/colorbar.js";
import "./pipeline/colorize.js";
import "./pipeline/colormap.js";
import "./pipeline/compare.js";
import "./pipeline/decode.js";
import "./pipeline/film_difference.js";
import "./pipeline/format.js";
import "./pipeline/grid_difference.js";
import "./pipeline/grid_zoom.js";
import "./pipeline/normalize.js";
import "./pipeline/readout.js";
import "./pipeline/regions.js";
import "./pipeline/scores.js";
import "./pipeline/zoom.js";
import "./state.js";
import "./steps.js";
import "./table_csv.js";
import "./table_data.js";
import "./table_url.js";
import "./table_view.js";
import "./view/card.js";
import "./view/card_dom.js";
import "./view/colorbar.js";
import "./view/compare.js";
import "./view/controls.js";
import "./view/filmstrip.js";
import "./view/grid.js";
import "./view/grid_table.js";
import "./view/grid_zoom.js";
import "./view/location.js";
import "./view/overlay.js";
import "./view/picture.js";
import "./view/regions.js";
import "./view/scores.js";
import "./view/sidebar.js";
import "./view/table_panel.js";
import "./view/zoom.js";

/**
 * Builds the dashboard into document.body and connects it to TensorBoard.
 * @returns {Promise<Dashboard>}
 */
async function render() {
  addStylesheet();
  followDarkMode();
  const root = el("div", { class: "saliency-app" });
  document.body.append(root);
  const [tables, renderOptions, scoreNames] = await Promise.all(
    ["colormaps.json", "render_options.json", "scores.json"].map(staticJson),
  );
  const dashboard = new Dashboard(root, { tables, renderOptions, scoreNames, storage: window.localStorage });

  const host = new Host();
  host.listen("experimental.RunsChanged", () => dashboard.reload());
  host.listen("experimental.DataReloaded", () => dashboard.reload());
  // The run list from TensorBoard only tells that the page is connected; the
  // runs with saliency data come from the plugin's own listing.
  host.send("experimental.GetRuns", null, { timeoutMs: 1000 }).catch(() => null);
  performance.mark(TIMINGS.ready);
  await dashboard.reload();
  return dashboard;
}

export { render };
