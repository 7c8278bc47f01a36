// Tests of cache.js: node --test frontend/
import test from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { BlobCache, StrengthCache } from "./cache.js";
import { sortedStrengths } from "./pipeline/clip.js";
import { encodeMask } from "./testing.mjs";

test("BlobCache.mask fetches once per URL, decodes and snaps zero; errors are not cached", async (t) => {
  const values = Float32Array.of(-1, 0, 0.5, 1);
  const { gz, min, max } = encodeMask(values);
  const fetched = [];
  const original = globalThis.fetch;
  t.after(() => (globalThis.fetch = original));
  globalThis.fetch = async (url) => {
    fetched.push(url);
    if (url === "bad") return new Response("no", { status: 404 });
    if (url === "gone")
      return Response.json({ error: "Not found: run 'a': the file x.bin is missing" }, { status: 404 });
    return new Response(zlib.gunzipSync(gz)); // the browser inflates Content-Encoding: gzip
  };
  const cache = new BlobCache();
  const info = { url: "m1", width: 2, height: 2, min, max };
  const [a, b] = await Promise.all([cache.mask(info), cache.mask(info)]);
  assert.equal(a, b);
  assert.deepEqual(fetched, ["m1"]);
  assert.equal(a.values[1], 0, "a written zero decodes to exactly 0");
  assert.equal(a.bytes, 4 * 12);
  await assert.rejects(cache.mask({ ...info, url: "bad" }), /mask: 404/);
  await assert.rejects(cache.mask({ ...info, url: "bad" }), /mask: 404/);
  assert.deepEqual(fetched, ["m1", "bad", "bad"]);
  // The server's JSON message is the error's, so the card can say what is wrong.
  await assert.rejects(
    cache.mask({ ...info, url: "gone" }),
    /^Error: mask: Not found: run 'a': the file x.bin is missing$/,
  );
});

test("BlobCache drops the least recently used entries beyond maxBytes", async (t) => {
  const { gz, min, max } = encodeMask(Float32Array.of(1, 2, 3, 4));
  const original = globalThis.fetch;
  t.after(() => (globalThis.fetch = original));
  let requests = 0;
  globalThis.fetch = async () => (requests++, new Response(zlib.gunzipSync(gz)));
  const cache = new BlobCache(100); // two masks of 48 bytes
  const info = (url) => ({ url, width: 2, height: 2, min, max });
  await cache.mask(info("a"));
  await cache.mask(info("b"));
  await cache.mask(info("a")); // a is now the most recent
  await cache.mask(info("c")); // drops b
  assert.equal(cache.bytes, 96);
  await cache.mask(info("a"));
  assert.equal(requests, 3);
  await cache.mask(info("b"));
  assert.equal(requests, 4);
});

test("StrengthCache: sorted once per mask and sign (signed shares absolute), pooled by key", () => {
  const cache = new StrengthCache(2);
  const m = Float32Array.of(-3, 1, 2);
  assert.deepEqual([...cache.of(m, "absolute")], [1, 2, 3]);
  assert.equal(cache.of(m, "signed"), cache.of(m, "absolute"));
  assert.deepEqual([...cache.of(m, "negative")], [0, 0, 3]);
  let built = 0;
  const masks = () => (built++, [m, Float32Array.of(5)]);
  const pooled = cache.pooled("k", masks, "positive");
  assert.deepEqual(pooled, sortedStrengths([m, Float32Array.of(5)], "positive"));
  assert.equal(cache.pooled("k", masks, "positive"), pooled);
  assert.equal(built, 1);
  cache.pooled("k2", masks, "positive");
  cache.pooled("k3", masks, "positive"); // beyond 2 tables: the oldest goes
  cache.pooled("k", masks, "positive");
  assert.equal(built, 4);
});
