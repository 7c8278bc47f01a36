// Tests of pipeline/format.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { downloadName, formatValue, formatWallTime, readoutValue } from "./format.js";

test("readout and file names", () => {
  assert.equal(readoutValue(1.25), "1.25");
  assert.equal(readoutValue(0), "0");
  assert.equal(readoutValue(-0.000012345), "-1.2345e-5");
  assert.equal(readoutValue(0.123456789), "0.123457");
  assert.equal(downloadName("<img src=x>", "a/b", 3, 1, "grad"), "img_src_x__a_b__step3_sample1_grad.png");
});

test("formatValue: 3 significant digits, exponent when tiny or huge", () => {
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(0.123456), "0.123");
  assert.equal(formatValue(-2e-6), "-2e-6");
  assert.equal(formatValue(123456), "1.23e+5");
  assert.equal(formatValue(Infinity), "Infinity");
});

test("formatWallTime: local date and time, empty for an invalid time", () => {
  assert.match(formatWallTime(1_700_000_000), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal(formatWallTime(NaN), "");
});
