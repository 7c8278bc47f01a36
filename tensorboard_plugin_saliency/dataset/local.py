"""The local engine: one process explains the chunks in order, the next chunk read
and the last one written on threads beside it, so that reading and writing overlap
the model's work.

    reader thread  ->  [2 chunks]  ->  this thread: explain  ->  [1 part]  ->  writer thread
"""

import queue
import threading

from tensorboard_plugin_saliency.dataset import job as job_lib

_DONE = object()


def run(job, source, worker, done, progress):
    """Explains and writes every chunk of `source` whose part is not in `done`
    (`{key: images}`); returns the `job.Tally` of the parts written.

    Args:
      job: the `job.Job`.
      source: a `sources.Source`.
      worker: a `job.PartWorker`.
      done: the parts already written, skipped.
      progress: a `progress.Progress`.
    """
    loaded = queue.Queue(maxsize=2)
    explained = queue.Queue(maxsize=1)
    failure = []
    stop = threading.Event()
    tally = job_lib.Tally()

    def read():
        try:
            for chunk in source.chunks(job.part_size):
                if stop.is_set():
                    return
                key = job.part_key(chunk.index)
                if key in done:
                    progress.skipped(done[key])
                    continue
                _put(loaded, (chunk.index, chunk.load()), stop.is_set)
        except BaseException as e:  # handed to the main thread
            failure.append(e)
        finally:
            _put(loaded, _DONE, stop.is_set)

    def write():
        try:
            while True:
                item = explained.get()
                if item is _DONE:
                    return
                index, batch, result = item
                tally.add(worker.write(index, batch, result))
                progress.written(len(batch.ids), tally)
        except BaseException as e:
            failure.append(e)
            stop.set()
            _drain(explained)

    reader = threading.Thread(target=read, name="saliency-dataset-reader", daemon=True)
    writer = threading.Thread(target=write, name="saliency-dataset-writer", daemon=True)
    reader.start()
    writer.start()
    try:
        while not failure:
            item = loaded.get()
            if item is _DONE:
                break
            index, batch = item
            result = worker.explain(batch)
            if not _put(explained, (index, batch, result), stop.is_set):
                break
    except BaseException:
        stop.set()
        raise
    finally:
        _put(explained, _DONE, lambda: not writer.is_alive())
        writer.join()
        stop.set()
        _drain(loaded)
        reader.join()
        worker.close()
    if failure:
        raise failure[0]
    return tally


def _put(q, item, give_up):
    """Puts `item` in `q`, unless `give_up()` turns true while it is full; whether
    it went in."""
    while True:
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            if give_up():
                return False


def _drain(q):
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return
