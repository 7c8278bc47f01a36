// Tests of pipeline/batch.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { filmFrames, isBatch, pooledRange } from "./batch.js";

test("isBatch: several images or several masks make a grid; one of each, or an unreadable tag, do not", () => {
  assert.equal(isBatch({ samples: 4, masks: ["a", "b"] }), true);
  assert.equal(isBatch({ samples: 1, masks: ["a", "b"] }), true);
  assert.equal(isBatch({ samples: 3, masks: ["a"] }), true);
  assert.equal(isBatch({ samples: 1, masks: ["a"] }), false);
  assert.equal(isBatch({ samples: 0, masks: [], error: "cannot be read" }), false);
});

test("pooledRange: the smallest min and largest max of a column", () => {
  assert.equal(pooledRange([]), null);
  assert.deepEqual(pooledRange([{ min: -1, max: 2 }]), { min: -1, max: 2 });
  assert.deepEqual(
    pooledRange([
      { min: 0, max: 2 },
      { min: -3, max: 1 },
    ]),
    { min: -3, max: 2 },
  );
});

test("filmFrames: the chosen sample at every kept step, the last image of a smaller batch", () => {
  const steps = [{ step: 0, samples: 4 }, { step: 5, samples: 2 }, { step: 9 }];
  assert.deepEqual(filmFrames(steps, 3), [
    { step: 0, sample: 3 },
    { step: 5, sample: 1 },
    { step: 9, sample: 3 },
  ]);
  assert.deepEqual(filmFrames([], 0), []);
});
