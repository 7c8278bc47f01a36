"""Typed per-image fields: what each image of a step is besides its pixels (its true
and predicted class, the model's confidence, its loss, whether it was right, and the
user's own fields), checked once here for every writer and reader.

A step stores, per image, a JSON object of fields. Values are typed by what they
are, never by how they print:

- `class`: `true`, `predicted`: a class index (an integer >= 0), named by the step's
  `class_names` when given;
- `number`: `confidence`, `loss` and any user field of finite numbers;
- `bool`: `correct` (derived from `true` and `predicted` when both are given and it
  is not) and any user field of booleans;
- `string`: any user field of text (categories, short notes), at most
  `MAX_STRING` characters;
- `vector`: `probabilities`, one list of finite numbers per image.

A missing value is `None` (JSON null) or absent.
"""

import math
import numbers

import numpy as np

CLASS_FIELDS = ("true", "predicted")
"""The fields that hold class indices."""

RESERVED = ("true", "predicted", "confidence", "loss", "correct", "probabilities")
"""The fields with a meaning of their own, in the order tables list them."""

TYPES = {
    "true": "class",
    "predicted": "class",
    "confidence": "number",
    "loss": "number",
    "correct": "bool",
    "probabilities": "vector",
}
"""The type of each reserved field."""

MAX_STRING = 256
"""The longest string value, in characters."""

MAX_NAME = 64
"""The longest field name, in characters."""


def check_fields(fields, n, class_names=None):
    """`fields` (`{name: one value per image}`) as one dict per image of JSON values,
    `correct` derived where `true` and `predicted` say it.

    Raises:
      TypeError, ValueError: naming the field, the image and what was expected.
    """
    per_image = [{} for _ in range(n)]
    if fields is None:
        return per_image
    if not isinstance(fields, dict):
        raise TypeError(
            "fields: expected a dict of name -> one value per image, got %s" % type(fields).__name__
        )
    for name, values in fields.items():
        _check_name(name)
        column = _column(name, values, n, class_names)
        for row, value in zip(per_image, column):
            if value is not None:
                row[name] = value
    if "correct" not in fields and all(f in fields for f in CLASS_FIELDS):
        for row in per_image:
            if row.get("true") is not None and row.get("predicted") is not None:
                row["correct"] = row["true"] == row["predicted"]
    return per_image


def check_class_names(class_names):
    """`class_names` as a list of strings (None stays None)."""
    if class_names is None:
        return None
    if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
        raise TypeError(
            "class_names: expected a list of names, got %s" % type(class_names).__name__
        )
    names = [str(c) for c in class_names]
    long = [c for c in names if len(c) > MAX_STRING]
    if long:
        raise ValueError(
            "class_names: expected names of at most %d characters, got one of %d"
            % (MAX_STRING, len(long[0]))
        )
    return names


def type_of(name, value):
    """The type (see the module docstring) of one stored value of field `name`."""
    if name in TYPES:
        return TYPES[name]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    return "string"


def table_fields(rows):
    """`[{"name", "type"}]` of every field some row of `rows` (one dict per image)
    has: the reserved ones first, in `RESERVED` order, then the others by name. A
    user field whose rows hold values of several types is a `string`."""
    types = {}
    for row in rows:
        for name, value in row.items():
            kind = type_of(name, value)
            types[name] = kind if types.get(name, kind) == kind else "string"
    ordered = [n for n in RESERVED if n in types] + sorted(n for n in types if n not in TYPES)
    return [{"name": n, "type": types[n]} for n in ordered]


def caption(row, class_names=None):
    """The caption of an image with fields `row`, "true: cat · pred: dog 0.87" (each
    part when its field is there), or None when it has no class fields."""
    parts = []
    if row.get("true") is not None:
        parts.append("true: %s" % class_name(row["true"], class_names))
    if row.get("predicted") is not None:
        text = "pred: %s" % class_name(row["predicted"], class_names)
        if row.get("confidence") is not None:
            text += " %.2f" % row["confidence"]
        parts.append(text)
    return " · ".join(parts) or None


