// Caches of the page: fetched blobs by URL (decoded images, masks and region
// masks), and the sorted strength tables every clip and threshold is read from.

import { httpError } from "./api.js";
import { sortedStrengths, strengthKey } from "./pipeline/clip.js";
import { decodeMask, snapZero } from "./pipeline/decode.js";
import { readRegion } from "./pipeline/regions.js";

/**
 * Fetched blobs by URL (a URL names an immutable value). Images are kept as
 * ImageBitmaps, masks as decoded Float32Arrays. Least recently used entries
 * beyond `maxBytes` are dropped.
 */
class BlobCache {
  /** @param {number} [maxBytes] */
  constructor(maxBytes = 512 * 1024 * 1024) {
    this.maxBytes = maxBytes;
    this.bytes = 0;
    this._entries = new Map(); // url -> {promise, bytes}
  }

  _get(url, load) {
    let entry = this._entries.get(url);
    if (entry) {
      this._entries.delete(url); // move to the end: most recently used
      this._entries.set(url, entry);
      return entry.promise;
    }
    entry = { bytes: 0, promise: null };
    entry.promise = load().then(
      (value) => {
        entry.bytes = value.bytes;
        this.bytes += value.bytes;
        this._evict();
        return value;
      },
      (error) => {
        this._entries.delete(url);
        throw error;
      },
    );
    this._entries.set(url, entry);
    return entry.promise;
  }

  _evict() {
    for (const [url, entry] of this._entries) {
      if (this.bytes <= this.maxBytes || this._entries.size <= 1) break;
      this._entries.delete(url);
      this.bytes -= entry.bytes;
    }
  }

  /**
   * The PNG at `url`, decoded.
   * @param {string} url @returns {Promise<{bitmap:ImageBitmap, width:number, height:number, bytes:number}>}
   */
  image(url) {
    return this._get(url, async () => {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw await httpError(response, "image: ");
      const bitmap = await createImageBitmap(await response.blob());
      return { bitmap, width: bitmap.width, height: bitmap.height, bytes: bitmap.width * bitmap.height * 4 };
    });
  }

  /**
   * The mask described by `info` (an entry of `/sample`'s `masks`), decoded.
   * @param {{url:string, width:number, height:number, min:number, max:number}} info
   * @returns {Promise<{values:Float32Array, width:number, height:number, min:number, max:number, bytes:number}>}
   *   bytes counts the values and their sorted strength tables.
   */
  mask(info) {
    return this._get(info.url, async () => {
      const response = await fetch(info.url, { credentials: "same-origin" });
      if (!response.ok) throw await httpError(response, "mask: ");
      const bytes = new Uint8Array(await response.arrayBuffer());
      const values = snapZero(decodeMask(bytes, info), info);
      const { width, height, min, max } = info;
      return { values, width, height, min, max, bytes: values.length * 12 };
    });
  }

  /**
   * The region of a /sample answer (its `region` entry), its mask decoded as
   * masks are (pipeline/regions.js readRegion). A region whose mask cannot be
   * fetched is drawn from its boxes alone: the picture does not depend on it.
   * @param {object|null|undefined} json @returns {Promise<import("./pipeline/regions.js").Region|null>}
   */
  async region(json) {
    if (!json || typeof json !== "object") return null;
    const mask = json.mask ? await this.mask(json.mask).catch(() => null) : null;
    return readRegion(json, mask);
  }
}

/**
 * Sorted strengths (pipeline/clip.js), built once: per mask and sign, and
 * pooled over several masks under a caller's key (the masks of an image, one
 * mask across steps). A new clip percentage or threshold then costs O(1).
 */
class StrengthCache {
  /** @param {number} [maxPooled] pooled tables kept, least recently built dropped first. */
  constructor(maxPooled = 256) {
    this.maxPooled = maxPooled;
    this._single = new WeakMap(); // values -> {strengthKey: Float32Array}
    this._pooled = new Map(); // key -> Float32Array
  }

  /**
   * Sorted strengths of one mask.
   * @param {Float32Array} values decoded mask values. @param {string} sign
   * @returns {Float32Array}
   */
  of(values, sign) {
    const k = strengthKey(sign);
    let bySign = this._single.get(values);
    if (!bySign) this._single.set(values, (bySign = {}));
    if (!bySign[k]) bySign[k] = sortedStrengths([values], k);
    return bySign[k];
  }

  /**
   * Sorted strengths of several masks together.
   * @param {string} key names the set of masks (e.g. their URLs).
   * @param {() => Float32Array[]} masks their values, asked for only when not cached.
   * @param {string} sign
   * @returns {Float32Array}
   */
  pooled(key, masks, sign) {
    const k = `${key}|${strengthKey(sign)}`;
    let sorted = this._pooled.get(k);
    if (!sorted) {
      sorted = sortedStrengths(masks(), sign);
      this._pooled.set(k, sorted);
      if (this._pooled.size > this.maxPooled) this._pooled.delete(this._pooled.keys().next().value);
    }
    return sorted;
  }
}

export { BlobCache, StrengthCache };
