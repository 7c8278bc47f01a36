"""CRC-32C (Castagnoli) of large byte strings, vectorised with NumPy: the record CRC
this package computed before it used `google-crc32c`, kept as bench_writer.py's
baseline for the CRC throughput row.

TensorBoard's pure-Python CRC takes about 0.25 s a megabyte, which would make event
files of saliency summaries slow to write without TensorFlow. CRC is linear over GF(2):
the data is cut into equal chunks whose CRCs advance side by side in NumPy, and the
chunk CRCs are joined pairwise with the linear maps "append 2**i zero bytes".
"""

import numpy as np

_POLY = 0x82F63B78  # CRC-32C, bit-reflected.
_CHUNK_BITS = 6  # Chunks of 64 bytes.


def _byte_table():
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(_POLY), table >> 1)
    return table.astype(np.uint32)


_TABLE = _byte_table()


def _apply(tables, states):
    """The linear map given by `tables` ([4, 256]: one table per state byte) on `states`."""
    return (
        tables[0][states & 0xFF]
        ^ tables[1][(states >> 8) & 0xFF]
        ^ tables[2][(states >> 16) & 0xFF]
        ^ tables[3][states >> 24]
    )


def _zero_tables(bits=40):
    """`tables[i]`: the map 'append 2**i zero bytes' on a CRC state, as [4, 256]."""
    seeds = np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None]
    one = _TABLE[seeds & 0xFF] ^ (seeds >> 8)  # Append one zero byte.
    tables = [one]
    for _ in range(bits - 1):
        tables.append(_apply(tables[-1], tables[-1]))
    return tables


_ZEROS = _zero_tables()


def _append_zeros(state, count):
    """`state` after `count` zero bytes."""
    states = np.array([state], np.uint32)
    for i in range(count.bit_length()):
        if count >> i & 1:
            states = _apply(_ZEROS[i], states)
    return int(states[0])


def crc32c(data):
    """The CRC-32C of `data` (bytes-like)."""
    data = np.frombuffer(memoryview(data).cast("B"), np.uint8)
    length = len(data)
    # Leading zero bytes leave a CRC started from state 0 unchanged, so the front is
    # padded to whole chunks, and a zero chunk is put first where a level is odd.
    chunk = 1 << _CHUNK_BITS
    count = max(1, -(-length // chunk))
    padded = np.zeros(count * chunk, np.uint8)
    padded[len(padded) - length :] = data
    states = np.zeros(count, np.uint32)
    for column in padded.reshape(count, chunk).T:
        states = _TABLE[(states ^ column) & 0xFF] ^ (states >> 8)
    level = _CHUNK_BITS
    while len(states) > 1:
        if len(states) % 2:
            states = np.concatenate([np.zeros(1, np.uint32), states])
        states = _apply(_ZEROS[level], states[0::2]) ^ states[1::2]
        level += 1
    return (_append_zeros(0xFFFFFFFF, length) ^ int(states[0])) ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The masked CRC-32C that TFRecord files store."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
