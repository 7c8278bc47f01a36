// The page's links to the outside: TensorBoard's iframe MessagePort protocol,
// the plugin's JSON routes, and a cache of fetched blobs (decoded images and
// decoded masks with their derived clip tables).

import { decodeMask } from "./core.js";
import { snapZero } from "./settings.js";

// ------------------------------------------------------------ MessagePort

/**
 * The iframe side of TensorBoard's plugin protocol (design.md, section 3):
 * messages are JSON strings `{type, id, payload, error, isReply}`.
 */
export class Host {
  constructor() {
    this._listeners = new Map();
    this._waits = new Map();
    this._id = 0;
    this.port = null;
    if (window.parent === window) return; // opened directly: no TensorBoard around
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.port.addEventListener("message", (e) => this._onMessage(e));
    this.port.start();
    window.parent.postMessage("experimental.bootstrap", "*", [channel.port2]);
  }

  async _onMessage(event) {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (msg.isReply) {
      const wait = this._waits.get(msg.id);
      if (!wait) return;
      this._waits.delete(msg.id);
      if (msg.error) wait.reject(new Error(msg.error));
      else wait.resolve(msg.payload);
      return;
    }
    let payload = null;
    let error = null;
    const listener = this._listeners.get(msg.type);
    if (listener) {
      try {
        payload = (await listener(msg.payload)) ?? null;
      } catch (e) {
        error = String(e && e.message ? e.message : e);
      }
    }
    this.port.postMessage(JSON.stringify({ type: msg.type, id: msg.id, payload, error, isReply: true }));
  }

  /** Calls `fn(payload)` on each message of `type` from TensorBoard. */
  listen(type, fn) {
    this._listeners.set(type, fn);
  }

  /** Sends a request; resolves with the reply's payload, or `fallback` after
   * `timeoutMs` (or at once when there is no TensorBoard page around). */
  send(type, payload = null, { timeoutMs = 2000, fallback = null } = {}) {
    if (!this.port) return Promise.resolve(fallback);
    const id = this._id++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._waits.delete(id);
        resolve(fallback);
      }, timeoutMs);
      this._waits.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.port.postMessage(JSON.stringify({ type, id, payload, error: null, isReply: false }));
    });
  }
}

// ------------------------------------------------------------ JSON routes

/** An HTTP answer that is not 2xx; `message` is the server's JSON error. */
export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch {
      // not JSON
    }
    throw new HttpError(response.status, message);
  }
  return response.json();
}

const q = encodeURIComponent;

/** URLs are relative: the page's base is the plugin route. */
export const api = {
  tags: () => getJson("tags"),
  steps: (run, tag) => getJson(`steps?run=${q(run)}&tag=${q(tag)}`),
  /** `step` null: the latest step. */
  sample: (run, tag, step, sample) =>
    getJson(`sample?run=${q(run)}&tag=${q(tag)}${step === null ? "" : `&step=${q(step)}`}&sample=${q(sample)}`),
};

// ------------------------------------------------------------ blob cache

/**
 * Fetched blobs by URL (a URL names an immutable value). Images are kept as
 * ImageBitmaps, masks as decoded Float32Arrays plus the sorted strength tables
 * the clip and threshold controls read. Least recently used entries beyond
 * `maxBytes` are dropped.
 */
export class BlobCache {
  constructor(maxBytes = 512 * 1024 * 1024) {
    this.maxBytes = maxBytes;
    this.bytes = 0;
    this._entries = new Map(); // url -> {promise, bytes}
    this.requests = 0;
  }

  _get(url, load) {
    let entry = this._entries.get(url);
    if (entry) {
      this._entries.delete(url); // move to the end: most recently used
      this._entries.set(url, entry);
      return entry.promise;
    }
    entry = { bytes: 0, promise: null };
    this.requests++;
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

  /** `{bitmap, width, height, bytes}` of the PNG at `url`. */
  image(url) {
    return this._get(url, async () => {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new HttpError(response.status, `image: ${response.status}`);
      const bitmap = await createImageBitmap(await response.blob());
      return { bitmap, width: bitmap.width, height: bitmap.height, bytes: bitmap.width * bitmap.height * 4 };
    });
  }

  /** `{values, width, height, min, max, sorted: {}, bytes}` of the mask
   * described by `info` (an entry of `/sample`'s `masks`). */
  mask(info) {
    return this._get(info.url, async () => {
      const response = await fetch(info.url, { credentials: "same-origin" });
      if (!response.ok) throw new HttpError(response.status, `mask: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const values = snapZero(decodeMask(bytes, info), info);
      return {
        values, width: info.width, height: info.height, min: info.min, max: info.max,
        sorted: {}, bytes: values.length * 12,
      };
    });
  }
}
