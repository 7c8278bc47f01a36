"""Where a log directory lives: a local path, or a URL on object storage.

`location(logdir)` names the file system that holds `logdir`:

- a local path (no scheme, or `file://`): the operating system's files;
- a scheme TensorFlow's own file system handles (`gs://`, and `ram://` in one
  process), when TensorFlow is installed: `tf.io.gfile`, as `tf.summary` writes there;
- any other URL (`s3://`, `gs://` without TensorFlow, `memory://`, any fsspec
  protocol): `fsspec`.

A URL is never taken for a local path: an unknown scheme, or one whose file-system
package is missing, raises `StorageError` naming what to install.

No storage the user did not name is made: on object storage (`BUCKET_SCHEMES`) the
bucket must exist. A writer on a missing one raises `StorageError` naming it before
anything is written (fsspec's `makedirs` would create the bucket: it is never called
there, object stores having no directories to make).
"""

import importlib.util
import os
import posixpath
import re
import uuid

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")

EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}
"""URL scheme -> the package extra that brings its file system."""


BUCKET_SCHEMES = frozenset(
    {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "oss", "oci", "ocilake", "tos", "tosfs"}
)
"""fsspec protocols whose first path component is a bucket (or container) that must
already exist; a file system with a `split_path` method (s3fs, gcsfs, adlfs, ossfs...)
counts as one too."""


class StorageError(ValueError):
    """A log directory URL that cannot be written or read here, and why.

    A `ValueError`: its message names the package to install or the bucket that does
    not exist.

    Example:
      ```python
      from tensorboard_plugin_saliency import storage

      try:
          storage.location("s3://my-bucket/logs").makedirs()
      except storage.StorageError as error:
          print(error)  # e.g. which package to install for s3://
      ```
    """


def scheme(path):
    """The URL scheme of `path` ("s3", "gs", "memory", ...), or "" for a local path.

    Args:
      path: a local path or a URL (`str` or `os.PathLike`).

    Returns:
      The scheme, lowercased, without "://".

    Example:
      ```python
      from tensorboard_plugin_saliency import storage

      assert storage.scheme("S3://bucket/logs") == "s3"
      assert storage.scheme("/tmp/logs") == ""
      ```
    """
    match = _URL.match(os.fspath(path))
    return match.group(1).lower() if match else ""


TENSORFLOW_SCHEMES = frozenset({"gs", "ram"})
"""Schemes written through `tf.io.gfile` when TensorFlow is installed and handles them
(as `tf.summary` does): Cloud Storage, and TensorFlow's in-process `ram://`.
TensorFlow is imported only for these."""


def _tensorflow_schemes():
    """Schemes `tf.io.gfile` handles, or an empty set without TensorFlow."""
    if importlib.util.find_spec("tensorflow") is None:
        return frozenset()
    try:
        import tensorflow as tf
    except ImportError:
        return frozenset()
    try:
        return frozenset(tf.io.gfile.get_registered_schemes())
    except AttributeError:  # older TensorFlow: GCS is built in
        return frozenset({"gs"})


def location(logdir):
    """The `Location` of `logdir`: where its files are written and read.

    Args:
      logdir: a local path, a `file://` URL, or a URL of a scheme `tf.io.gfile`
        (`TENSORFLOW_SCHEMES`, when TensorFlow handles it) or fsspec handles.

    Returns:
      A `LocalLocation`, `GFileLocation` or `FsspecLocation`.

    Raises:
      StorageError: an unknown URL scheme, or one whose package is not installed.

    Example:
      ```python
      from tensorboard_plugin_saliency import storage

      logs = storage.location("/tmp/logs")
      logs.makedirs()
      print(logs.exists_as_file())  # False: a directory
      ```
    """
    path = os.fspath(logdir)
    kind = scheme(path)
    if kind in ("", "file"):
        return LocalLocation(path[len("file://") :] if kind == "file" else path)
    if kind in TENSORFLOW_SCHEMES and kind in _tensorflow_schemes():
        return GFileLocation(path)
    return FsspecLocation(path, kind)


