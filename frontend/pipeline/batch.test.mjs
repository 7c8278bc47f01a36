// Tests of pipeline/batch.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { FILM_FRAMES, filmFrames, gridSources, isBatch, nearestStep, pooledRange, spreadSteps } from "./batch.js";

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

test("spreadSteps: all when few, else evenly spread with the first and last", () => {
  const steps = Array.from({ length: 1000 }, (_, i) => ({ step: i * 10 }));
  assert.equal(spreadSteps(steps.slice(0, 7), 50).length, 7);
  const spread = spreadSteps(steps, 50);
  assert.equal(spread.length, 50);
  assert.equal(spread[0].step, 0);
  assert.equal(spread[49].step, 9990);
  const gaps = spread.slice(1).map((s, i) => s.step - spread[i].step);
  assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 10, gaps.join(","));
  assert.deepEqual(spreadSteps(steps.slice(0, 3), 2), [steps[0], steps[2]]);
});

test("filmFrames: at most FILM_FRAMES frames of a long run", () => {
  const steps = Array.from({ length: 1000 }, (_, i) => ({ step: i, samples: 2 }));
  const frames = filmFrames(steps, 5);
  assert.equal(frames.length, FILM_FRAMES);
  assert.deepEqual(frames[0], { step: 0, sample: 1 });
  assert.equal(frames[FILM_FRAMES - 1].step, 999);
});

test("nearestStep: the same step, else the last kept before it, else the first kept", () => {
  const steps = [{ step: 10 }, { step: 20 }, { step: 30 }];
  assert.equal(nearestStep(steps, 20).step, 20);
  assert.equal(nearestStep(steps, 25).step, 20);
  assert.equal(nearestStep(steps, 99).step, 30);
  assert.equal(nearestStep(steps, 3).step, 10);
});

test("gridSources: the card's step, then the compared step, then each other run at its nearest step", () => {
  const steps = [
    { step: 0, samples: 4 },
    { step: 5, samples: 4 },
    { step: 9, samples: 2 },
  ];
  const main = { run: "a", step: steps[2], samples: 2 };
  assert.deepEqual(gridSources(main), [{ run: "a", step: 9, samples: 2, title: "a · step 9" }]);
  const both = gridSources(main, {
    steps,
    compareStep: 0,
    runs: [
      {
        run: "b",
        steps: [
          { step: 4, samples: 3 },
          { step: 8, samples: 3 },
          { step: 12, samples: 3 },
        ],
      },
      { run: "c", steps: [] },
    ],
  });
  assert.deepEqual(
    both.map((s) => [s.run, s.step, s.samples]),
    [
      ["a", 9, 2],
      ["a", 0, 4],
      ["b", 8, 3],
    ],
  );
  // Comparing with the shown step itself, or a step no longer kept, adds nothing.
  assert.equal(gridSources(main, { steps, compareStep: 9 }).length, 1);
  assert.equal(gridSources(main, { steps, compareStep: 7 }).length, 1);
});
