// Tests of grid_rows.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { GridRows, ROW_STATES, rowLabel, sampleOf } from "./grid_rows.js";

const A = { run: "a", step: 9, samples: 4, title: "a · step 9" };
const B = { run: "b", step: 9, samples: 2, title: "b · step 9" };
const MASKS = ["grad", "ig"];

/** A fake fetchCell that counts its calls by "run/step/sample", answers at
 * once, and fails for the keys in `failing`. */
function fakeFetch(failing = new Set()) {
  const calls = [];
  const fetchCell = async (source, sample, masks) => {
    const key = `${source.run}/${source.step}/${sample}`;
    calls.push(key);
    if (failing.has(key)) throw new Error(`image: the file ${key}.bin is damaged`);
    return {
      label: `${source.run} · image ${sample + 1}`,
      scores: { grad: { deletion_auc: sample / 10 } },
      batchScores: {},
      image: { url: `${key}/image`, width: 2, height: 2 },
      masks: masks.map((name) => ({
        name,
        url: `${key}/${name}`,
        mask: { values: Float32Array.of(sample), min: 0, max: sample },
      })),
    };
  };
  return { calls, fetchCell };
}

/** A fetchCell whose answers wait until release() is called. */
function heldFetch() {
  const calls = [];
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const fetchCell = async (source, sample) => {
    calls.push(`${source.run}/${source.step}/${sample}`);
    await gate;
    return { label: null, scores: {}, batchScores: {}, image: {}, masks: [] };
  };
  return { calls, fetchCell, release: () => release() };
}

test("reset: one pending row per image of the largest batch; a source lacking the image is not present", () => {
  const rows = new GridRows(fakeFetch().fetchCell);
  assert.equal(rows.reset([A, B], MASKS), true);
  assert.equal(rows.size, 4);
  assert.deepEqual(rows.ids(), [0, 1, 2, 3]);
  assert.deepEqual(rows.shown(), [0, 1, 2, 3]);
  const row = rows.row(3);
  assert.equal(row.state, "pending");
  assert.ok(ROW_STATES.includes(row.state));
  assert.deepEqual(
    row.groups.map((g) => [g.source.run, g.present]),
    [
      ["a", true],
      ["b", false],
    ],
  );
  assert.equal(rows.reset([A, B], MASKS), false, "the same sources and masks keep the rows");
});

test("load fetches each source of a row once; loading it again, or twice at once, fetches nothing more", async () => {
  const { calls, fetchCell } = fakeFetch();
  const rows = new GridRows(fetchCell);
  rows.reset([A, B], MASKS);
  const [first, second] = await Promise.all([rows.load(1), rows.load(1)]);
  assert.equal(first, second);
  assert.equal(first.state, "loaded");
  assert.deepEqual(calls, ["a/9/1", "b/9/1"]);
  await rows.load(1);
  await rows.load(3); // image 4 is in run a's batch only
  assert.deepEqual(calls, ["a/9/1", "b/9/1", "a/9/3"]);
  const [a, b] = rows.row(1).groups;
  assert.equal(a.label, "a · image 2");
  assert.equal(b.masks.get("ig").url, "b/9/1/ig");
  assert.deepEqual(a.scores, { grad: { deletion_auc: 0.1 } });
  assert.equal(rowLabel(rows.row(1)), "a · image 2");
  assert.equal(rows.row(3).groups[1].image, null);
  assert.deepEqual(
    rows.loaded().map((r) => r.id),
    [1, 3],
  );
});

test("order: rows reorder without a fetch, keeping their data; unlisted rows follow in their order", async () => {
  const { calls, fetchCell } = fakeFetch();
  const rows = new GridRows(fetchCell);
  rows.reset([A], MASKS);
  await Promise.all(rows.ids().map((id) => rows.load(id)));
  const before = rows.ids().map((id) => rows.row(id));
  const fetched = calls.length;
  rows.order([3, 2, 1, 0]);
  assert.deepEqual(rows.ids(), [3, 2, 1, 0]);
  rows.order([1, 7, 1]); // an unknown id and a repeat are ignored
  assert.deepEqual(rows.ids(), [1, 3, 2, 0]);
  assert.deepEqual(
    rows.loaded().map((r) => r.id),
    [1, 3, 2, 0],
  );
  for (const row of before) {
    assert.equal(rows.row(row.id), row, "the same row, with its data");
    assert.equal(row.state, "loaded");
    assert.equal((await rows.load(row.id)).groups[0].image.url, `a/9/${row.id}/image`);
  }
  assert.equal(calls.length, fetched, "no second fetch");
});

