"""Checks of single values, with messages that name the argument and what was expected.

Shared by the writers, the renderer, the HTTP routes and the command line, so that
one mistake reads the same wherever it is made.
"""

import math
import numbers


def choice(name, value, choices):
    """`value` if it is one of `choices`; else a `ValueError` listing them."""
    if value not in choices:
        raise ValueError("%s: expected one of %s, got %r" % (name, ", ".join(choices), value))
    return value


def integer(name, value, minimum=None):
    """`value` as an int (not a bool) of at least `minimum`; `TypeError`/`ValueError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s: expected an integer, got %r" % (name, value))
    if minimum is not None and value < minimum:
        raise ValueError("%s: expected an integer of at least %d, got %d" % (name, minimum, value))
    return int(value)


def number(name, value, low, high, *, low_exclusive=False, what="a number"):
    """`value` as a finite float in [low, high] (or (low, high]); else `ValueError`.

    `what` names the kind of number in the message, e.g. "a percentage".
    """
    interval = "%s%g, %g]" % ("(" if low_exclusive else "[", low, high)
    real = not isinstance(value, bool) and isinstance(value, numbers.Real)
    result = float(value) if real else math.nan
    below = result <= low if low_exclusive else result < low
    if not math.isfinite(result) or below or result > high:
        raise ValueError("%s: expected %s in %s, got %r" % (name, what, interval, value))
    return result
