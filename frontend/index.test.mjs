// Tests of index.js: node --test frontend/
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

// The relative modules a module imports statically (import ... from "./x.js", import "./x.js").
function importsOf(url) {
  const text = readFileSync(new URL(url), "utf8");
  return [...text.matchAll(/^(?:import|export)\b[^;]*?["'](\.{1,2}\/[^"']+)["'];/gms)].map(
    (m) => new URL(m[1], url).href,
  );
}

test("index.js imports every module of the page itself, so that the browser fetches them in one round", () => {
  const index = new URL("./index.js", import.meta.url).href;
  const direct = new Set(importsOf(index));
  const all = new Set();
  const todo = [...direct];
  while (todo.length) {
    const url = todo.pop();
    if (all.has(url)) continue;
    all.add(url);
    todo.push(...importsOf(url));
  }
  const base = new URL("./", import.meta.url).href;
  const missing = [...all].filter((url) => !direct.has(url)).map((url) => url.slice(base.length));
  assert.deepEqual(missing, []);
  assert.ok(all.size > 20, `${all.size} modules`);
});
