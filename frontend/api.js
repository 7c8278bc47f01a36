// The page's links to the outside: TensorBoard's iframe MessagePort protocol
// and the plugin's JSON routes. Blobs are fetched through cache.js.

// ------------------------------------------------------------ MessagePort

/**
 * The iframe side of TensorBoard's plugin protocol (design.md, section 3):
 * messages are JSON strings `{type, id, payload, error, isReply}`.
 */
class Host {
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

  /** Calls `fn(payload)` on each message of `type` from TensorBoard; its result is the reply.
   * @param {string} type e.g. "experimental.DataReloaded". @param {(payload:*) => *} fn */
  listen(type, fn) {
    this._listeners.set(type, fn);
  }

  /** Sends a request; resolves with the reply's payload, or `fallback` after
   * `timeoutMs` (or at once when there is no TensorBoard page around).
   * @param {string} type @param {*} [payload] @param {{timeoutMs?:number, fallback?:*}} [opts]
   * @returns {Promise<*>} */
  send(type, payload = null, { timeoutMs = 2000, fallback = null } = {}) {
    if (!this.port) return Promise.resolve(fallback);
    const id = this._id++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._waits.delete(id);
        resolve(fallback);
      }, timeoutMs);
      this._waits.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.port.postMessage(JSON.stringify({ type, id, payload, error: null, isReply: false }));
    });
  }
}

// ------------------------------------------------------------ JSON routes

/** An HTTP answer that is not 2xx; `message` is the server's JSON error. */
class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * The HttpError of a non-2xx `response`: the server's JSON message, else its
 * status, after `what` (e.g. "image: ") when given.
 * @param {Response} response @param {string} [what] @returns {Promise<HttpError>}
 */
async function httpError(response, what = "") {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) message = body.error;
  } catch {
    // not JSON
  }
  return new HttpError(response.status, `${what}${message}`);
}

/**
 * GETs JSON; a non-2xx answer throws an HttpError with the server's message.
 * @param {string} url @returns {Promise<*>}
 */
async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw await httpError(response);
  return response.json();
}

const q = encodeURIComponent;

/** The plugin's JSON routes (http_api.md). URLs are relative: the page's base
 * is the plugin route. */
const api = {
  /** run -> tag -> {displayName, description, samples, masks}. @returns {Promise<object>} */
  tags: () => getJson("tags"),
  /** The kept steps of a run's tag. @param {string} run @param {string} tag @returns {Promise<object[]>} */
  steps: (run, tag) => getJson(`steps?run=${q(run)}&tag=${q(tag)}`),
  /** One image of a step with its masks' URLs and ranges; `step` null: the latest step.
   * @param {string} run @param {string} tag @param {number|null} step @param {number} sample
   * @returns {Promise<object>} */
  sample: (run, tag, step, sample) =>
    getJson(`sample?run=${q(run)}&tag=${q(tag)}${step === null ? "" : `&step=${q(step)}`}&sample=${q(sample)}`),
  /** One image at every kept step, oldest first (a step with a smaller batch: its last image).
   * @param {string} run @param {string} tag @param {number} sample @returns {Promise<object[]>} */
  samples: (run, tag, sample) => getJson(`samples?run=${q(run)}&tag=${q(tag)}&sample=${q(sample)}`),
  /** A step's per-image table as columns (ids, captions, fields, scores); read by table_data.js.
   * @param {string} run @param {string} tag @param {number} step @returns {Promise<object>} */
  table: (run, tag, step) => getJson(`table?run=${q(run)}&tag=${q(tag)}&step=${q(step)}`),
};

/**
 * A JSON file served beside the page's modules (the plugin's `static/`), e.g.
 * colormaps.json or render_options.json.
 * @param {string} name @returns {Promise<*>}
 */
function staticJson(name) {
  return getJson(new URL(`./${name}`, import.meta.url).href);
}

export { Host, HttpError, api, httpError, staticJson };
