// Timings of the page's drawing, through the browser's User Timing API:
// each paint and recolor is a performance measure under a stable name that
// benchmarks/bench_frontend.mjs reads with performance.getEntriesByName.

/** Names of the page's performance entries. */
const TIMINGS = Object.freeze({
  /** measure: one composite of image + overlay layer (the Opacity / Show mask path). */
  paint: "saliency:paint",
  /** measure: one recolor, the mask coloured into its layer through the pipeline, then painted. */
  recolor: "saliency:recolor",
  /** mark: the dashboard is built and listens to TensorBoard. */
  ready: "saliency:ready",
});

const KEEP = 10000; // measures kept per name; older ones are cleared in bulk
let measured = 0;

/**
 * Records a measure `name` from `start` (a performance.now() value) to now.
 * @param {string} name one of TIMINGS. @param {number} start
 */
function measure(name, start) {
  performance.measure(name, { start, end: performance.now() });
  if (++measured % 1000 === 0 && performance.getEntriesByName(name, "measure").length > KEEP) {
    performance.clearMeasures(name);
  }
}

export { TIMINGS, measure };
