// Numbers, times and names as the page shows them.

/**
 * A short label for a mask value: 3 significant digits, exponent when tiny or huge.
 * @param {number} x @returns {string}
 */
function formatValue(x) {
  if (x === 0 || !Number.isFinite(x)) return String(x === 0 ? 0 : x);
  const ax = Math.abs(x);
  if (ax < 1e-3 || ax >= 1e5) return x.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(x.toPrecision(3)));
}

/**
 * A raw mask value for the hover readout: up to 6 significant digits.
 * @param {number} v @returns {string}
 */
function readoutValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e6) return v.toExponential(4).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(6)));
}

/**
 * Wall time as local "YYYY-MM-DD hh:mm:ss".
 * @param {number} seconds since the epoch. @returns {string} "" for an invalid time.
 */
function formatWallTime(seconds) {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n) => String(n).padStart(2, "0");
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${date} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A file name for a downloaded composite: letters, digits, `-_.` only.
 * @param {string} run @param {string} tag @param {number} step @param {number} sample
 * @param {string} mask @returns {string}
 */
function downloadName(run, tag, step, sample, mask) {
  const part = (s) =>
    String(s)
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^_+|_+$/g, "") || "x";
  return `${part(run)}__${part(tag)}__step${step}_sample${sample}_${part(mask)}.png`;
}

export { formatValue, readoutValue, formatWallTime, downloadName };
