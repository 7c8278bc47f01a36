// Tests of table_url.js and table_csv.js: node --test frontend/
import { test } from "node:test";
import assert from "node:assert/strict";
import { csvField, csvName, tableCsv } from "./table_csv.js";
import { readTable } from "./table_data.js";
import { formatHash, hashWithSpec, parseHash, specFromHash, specFromParams, specToParams } from "./table_url.js";
import { DEFAULT_SPEC } from "./table_view.js";

const FULL = {
  sort: "grad_cam/deletion_auc",
  desc: true,
  correct: "wrong",
  trueClass: 2,
  predicted: 0,
  range: { field: "loss", min: 0.5, max: null },
  value: { field: "site", value: "a&b=c" },
  text: "Big cat",
  group: "pair",
};

test("specToParams: the default spec is empty; every entry round-trips", () => {
  assert.equal(specToParams(DEFAULT_SPEC), "");
  assert.deepEqual(specFromParams(""), DEFAULT_SPEC);
  assert.deepEqual(specFromParams(specToParams(FULL)), FULL);
  assert.equal(
    specToParams({ ...DEFAULT_SPEC, sort: "loss", correct: "correct", group: "true" }),
    "sort=loss&correct=correct&group=true",
  );
});

test("specFromParams: malformed entries keep their defaults", () => {
  const s = specFromParams("correct=maybe&true=-1&pred=x&group=site&range=loss&min=abc&max=2&order=desc");
  assert.deepEqual(s, { ...DEFAULT_SPEC, range: { field: "loss", min: null, max: 2 } });
});

test("hash: TensorBoard's tab and entries are kept; a card's spec is one p.saliency. entry", () => {
  const hash = "saliency&p.saliency.other=1&tagFilter=x";
  const withSpec = hashWithSpec(hash, "run/1", "val/a b", FULL);
  const parsed = parseHash(withSpec);
  assert.equal(parsed.tab, "saliency");
  assert.equal(parsed.entries.get("tagFilter"), "x");
  assert.equal(parsed.entries.get("p.saliency.other"), "1");
  assert.equal(parsed.entries.get("p.saliency.grid:run/1 / val/a b"), specToParams(FULL));
  assert.deepEqual(specFromHash(`#${withSpec}`, "run/1", "val/a b"), FULL);
  assert.deepEqual(specFromHash(withSpec, "run/2", "val/a b"), DEFAULT_SPEC);
  assert.equal(hashWithSpec(withSpec, "run/1", "val/a b", DEFAULT_SPEC), "saliency&p.saliency.other=1&tagFilter=x");
  assert.equal(formatHash({ tab: null, entries: new Map([["k", "v"]]) }), "&k=v");
  assert.equal(formatHash({ tab: "saliency", entries: new Map() }), "saliency");
});

test("tableCsv: a header, then the rows in order: id, label, fields (class names beside), scores; RFC 4180", () => {
  const t = readTable({
    samples: 3,
    class_names: ["cat", "dog"],
    fields: [
      { name: "true", type: "class" },
      { name: "note", type: "string" },
      { name: "ok", type: "bool" },
      { name: "probabilities", type: "vector" },
    ],
    columns: {
      id: ["a", "b", "c"],
      label: ['say "hi", then', null, " lead"],
      true: [1, 0, null],
      note: ["x\ny", "plain", null],
      ok: [true, false, null],
      probabilities: [null, null, null],
    },
    scores: { "grad cam": { deletion_auc: [0.25, null, 1e-7] } },
  });
  assert.equal(
    tableCsv(t, [2, 0]),
    'id,label,true,true_name,note,ok,grad cam/deletion_auc\r\nc, lead,,,,,1e-7\r\na,"say ""hi"", then",1,dog,"x\ny",true,0.25\r\n',
  );
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField(null), "");
  assert.equal(csvName("run/1", "val/a b", 40), "run_1_val_a_b_step40.csv");
});
