// Tests of pipeline/decode.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { encodeMask } from "../testing.mjs";
import { decodeMask, snapZero } from "./decode.js";

test("decodeMask round-trips the u16planes+gzip encoding within half a step", () => {
  const w = 37;
  const h = 23;
  const values = new Float32Array(w * h).map((_, i) => Math.sin(i * 0.37) * 0.02 - 0.003 * (i % 7));
  const { gz, min, max } = encodeMask(values);
  const bytes = new Uint8Array(zlib.gunzipSync(gz));
  const out = decodeMask(bytes, { width: w, height: h, min, max });
  assert.equal(out.length, w * h);
  const step = (max - min) / 65535;
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - values[i]) <= step / 2 + 1e-9, `pixel ${i}`);
  assert.equal(out[values.indexOf(min)], min);
  assert.ok(Math.abs(out[values.indexOf(max)] - max) < 1e-9);
  // plane order: high bytes first
  const two = decodeMask(new Uint8Array([0xff, 0x00, 0xff, 0x00]), { width: 2, height: 1, min: 0, max: 65535 });
  assert.deepEqual(Array.from(two), [65535, 0]);
  // constant mask: q = 0 everywhere
  const flat = decodeMask(new Uint8Array(8), { width: 2, height: 2, min: 3, max: 3 });
  assert.deepEqual(Array.from(flat), [3, 3, 3, 3]);
  assert.throws(() => decodeMask(new Uint8Array(7), { width: 2, height: 2, min: 0, max: 1 }), /needs 8 bytes/);
});

test("snapZero sets values within half a quantisation step of 0 to 0", () => {
  const half = 1 / 131070;
  const v = Float32Array.of(-0.5, half, -half, 3 * half, 0.5);
  snapZero(v, { min: -0.5, max: 0.5 });
  assert.deepEqual([...v].slice(0, 3), [-0.5, 0, 0]);
  assert.ok(v[3] > 0);
  const pos = Float32Array.of(0.1, 0.2);
  snapZero(pos, { min: 0.1, max: 0.2 });
  assert.deepEqual([...pos], [Math.fround(0.1), Math.fround(0.2)]);
});