test("hide: hidden rows leave the shown ones but keep their data and state; hide([]) shows all again", async () => {
  const { calls, fetchCell } = fakeFetch();
  const rows = new GridRows(fetchCell);
  rows.reset([A], MASKS);
  await rows.load(0);
  await rows.load(2);
  rows.order([2, 0]);
  rows.hide([0, 3, 9]);
  assert.deepEqual(rows.shown(), [2, 1]);
  assert.deepEqual(rows.ids(), [2, 0, 1, 3]);
  assert.equal(rows.row(0).state, "loaded");
  assert.deepEqual(
    rows.masksNamed("grad").map((m) => m.url),
    ["a/9/0/grad", "a/9/2/grad"],
    "a hidden row's masks still count (Normalize tag)",
  );
  rows.hide([]);
  assert.deepEqual(rows.shown(), [2, 0, 1, 3]);
  await rows.load(0);
  assert.deepEqual(calls, ["a/9/0", "a/9/2"]);
});

test("a row that fails keeps its error and is not fetched again; the other rows load", async () => {
  const { calls, fetchCell } = fakeFetch(new Set(["b/9/1"]));
  const rows = new GridRows(fetchCell);
  rows.reset([A, B], MASKS);
  const [ok, failed] = await Promise.all([rows.load(0), rows.load(1)]);
  assert.equal(ok.state, "loaded");
  assert.equal(failed.state, "error");
  assert.equal(failed.error, "image: the file b/9/1.bin is damaged");
  assert.equal((await rows.load(1)).state, "error");
  rows.order([1, 0]);
  rows.hide([1]);
  rows.hide([]);
  assert.equal(rows.row(1).error, "image: the file b/9/1.bin is damaged");
  assert.deepEqual(calls.filter((c) => c === "b/9/1").length, 1);
  assert.deepEqual(
    rows.loaded().map((r) => r.id),
    [0],
  );
  assert.deepEqual(
    rows
      .masksNamed("grad")
      .map((m) => m.url)
      .sort(),
    ["a/9/0/grad", "b/9/0/grad"],
  );
});

test("reset to other sources: new pending rows; a load under way answers null; order and hidden ids carry over", async () => {
  const { calls, fetchCell, release } = heldFetch();
  const rows = new GridRows(fetchCell);
  rows.reset([A], MASKS);
  const late = rows.load(2);
  assert.equal(rows.row(2).state, "loading");
  rows.order([3, 1]);
  rows.hide([0]);
  const step0 = { ...A, step: 0, samples: 3, title: "a · step 0" };
  assert.equal(rows.reset([step0], MASKS), true);
  release();
  assert.equal(await late, null, "the old step's answer is not the new rows'");
  assert.equal(rows.row(2).state, "pending");
  assert.deepEqual(rows.ids(), [1, 0, 2], "id 3 is past the new batch");
  assert.deepEqual(rows.shown(), [1, 2]);
  assert.equal((await rows.load(2)).state, "loaded");
  assert.deepEqual(calls, ["a/9/2", "a/0/2"]);
  rows.reset([A], MASKS);
  assert.deepEqual(rows.ids(), [1, 0, 2, 3], "a new id goes last");
});

test("aligned sources: rows are the card's own images; another source shows on row i its image with row i's id", async () => {
  const { calls, fetchCell } = fakeFetch();
  const rows = new GridRows(fetchCell);
  // Run b holds the same images shuffled, without a's image 3.
  const aligned = { ...B, samples: 3, map: Int32Array.of(2, 0, 1, -1), aligned: "a@9|b@9" };
  rows.reset([A, aligned], MASKS);
  assert.equal(rows.size, 4);
  assert.deepEqual(
    rows.row(0).groups.map((g) => [g.sample, g.present]),
    [
      [0, true],
      [2, true],
    ],
  );
  assert.equal(rows.row(3).groups[1].present, false);
  await rows.load(0);
  await rows.load(3);
  assert.deepEqual(calls, ["a/9/0", "b/9/2", "a/9/3"]);
  assert.equal(sampleOf(aligned, 1), 0);
  assert.equal(sampleOf(B, 5), -1);
  const other = { ...aligned, map: Int32Array.of(0, 1, 2, -1), aligned: "a@9|b@9 again" };
  assert.equal(rows.reset([A, other], MASKS), true, "another alignment is new rows");
});

test("view: exactly the rows listed, in that order; the others hidden and kept", async () => {
  const rows = new GridRows(fakeFetch().fetchCell);
  rows.reset([A], MASKS);
  await rows.load(2);
  rows.view([2, 0, 9, 2]);
  assert.deepEqual(rows.shown(), [2, 0]);
  assert.deepEqual(rows.ids(), [2, 0, 1, 3]);
  assert.equal(rows.row(2).state, "loaded");
  rows.hide([]);
  assert.deepEqual(rows.shown(), [2, 0, 1, 3]);
});
