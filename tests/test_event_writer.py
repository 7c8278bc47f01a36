"""The TensorFlow-free event writer: byte-identical records, whole records, any store."""

import glob
import os

import pytest
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as reference
from tensorboard.summary.writer.record_writer import RecordWriter

from tensorboard_plugin_saliency import event_writer


@pytest.mark.parametrize("length", [0, 1, 7, 63, 64, 65, 127, 129, 1000, 4097, 65537])
def test_masked_crc_matches_tensorboard(length):
    data = os.urandom(length)
    assert event_writer.masked_crc32c(data) == reference(data)


def test_records_are_byte_identical_to_tensorboards(tmp_path):
    class Sink:
        data = b""

        def write(self, b):
            self.data += b

        def flush(self):
            pass

    ours = b""
    theirs = Sink()
    writer = RecordWriter(theirs)
    for size in (0, 10, 70000):
        data = event_pb2.Event(step=size, file_version="x" * size).SerializeToString()
        ours += event_writer.encode_record(data)
        writer.write(data)
    assert ours == theirs.data


def test_local_file_gets_each_record_as_it_comes(tmp_path):
    writer = event_writer.EventFileWriter(str(tmp_path))
    size = os.path.getsize(writer.path)
    writer.add_event(event_pb2.Event(step=1))
    assert os.path.getsize(writer.path) > size  # no flush needed
    writer.close()
    with pytest.raises(ValueError, match="after close"):
        writer.add_event(event_pb2.Event(step=2))


def test_memory_url_uploads_one_new_object_per_flush():
    import fsspec

    fs = fsspec.filesystem("memory")
    writer = event_writer.EventFileWriter("memory://flushes/run")
    writer.add_event(event_pb2.Event(step=1))
    writer.add_event(event_pb2.Event(step=2))
    writer.flush()
    writer.flush()  # nothing new: no object
    writer.add_event(event_pb2.Event(step=3))
    writer.close()
    parts = sorted(fs.find("/flushes/run"))
    assert [p.rsplit(".", 1)[1] for p in parts] == ["000000", "000001", "000002"]
    assert all("tfevents" in p for p in parts)
    sizes = [len(fs.cat_file(p)) for p in parts]
    assert sizes[1] > sizes[2] > 0  # each part holds only what was new


def test_no_local_folder_named_like_a_scheme(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_writer.EventFileWriter("memory://nolocal/run").close()
    assert glob.glob(str(tmp_path / "*")) == []