def class_name(index, class_names=None):
    """The name of class `index` in `class_names`, else the index as text."""
    if class_names is not None and 0 <= index < len(class_names):
        return str(class_names[index])
    return str(int(index))


def read_row(record):
    """One image's stored fields (a JSON object), checked: `{name: value}`."""
    if record is None:
        return {}
    if not isinstance(record, dict):
        raise ValueError("fields: expected an object per image")
    row = {}
    for name, value in record.items():
        if value is None:
            continue
        kind = TYPES.get(name)
        if kind == "class" and not (type(value) is int and value >= 0):
            raise ValueError("field %r: expected a class index, got %r" % (name, value))
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError("field %r: expected a number, got %r" % (name, value))
        if kind == "bool" and not isinstance(value, bool):
            raise ValueError("field %r: expected true or false, got %r" % (name, value))
        if kind == "vector" and not (
            isinstance(value, list) and all(isinstance(v, (int, float)) for v in value)
        ):
            raise ValueError("field %r: expected a list of numbers" % (name,))
        if kind is None and not isinstance(value, (bool, int, float, str)):
            raise ValueError("field %r: expected a number, true/false or text" % (name,))
        row[str(name)] = value
    return row


def _check_name(name):
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise ValueError("fields: expected names of 1 to %d characters, got %r" % (MAX_NAME, name))


def _column(name, values, n, class_names):
    """Field `name`'s `values`, one per image, as JSON values (None where missing)."""
    if name == "probabilities":
        return _vectors(values, n, class_names)
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(
            "fields[%r]: expected one value per image (%d), got %s"
            % (name, n, type(values).__name__)
        )
    values = (
        list(np.asarray(values, dtype=object).reshape(-1))
        if hasattr(values, "shape")
        else list(values)
    )
    if len(values) != n:
        raise ValueError(
            "fields[%r]: expected one value per image (%d), got %d" % (name, n, len(values))
        )
    kind = TYPES.get(name)
    return [
        None if _missing(v) else _value(name, kind, v, i, class_names) for i, v in enumerate(values)
    ]


def _value(name, kind, value, i, class_names):
    where = "fields[%r][%d]" % (name, i)
    if isinstance(value, np.generic):
        value = value.item()
    if kind == "class":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(
                "%s: expected a class index (an integer >= 0), got %r" % (where, value)
            )
        if class_names is not None and value >= len(class_names):
            raise ValueError(
                "%s: class %d is past the %d class_names" % (where, value, len(class_names))
            )
        return int(value)
    if kind == "bool" or (kind is None and isinstance(value, bool)):
        if not isinstance(value, bool):
            raise ValueError("%s: expected true or false, got %r" % (where, value))
        return value
    if kind == "number" or (kind is None and isinstance(value, numbers.Number)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError("%s: expected a number, got %r" % (where, value))
        if not math.isfinite(value):
            raise ValueError("%s: expected a finite number, got %r" % (where, value))
        return float(value)
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueError(
                "%s: expected text of at most %d characters, got %d"
                % (where, MAX_STRING, len(value))
            )
        return value
    raise TypeError(
        "%s: expected a number, true/false or text, got %s" % (where, type(value).__name__)
    )


def _vectors(values, n, class_names):
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("fields['probabilities']: expected numbers [N, classes]") from None
    if array.ndim != 2 or array.shape[0] != n:
        raise ValueError(
            "fields['probabilities']: expected shape [%d, classes], got %s" % (n, list(array.shape))
        )
    if class_names is not None and array.shape[1] != len(class_names):
        raise ValueError(
            "fields['probabilities']: expected %d classes (class_names), got %d"
            % (len(class_names), array.shape[1])
        )
    if not np.isfinite(array).all():
        raise ValueError("fields['probabilities']: expected finite numbers")
    return [row.tolist() for row in array]


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))
