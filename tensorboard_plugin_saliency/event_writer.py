"""A TensorFlow-free writer of TensorBoard event files, fast for large summaries.

The same files as `tensorboard.summary.writer.event_file_writer.EventFileWriter`
writes, with the record CRCs computed by the vectorised `crc32c` module.
"""

import os
import socket
import struct
import threading
import time

from tensorboard.compat.proto import event_pb2

from tensorboard_plugin_saliency.crc32c import masked_crc32c

_counter = 0
_counter_lock = threading.Lock()


def _file_name(logdir, suffix=""):
    global _counter
    with _counter_lock:
        _counter += 1
        count = _counter
    return os.path.join(
        logdir,
        "events.out.tfevents.%010d.%s.%d.%d%s"
        % (time.time(), socket.gethostname(), os.getpid(), count, suffix),
    )


def encode_record(data):
    """One TFRecord: length, its masked CRC, the data and its masked CRC."""
    header = struct.pack("<Q", len(data))
    return (
        header
        + struct.pack("<I", masked_crc32c(header))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


class EventFileWriter:
    """Appends `Event` protos to a new event file in `logdir`."""

    def __init__(self, logdir, filename_suffix=""):
        os.makedirs(logdir, exist_ok=True)
        self.path = _file_name(logdir, filename_suffix)
        self._lock = threading.Lock()
        self._file = open(self.path, "wb")
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()

    def add_event(self, event):
        """Writes one `Event` (buffered until `flush`)."""
        record = encode_record(event.SerializeToString())
        with self._lock:
            if self._file is None:
                raise ValueError("EventFileWriter: write after close()")
            self._file.write(record)

    def flush(self):
        with self._lock:
            if self._file is not None:
                self._file.flush()

    def close(self):
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
