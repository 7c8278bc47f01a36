"""Row-wise selection in NumPy arrays, several times faster than NumPy's own.

Guided IG picks, on every pass of every path step, the features of each image below
a quantile of |gradient| and moves them: `kth_smallest` finds the quantile (a radix
select), `put` writes the chosen values (bit operations, not a masked copy).
"""

import numpy as np

BUCKETS = 2048
"""Buckets per row of `kth_smallest`: the float32 values' top 12 bits."""


def put(out, where, values, mask, spare):
    """`out[where] = values[where]` (values an array or a scalar), as bit operations:
    NumPy's masked copy is several times slower. `mask` and `spare` are scratch
    arrays of unsigned integers of out's shape and item size."""
    bits = out.view(mask.dtype)
    values = np.asarray(values, out.dtype)
    np.copyto(mask, where)
    np.negative(mask, out=mask)  # all ones where `where`
    np.bitwise_xor(bits, values.view(mask.dtype), out=spare)
    np.bitwise_and(spare, mask, out=spare)
    np.bitwise_xor(bits, spare, out=bits)


def kth_smallest(values, kth, keys, wanted):
    """Each `wanted` row's `kth` smallest value, as `np.partition(values, kth, axis=1)`
    finds it (0 in the other rows).

    `values`: float32 `[rows, n]`, none negative (NaN sorts last, as in NumPy);
    `keys`: uint32 scratch of their shape; `wanted`: bool `[rows]`.

    A radix select, about 2.5 times as fast as the partition: one count of every
    row's values in 2048 buckets of their top bits (exponent and 3 mantissa bits,
    which order them as the values do), then a partition of only the values in the
    bucket that holds rank `kth`.
    """
    rows = values.shape[0]
    first = (np.arange(rows, dtype=np.uint32) * BUCKETS)[:, None]
    np.right_shift(values.view(np.uint32), 20, out=keys)
    np.add(keys, first, out=keys)
    counts = np.bincount(keys.ravel(), minlength=rows * BUCKETS).reshape(rows, BUCKETS)
    ends = np.cumsum(counts, axis=1)
    bucket = (ends <= kth).sum(axis=1)
    rank = kth - np.where(bucket > 0, ends[np.arange(rows), bucket - 1], 0)
    candidates = values[keys == (first[:, 0] + bucket)[:, None]]
    sizes = counts[np.arange(rows), bucket]
    out = np.zeros(rows, values.dtype)
    for row, end, size, r in zip(range(rows), np.cumsum(sizes), sizes, rank):
        if wanted[row]:
            out[row] = np.partition(candidates[end - size : end], r)[r]
    return out
