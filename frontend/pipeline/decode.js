// Mask blobs to values: the `u16planes+gzip` encoding of docs/format.md.

/**
 * Decodes a `u16planes+gzip` mask (already inflated: the browser does that
 * through Content-Encoding: gzip) into float values.
 * @param {Uint8Array} bytes 2*h*w bytes: every high byte, then every low byte.
 * @param {{width:number, height:number, min:number, max:number}} info from the manifest.
 * @returns {Float32Array} h*w values, row-major: min + q*(max-min)/65535.
 */
function decodeMask(bytes, { width, height, min, max }) {
  const n = width * height;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 2 * n) {
    throw new RangeError(`mask of ${width}x${height} needs ${2 * n} bytes; got ${bytes && bytes.length}`);
  }
  const out = new Float32Array(n);
  const range = max - min;
  for (let i = 0; i < n; i++) {
    const q = (bytes[i] << 8) | bytes[n + i];
    out[i] = min + (q * range) / 65535;
  }
  return out;
}

/**
 * Sets to exactly 0 every decoded value within half a quantisation step of 0.
 * `u16planes+gzip` stores a mask over its own [min, max] in 65535 steps, so a
 * written 0 of a signed mask usually comes back as ±(max-min)/131070; every
 * value is only known to half a step anyway. With this, a pixel whose mask
 * was zero shows the plain image and reads 0 under the pointer.
 * @param {Float32Array} values decoded values, changed in place.
 * @param {{min:number, max:number}} info the mask's range from the manifest.
 * @returns {Float32Array} the same array.
 */
function snapZero(values, { min, max }) {
  const half = ((max - min) / 131070) * (1 + 1e-6);
  if (!(half > 0) || !(min < 0 && max > 0)) return values;
  for (let i = 0; i < values.length; i++) if (values[i] <= half && values[i] >= -half) values[i] = 0;
  return values;
}

export { decodeMask, snapZero };