class LocalLocation:
    """A directory on this machine's file system."""

    is_url = False

    def __init__(self, path):
        self.path = path

    def join(self, *names):
        return os.path.join(self.path, *names)

    def makedirs(self):
        os.makedirs(self.path, exist_ok=True)

    def exists_as_file(self):
        return os.path.exists(self.path) and not os.path.isdir(self.path)

    def put_file(self, relative, data):
        """Writes `data` as the file at `relative`, whole and durable on return: a
        temporary file in the same directory, synced, then renamed into place (a
        reader or a killed writer never leaves a part-written file under the name)."""
        path = self.join(*relative.split("/"))
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        temporary = os.path.join(
            directory, ".%s.%s.tmp" % (os.path.basename(path), uuid.uuid4().hex[:12])
        )
        try:
            with open(temporary, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        _fsync_directory(directory)

    def read(self, relative):
        """The bytes of the file at `relative` (a "/"-separated path below here)."""
        with open(self.join(*relative.split("/")), "rb") as f:
            return f.read()

    def read_range(self, relative, start, end):
        """Bytes `start` to `end` of the file at `relative` (fewer past its end)."""
        with open(self.join(*relative.split("/")), "rb") as f:
            f.seek(start)
            return f.read(end - start)

    def list_names(self, relative):
        """The names of the files in the directory `relative`, sorted; [] when there
        is no such directory. Temporary files of writes under way are left out."""
        try:
            names = os.listdir(self.join(*relative.split("/")))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(n for n in names if not n.startswith("."))

    def delete(self, relative):
        """Removes the file at `relative`; nothing when it is already gone."""
        try:
            os.unlink(self.join(*relative.split("/")))
        except FileNotFoundError:
            pass


def _fsync_directory(path):
    """Makes a rename in `path` durable (where the OS lets a directory be synced)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class GFileLocation:
    """A URL that TensorFlow's file system handles (`gs://` with TensorFlow installed)."""

    is_url = True

    def __init__(self, path):
        import tensorflow as tf

        self.path = path
        self._gfile = tf.io.gfile

    def join(self, *names):
        return posixpath.join(self.path, *names)

    def makedirs(self):
        self._gfile.makedirs(self.path)

    def exists_as_file(self):
        return self._gfile.exists(self.path) and not self._gfile.isdir(self.path)

    def put(self, path, data):
        """Writes `data` as the whole object `path` (one upload)."""
        with self._gfile.GFile(path, "wb") as f:
            f.write(data)

    def put_file(self, relative, data):
        """Writes `data` as the object at `relative` in one upload."""
        self.put(self.join(relative), data)

    def event_files(self):
        """The event files below this location, as sorted relative paths."""
        if not self._gfile.isdir(self.path):
            return []
        return sorted(
            posixpath.relpath(posixpath.join(root, name), self.path)
            for root, _, names in self._gfile.walk(self.path)
            for name in names
            if "tfevents" in name
        )

    def read(self, relative):
        """The bytes of the file at `relative` (a path below this location)."""
        with self._gfile.GFile(self.join(relative), "rb") as f:
            return f.read()

    def read_range(self, relative, start, end):
        """Bytes `start` to `end` of the file at `relative` (fewer past its end)."""
        with self._gfile.GFile(self.join(relative), "rb") as f:
            f.seek(start)
            return f.read(end - start)

    def list_names(self, relative):
        """The names of the objects in the directory `relative`, sorted; [] when none."""
        directory = self.join(relative)
        if not self._gfile.isdir(directory):
            return []
        return sorted(n.rstrip("/") for n in self._gfile.listdir(directory))

    def delete(self, relative):
        """Removes the object at `relative`; nothing when it is already gone."""
        path = self.join(relative)
        if self._gfile.exists(path):
            self._gfile.remove(path)


class FsspecLocation:
    """A URL on an fsspec file system (`s3://`, `gs://` via gcsfs, `memory://`, ...)."""

    is_url = True

    def __init__(self, path, kind):
        try:
            import fsspec
        except ImportError:
            raise StorageError(_install_message(path, kind, "fsspec")) from None
        try:
            self._fs, self._root = fsspec.core.url_to_fs(path)
        except ValueError as e:  # fsspec: "Protocol not known"
            raise StorageError(
                "%r: unknown URL scheme %r (%s); expected a local path, a scheme "
                "TensorFlow handles (gs://) or an fsspec protocol such as s3://, "
                "gs:// or memory://" % (path, kind + "://", e)
            ) from None
        except ImportError:  # fsspec knows the protocol; its package is missing
            raise StorageError(_install_message(path, kind, _fsspec_package(kind))) from None
        self.path = path.rstrip("/")
        self._protocol = kind
        self._bucket = None
        if kind in BUCKET_SCHEMES or hasattr(self._fs, "split_path"):
            self._bucket = self._root.lstrip("/").split("/", 1)[0]

    def join(self, *names):
        return posixpath.join(self.path, *names)

    def makedirs(self):
        """Makes the directory; on object storage, checks that the bucket exists (a
        fresh look, once per writer) and makes nothing: there are no directories."""
        if self._bucket is None:
            self._fs.makedirs(self._root, exist_ok=True)
        else:
            self._check_bucket(fresh=True)

    def _check_bucket(self, fresh=False):
        """Raises `StorageError` when this location's bucket does not exist; a bucket
        seen once (by any location on the same file system) is not looked at again
        unless `fresh`. A bucket this user may not look at (403) exists: its writes
        say whether they may go there."""
        if self._bucket is None:
            return
        key = (self._fs, self._bucket)
        if key in _BUCKETS_SEEN and not fresh:
            return
        if not self._bucket:
            raise StorageError(
                "%r: no bucket named (expected %s://BUCKET/path/to/run)"
                % (self.path, self._protocol)
            )
        self._fs.invalidate_cache(self._bucket)
        try:
            self._fs.info(self._bucket)
        except FileNotFoundError:
            raise StorageError(
                "%r: bucket %r does not exist (expected an existing bucket; this package "
                "creates no buckets)" % (self.path, self._bucket)
            ) from None
        except PermissionError:
            pass  # it exists (a missing bucket is "not found" to anyone)
        _BUCKETS_SEEN.add(key)

    def exists_as_file(self):
        return self._fs.isfile(self._root)

    def put(self, path, data):
        """Writes `data` as the whole object `path` (one upload); failures raise, and a
        missing bucket raises `StorageError` naming it."""
        self._check_bucket()
        self._fs.pipe_file(path, data)

    def put_file(self, relative, data):
        """Writes `data` as the object at `relative` in one upload."""
        self.put(posixpath.join(self._root.rstrip("/"), relative), data)

    def event_files(self):
        """The event files below this location, as sorted relative paths."""
        self._fs.invalidate_cache()
        root = self._root.rstrip("/")
        found = self._fs.find(root) if self._fs.isdir(root) else []
        return sorted(
            posixpath.relpath(p, root) for p in found if "tfevents" in posixpath.basename(p)
        )

    def read(self, relative):
        """The bytes of the file at `relative` (a path below this location)."""
        return self._fs.cat_file(posixpath.join(self._root.rstrip("/"), relative))

    def read_range(self, relative, start, end):
        """Bytes `start` to `end` of the file at `relative` (fewer past its end): one
        ranged request on object storage."""
        path = posixpath.join(self._root.rstrip("/"), relative)
        return self._fs.cat_file(path, start=start, end=end)

    def list_names(self, relative):
        """The names of the objects in the directory `relative`, sorted; [] when none
        (listed afresh: another process may have added parts since)."""
        directory = posixpath.join(self._root.rstrip("/"), relative)
        self._fs.invalidate_cache(directory)
        try:
            found = self._fs.ls(directory, detail=False)
        except FileNotFoundError:
            return []
        return sorted(posixpath.basename(p.rstrip("/")) for p in found)

    def delete(self, relative):
        """Removes the object at `relative`; nothing when it is already gone."""
        try:
            self._fs.rm_file(posixpath.join(self._root.rstrip("/"), relative))
        except FileNotFoundError:
            pass


_BUCKETS_SEEN = set()
"""`(file system, bucket)` pairs found to exist in this process."""


def _fsspec_package(kind):
    """The package fsspec imports for protocol `kind` ("s3fs" for s3), or None."""
    from fsspec.registry import known_implementations

    spec = known_implementations.get(kind) or {}
    return spec.get("class", "").split(".")[0] or None


def _install_message(path, kind, package):
    extra = EXTRAS.get(kind)
    how = (
        "pip install tensorboard-plugin-saliency[%s]" % extra
        if extra
        else "pip install %s" % (package or "the fsspec package for %s://" % kind)
    )
    return "%r: writing or reading %s:// needs %s, which is not installed: %s" % (
        path,
        kind,
        package or "its file-system package",
        how,
    )
