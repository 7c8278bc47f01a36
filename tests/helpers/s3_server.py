"""A real S3-compatible server on 127.0.0.1 for the object-storage tests: `moto_server`.

    with s3_server() as endpoint:   # "http://127.0.0.1:PORT", a bucket "logs" made
        ...

While it runs, the process's environment points boto3, s3fs and TensorBoard's own S3 reader
at it (`AWS_ENDPOINT_URL`, `S3_ENDPOINT`, dummy credentials, region us-east-1).
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from helpers.tb_process import free_port

BUCKET = "logs"

ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def server_missing():
    """Why the S3 server cannot run here, or None."""
    if shutil.which("moto_server", path=os.path.dirname(sys.executable)) is None:
        return "moto_server is not installed (pip install 'moto[server]')"
    return None


@contextlib.contextmanager
def s3_server():
    """Runs `moto_server` on a free port with bucket `BUCKET`; yields its endpoint URL."""
    port = free_port()
    endpoint = "http://127.0.0.1:%d" % port
    command = [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command + ["-p", str(port)], stdout=log, stderr=log)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).read()
                    break
                except OSError:
                    if process.poll() is not None or time.time() > deadline:
                        log.seek(0)
                        tail = log.read()[-2000:]
                        raise RuntimeError("moto_server did not start:\n%s" % tail) from None
                    time.sleep(0.1)
            env = dict(ENV, AWS_ENDPOINT_URL=endpoint, S3_ENDPOINT=endpoint)  # S3_ENDPOINT:
            saved = {key: os.environ.get(key) for key in env}  # TensorBoard's own S3 reader
            os.environ.update(env)
            _forget_s3fs_instances()
            try:
                client().create_bucket(Bucket=BUCKET)
                yield endpoint
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
                _forget_s3fs_instances()
        finally:
            process.terminate()
            process.wait(timeout=10)


def _forget_s3fs_instances():
    """s3fs caches its file systems, with the endpoint they were made with."""
    try:
        import s3fs
    except ImportError:
        return
    s3fs.S3FileSystem.clear_instance_cache()


def client():
    """A boto3 S3 client of the server the environment points at."""
    import boto3

    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
