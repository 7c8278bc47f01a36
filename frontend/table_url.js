// A grid's view spec (table_view.js) in the page's URL, so that a link
// reproduces the view. A spec is written as query parameters (sort, order,
// correct, true, pred, range, min, max, field, is, text, group; only those
// that differ from the default), and each card's parameters are one entry of
// the URL's hash, as TensorBoard keeps a plugin's entries: the hash is
// `TAB&KEY=VALUE&...` with each key and value URI-encoded, and the plugin's
// keys start with `p.saliency.`; a card's key is `p.saliency.grid:RUN / TAG`.
// No DOM: runs under Node's test runner (table_url.test.mjs).

import { CORRECTNESS, DEFAULT_SPEC, GROUPINGS } from "./table_view.js";

/** The prefix of this plugin's entries in TensorBoard's URL hash. */
const HASH_PREFIX = "p.saliency.";

/** The hash entry key (after HASH_PREFIX) of card run/tag's grid view. */
function gridKey(run, tag) {
  return `grid:${run} / ${tag}`;
}

/**
 * The spec as query parameters: only the entries that differ from DEFAULT_SPEC.
 * @param {import("./table_view.js").ViewSpec} spec @returns {string} "" for the default spec.
 */
function specToParams(spec) {
  const p = new URLSearchParams();
  if (spec.sort !== null) {
    p.set("sort", spec.sort);
    if (spec.desc) p.set("order", "desc");
  }
  if (spec.correct !== "all") p.set("correct", spec.correct);
  if (spec.trueClass !== null) p.set("true", String(spec.trueClass));
  if (spec.predicted !== null) p.set("pred", String(spec.predicted));
  if (spec.range) {
    p.set("range", spec.range.field);
    if (spec.range.min !== null) p.set("min", String(spec.range.min));
    if (spec.range.max !== null) p.set("max", String(spec.range.max));
  }
  if (spec.value) {
    p.set("field", spec.value.field);
    p.set("is", spec.value.value);
  }
  if (spec.text) p.set("text", spec.text);
  if (spec.group !== "none") p.set("group", spec.group);
  return p.toString();
}

function classIndex(text) {
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

function bound(text) {
  if (text === null || text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * The spec the parameters say; a missing or malformed entry keeps its default.
 * @param {string|URLSearchParams} params @returns {import("./table_view.js").ViewSpec}
 */
function specFromParams(params) {
  const p = typeof params === "string" ? new URLSearchParams(params) : params;
  const spec = { ...DEFAULT_SPEC };
  const sort = p.get("sort");
  if (sort) {
    spec.sort = sort;
    spec.desc = p.get("order") === "desc";
  }
  if (CORRECTNESS.includes(p.get("correct"))) spec.correct = p.get("correct");
  spec.trueClass = classIndex(p.get("true"));
  spec.predicted = classIndex(p.get("pred"));
  if (p.get("range")) spec.range = { field: p.get("range"), min: bound(p.get("min")), max: bound(p.get("max")) };
  if (p.get("field") && p.has("is")) spec.value = { field: p.get("field"), value: p.get("is") };
  spec.text = p.get("text") ?? "";
  if (GROUPINGS.includes(p.get("group"))) spec.group = p.get("group");
  return spec;
}

/**
 * A URL hash (without its "#") as TensorBoard reads it: the first piece
 * without "=" is the tab, every other piece KEY=VALUE, URI-decoded.
 * @param {string} hash @returns {{tab:string|null, entries:Map<string,string>}}
 */
function parseHash(hash) {
  const entries = new Map();
  let tab = null;
  for (const piece of hash.replace(/^#/, "").split("&")) {
    if (!piece) continue;
    const parts = piece.split("=");
    try {
      if (parts.length === 1) tab = parts[0];
      else if (parts.length === 2) entries.set(decodeURIComponent(parts[0]), decodeURIComponent(parts[1]));
    } catch {
      // a malformed escape: the piece is skipped, as TensorBoard's parser would fail on it
    }
  }
  return { tab, entries };
}

/**
 * A hash (without "#") from its tab and entries, in TensorBoard's format.
 * @param {{tab:string|null, entries:Map<string,string>}} hash @returns {string}
 */
function formatHash({ tab, entries }) {
  const pieces = [...entries].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const rest = pieces.join("&");
  return rest ? `${tab ?? ""}&${rest}` : (tab ?? "");
}

/**
 * Card run/tag's view spec in `hash` (the default when it has none).
 * @param {string} hash @param {string} run @param {string} tag @returns {import("./table_view.js").ViewSpec}
 */
function specFromHash(hash, run, tag) {
  return specFromParams(parseHash(hash).entries.get(HASH_PREFIX + gridKey(run, tag)) ?? "");
}

/**
 * `hash` with card run/tag's entry set to `spec` (removed for the default spec);
 * the tab and every other entry are kept.
 * @param {string} hash @param {string} run @param {string} tag
 * @param {import("./table_view.js").ViewSpec} spec @returns {string} the new hash, without "#".
 */
function hashWithSpec(hash, run, tag, spec) {
  const parsed = parseHash(hash);
  const key = HASH_PREFIX + gridKey(run, tag);
  const params = specToParams(spec);
  if (params) parsed.entries.set(key, params);
  else parsed.entries.delete(key);
  return formatHash(parsed);
}

export { HASH_PREFIX, gridKey, specToParams, specFromParams, parseHash, formatHash, specFromHash, hashWithSpec };
