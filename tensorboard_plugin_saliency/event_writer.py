"""A TensorFlow-free writer of TensorBoard event files, fast for large summaries.

The same records as `tensorboard.summary.writer.event_file_writer.EventFileWriter`
writes, with their CRCs from `google-crc32c`, to a local directory or a URL
(`storage.py`). Every write is whole records:

- local: one file, each record appended with a single `write` as it comes, so a
  writer killed at any point leaves whole records behind;
- URL (object storage): records are kept until `flush()` (or until
  `MAX_PENDING_BYTES` of them wait), which uploads them as one new object named
  after the file with a growing part number. A flush costs one upload of what is
  new, never the file again; a failed upload raises and its records are kept for
  the next flush. TensorBoard reads the parts in name order as one run.
"""

import os
import socket
import struct
import threading
import time

import google_crc32c
from tensorboard.compat.proto import event_pb2

from tensorboard_plugin_saliency import storage

MAX_PENDING_BYTES = 32 << 20
"""Records a URL writer keeps before it uploads them without being asked."""

_counter = 0
_counter_lock = threading.Lock()


def _file_name(suffix=""):
    global _counter
    with _counter_lock:
        _counter += 1
        count = _counter
    return "events.out.tfevents.%010d.%s.%d.%d%s" % (
        time.time(),
        socket.gethostname(),
        os.getpid(),
        count,
        suffix,
    )


def masked_crc32c(data):
    """The masked CRC-32C of `data` that TFRecords carry."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


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
    """Appends `Event` protos to a new event file in `logdir` (a path or a URL)."""

    def __init__(self, logdir, filename_suffix=""):
        self._location = storage.location(logdir)
        self._location.makedirs()
        self.path = self._location.join(_file_name(filename_suffix))
        self._lock = threading.Lock()
        self._closed = False
        self._pending = []  # URL: records not uploaded yet
        self._pending_bytes = 0
        self._parts = 0
        self._fd = None
        if not self._location.is_url:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()

    def add_event(self, event):
        """Writes one `Event`: at once to a local file; with the next upload to a URL."""
        record = encode_record(event.SerializeToString())
        with self._lock:
            if self._closed:
                raise ValueError("EventFileWriter: write after close()")
            if self._fd is not None:
                _write_all(self._fd, record)
                return
            self._pending.append(record)
            self._pending_bytes += len(record)
            if self._pending_bytes >= MAX_PENDING_BYTES:
                self._upload()

    def flush(self):
        """Local: nothing waits. URL: uploads the waiting records as one new object."""
        with self._lock:
            if not self._closed and self._fd is None:
                self._upload()

    def _upload(self):
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._location.put("%s.%06d" % (self.path, self._parts), data)  # raises on failure
        self._parts += 1
        self._pending = []
        self._pending_bytes = 0

    def close(self):
        """Flushes and closes; a failed last upload raises and leaves the writer open."""
        self.flush()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._closed = True


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
