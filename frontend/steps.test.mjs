// Tests of steps.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { StepLock, latestCommonStep, nearestKeptIndex, parseStep } from "./steps.js";

const kept = (...steps) => steps.map((step) => ({ step, samples: 1 }));
const A = kept(0, 10, 20, 30, 40, 50, 60, 70, 80, 90);
const B = kept(5, 15, 25, 35, 45, 55, 65, 75, 85, 95);

test("nearestKeptIndex: the nearest kept step, the earlier of two as near", () => {
  const at = (steps, target) => steps[nearestKeptIndex(steps, target)].step;
  assert.equal(at(A, 40), 40);
  assert.equal(at(A, 42), 40);
  assert.equal(at(A, 46), 50);
  assert.equal(at(A, 45), 40); // a tie: the earlier
  assert.equal(at(B, 50), 45);
  assert.equal(at(B, 40), 35);
  assert.equal(at(A, 42.5), 40);
  assert.equal(at(kept(7), 1000), 7);
});

test("nearestKeptIndex: a step outside the kept range goes to the first or last", () => {
  assert.equal(nearestKeptIndex(A, -100), 0);
  assert.equal(nearestKeptIndex(A, 1e12), A.length - 1);
  assert.equal(nearestKeptIndex(B, 0), 0);
  assert.equal(nearestKeptIndex(B, 99), B.length - 1);
});

test("nearestKeptIndex: a list out of order still gives the nearest, ties to the smaller step", () => {
  const steps = kept(30, 10, 20);
  assert.equal(nearestKeptIndex(steps, 14), 1);
  assert.equal(nearestKeptIndex(steps, 25), 2);
  assert.equal(nearestKeptIndex(steps, 100), 0);
});

test("parseStep: a typed number, or null", () => {
  assert.equal(parseStep("42"), 42);
  assert.equal(parseStep(" 1e3 "), 1000);
  assert.equal(parseStep("-5"), -5);
  assert.equal(parseStep("4.5"), 4.5);
  for (const bad of ["", "  ", "abc", "Infinity", "1,000"]) assert.equal(parseStep(bad), null, bad);
});

test("latestCommonStep: the smallest of the last steps; empty lists skipped", () => {
  assert.equal(latestCommonStep([]), null);
  assert.equal(latestCommonStep([[]]), null);
  assert.equal(latestCommonStep([A]), 90);
  assert.equal(latestCommonStep([A, B]), 90);
  assert.equal(latestCommonStep([B, kept(0, 10, 20), []]), 20);
  assert.equal(latestCommonStep([kept(30, 10, 20)]), 30);
});

test("StepLock: off follows nothing; the last chosen step wins when turned on", () => {
  const lock = new StepLock(false);
  assert.equal(lock.step, null);
  assert.equal(lock.chose(40), false); // off: the others stay
  assert.equal(lock.step, null);
  assert.equal(lock.listed([A, B]), false);
  assert.equal(lock.set(true, [A, B]), 40); // the step last chosen, not the latest common one
  assert.equal(lock.chose(55), true);
  assert.equal(lock.step, 55);
  assert.equal(lock.listed([kept(0, 10)]), false); // a chosen step stays
  assert.equal(lock.step, 55);
  assert.equal(lock.set(false, [A]), null);
  assert.equal(lock.step, null);
  assert.equal(lock.set(true, [A]), 55);
});

test("StepLock: before any choice, the latest common step of the cards listed so far", () => {
  const lock = new StepLock(true);
  assert.equal(lock.step, null); // nothing listed yet
  assert.equal(lock.listed([B]), true);
  assert.equal(lock.step, 95);
  assert.equal(lock.listed([B, A]), true);
  assert.equal(lock.step, 90);
  assert.equal(lock.listed([B, A]), false); // unchanged
  assert.equal(new StepLock(false).set(true, [A, B]), 90);
  assert.equal(new StepLock(false).set(true, []), null);
});
