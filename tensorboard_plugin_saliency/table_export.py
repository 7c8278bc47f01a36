"""A step's per-image table (the `/table` answer) filtered, sorted and written as CSV:
what `tensorboard-saliency table` prints, with the columns the page's export writes.

CSV columns: `id`, `label`, then each field of `fields` in order (a class field as its
index, and beside it `<field>_name` when the step names its classes; `probabilities`
left out), then each numeric score as `<mask>/<score>`. Missing values are empty.
"""

import csv
import io


def column_names(table):
    """The CSV's header for `table`."""
    names = ["id", "label"]
    for field in table["fields"]:
        if field["type"] == "vector":
            continue
        names.append(field["name"])
        if field["type"] == "class" and table.get("class_names"):
            names.append(field["name"] + "_name")
    for mask, named in table["scores"].items():
        names += ["%s/%s" % (mask, score) for score in named]
    return names


def row_values(table, index):
    """Row `index` of `table` in `column_names` order."""
    columns, class_names = table["columns"], table.get("class_names")
    values = [columns["id"][index], columns["label"][index]]
    for field in table["fields"]:
        if field["type"] == "vector":
            continue
        value = columns[field["name"]][index]
        values.append(value)
        if field["type"] == "class" and class_names:
            named = value is not None and 0 <= value < len(class_names)
            values.append(class_names[value] if named else None)
    for named in table["scores"].values():
        values += [scores[index] for scores in named.values()]
    return values


def select(
    table, *, correct=None, true=None, predicted=None, text=None, sort=None, descending=False
):
    """The indices of `table`'s rows that pass every given filter, in `sort` order.

    Args:
      correct: True or False keeps the right or wrong predictions only.
      true, predicted: a class (index, or name when the step names its classes).
      text: kept where the caption contains it (case-insensitive).
      sort: a field name or `<mask>/<score>`; rows lacking it go last. None: the
        step's order.
      descending: sort from the largest.

    Raises:
      ValueError: an unknown field, score or class, naming those there are.
    """
    columns = table["columns"]
    kept = range(table["samples"])
    if correct is not None:
        kept = [i for i in kept if _field(table, "correct")[i] is correct]
    for name, wanted in (("true", true), ("predicted", predicted)):
        if wanted is not None:
            index = class_index(table, wanted)
            kept = [i for i in kept if _field(table, name)[i] == index]
    if text:
        needle = text.casefold()
        kept = [i for i in kept if needle in (columns["label"][i] or "").casefold()]
    kept = list(kept)
    if sort is None:
        return kept
    values = sort_column(table, sort)
    present = sorted(
        (i for i in kept if values[i] is not None), key=lambda i: values[i], reverse=descending
    )
    return present + [i for i in kept if values[i] is None]


def sort_column(table, name):
    """The values of field or score `name` (`<mask>/<score>`), one per row."""
    if name in table["columns"] and name not in ("id", "label"):
        return table["columns"][name]
    mask, _, score = name.partition("/")
    if score and score in table["scores"].get(mask, {}):
        return table["scores"][mask][score]
    known = [f["name"] for f in table["fields"] if f["type"] != "vector"]
    known += ["%s/%s" % (m, s) for m, named in table["scores"].items() for s in named]
    raise ValueError(
        "sort: no field or score %r; this step has: %s" % (name, ", ".join(known) or "none")
    )


def class_index(table, wanted):
    """A class given as an index or (when the step names its classes) a name."""
    names = table.get("class_names") or []
    if str(wanted) in names:
        return names.index(str(wanted))
    if str(wanted).isdigit():
        return int(wanted)
    raise ValueError(
        "class: expected a class index%s, got %r"
        % (" or one of " + ", ".join(names) if names else "", wanted)
    )


def _field(table, name):
    if name not in table["columns"]:
        raise ValueError("this step's images have no %r field" % name)
    return table["columns"][name]


def _text(value):
    """A cell: empty for a missing value, true/false as JSON writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_text(table, indices):
    """The rows `indices` of `table` as CSV text (RFC 4180, a header first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(column_names(table))
    for i in indices:
        writer.writerow([_text(v) for v in row_values(table, i)])
    return out.getvalue()
