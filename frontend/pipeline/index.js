// The rendering pipeline in one import, for code outside the page that
// renders as the page does (the Python renderer's parity test, scripts). The
// page imports the modules themselves.

export { checkChoice, checkPercent } from "./check.js";
export {
  CLIP_MODES,
  SIGNS,
  clipFromSorted,
  computeClip,
  cutFromSorted,
  massSorted,
  massThreshold,
  percentile,
  percentileSorted,
  prefixSums,
  sortedStrengths,
  strength,
  strengthKey,
  thresholdCut,
} from "./clip.js";
export { clipLabel, clipName, colorbar, colorbarScale, relativeLabels } from "./colorbar.js";
export { colorizeMask, normalize } from "./colorize.js";
export {
  OVERLAY_MODES,
  Palette,
  TINT,
  colormapForSign,
  colormapLUT,
  defaultColormap,
  hexToRgb,
  isDiverging,
  overlayTable,
} from "./colormap.js";
export { composite, renderOverlay } from "./composite.js";
export { decodeMask, snapZero } from "./decode.js";
export { downloadName, formatValue, formatWallTime, readoutValue } from "./format.js";
export { maskIndexAt, pixelAt, readoutText } from "./readout.js";
