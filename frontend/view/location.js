// The page's URL hash, where a grid keeps its view (table_url.js). Inside
// TensorBoard the plugin runs in a same-origin iframe whose own URL a reload
// does not keep, so the hash read and written is the TensorBoard page's (the
// one a link or a reload carries); opened alone, the page's own. Written with
// history.replaceState, as TensorBoard writes its own entries, so a view
// change adds no history entry and fires no hashchange.

/** The window whose URL holds the hash: TensorBoard's page when reachable, else this one. */
function hashWindow() {
  try {
    if (window.parent !== window && window.parent.location.href) return window.parent;
  } catch {
    // another origin: the page's own URL
  }
  return window;
}

/** The hash, without its "#". @returns {string} */
function readHash() {
  return hashWindow().location.hash.replace(/^#/, "");
}

/** Replaces the hash (without "#"), keeping the rest of the URL. @param {string} hash */
function writeHash(hash) {
  const w = hashWindow();
  const url = new URL(w.location.href);
  url.hash = hash;
  if (url.href !== w.location.href) w.history.replaceState(w.history.state, "", url.href);
}

export { readHash, writeHash };
