"""TensorBoard's own data providers over a log directory, on both backends.

`python`: the Python event multiplexer. `rust`: RustBoard (`tensorboard-data-server`),
started as a subprocess and reached over gRPC, as `tensorboard --load_fast=true` does.
"""

import argparse
import contextlib
import os
import subprocess
import tempfile
import time

import grpc
from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider as mux_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.data import grpc_provider, server_ingester
from tensorboard.data import provider as provider_lib
from tensorboard.data.proto import data_provider_pb2_grpc
from werkzeug.test import Client

from tensorboard_plugin_saliency import plugin
from tensorboard_plugin_saliency.format import metadata

BACKENDS = ("python", "rust")


@contextlib.contextmanager
def data_provider(logdir, backend, samples=0):
    """A `DataProvider` over `logdir`; `samples` steps kept per tag (0: all)."""
    if backend == "python":
        multiplexer = plugin_event_multiplexer.EventMultiplexer(
            tensor_size_guidance={metadata.PLUGIN_NAME: samples}
        )
        multiplexer.AddRunsFromDirectory(logdir)
        multiplexer.Reload()
        yield mux_provider.MultiplexerDataProvider(multiplexer, logdir)
        return
    with _rust_server(logdir, samples) as address:
        channel = grpc.insecure_channel(address)
        stub = data_provider_pb2_grpc.TensorBoardDataProviderStub(channel)
        provider = grpc_provider.GrpcDataProvider(address, stub)
        _wait_until_loaded(provider)
        try:
            yield provider
        finally:
            channel.close()


@contextlib.contextmanager
def _rust_server(logdir, samples):
    binary = server_ingester.get_server_binary().path
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        process = subprocess.Popen(
            [
                binary,
                "--logdir=%s" % logdir,
                "--reload=once",
                "--port=0",
                "--port-file=%s" % port_file,
                "--samples-per-plugin=%s=%s" % (metadata.PLUGIN_NAME, samples or "all"),
                "--die-after-stdin",
            ],
            stdin=subprocess.PIPE,
        )
        try:
            deadline = time.time() + 30
            while True:
                if os.path.exists(port_file):
                    text = open(port_file).read()
                    if text.endswith("\n"):
                        break
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError("tensorboard-data-server did not start")
                time.sleep(0.05)
            yield "localhost:%d" % int(text)
        finally:
            process.kill()
            process.wait()


def _wait_until_loaded(provider, timeout=30):
    """Waits until the server's view of the log directory stops changing."""
    from tensorboard import context

    ctx = context.RequestContext()
    last, deadline = None, time.time() + timeout
    while time.time() < deadline:
        listing = provider.list_blob_sequences(
            ctx, experiment_id="", plugin_name=metadata.PLUGIN_NAME
        )
        current = {
            run: {tag: ts.max_step for tag, ts in tags.items()} for run, tags in listing.items()
        }
        if current and current == last:
            return
        last = current
        time.sleep(0.3)


def read_all(provider):
    """`{(run, tag): [(step, wall_time, [blob bytes])]}` of every saliency summary."""
    from tensorboard import context

    ctx = context.RequestContext()
    listing = provider.list_blob_sequences(ctx, experiment_id="", plugin_name=metadata.PLUGIN_NAME)
    run_tag_filter = provider_lib.RunTagFilter(
        runs=list(listing), tags=sorted({t for tags in listing.values() for t in tags})
    )
    data = provider.read_blob_sequences(
        ctx,
        experiment_id="",
        plugin_name=metadata.PLUGIN_NAME,
        downsample=1_000_000,
        run_tag_filter=run_tag_filter,
    )
    result = {}
    for run, tags in data.items():
        for tag, datums in tags.items():
            result[(run, tag)] = [
                (
                    d.step,
                    d.wall_time,
                    [provider.read_blob(ctx, blob_key=ref.blob_key) for ref in d.values],
                )
                for d in datums
            ]
    return result


def make_app(provider, logdir, samples=0):
    """TensorBoard's own WSGI application with the saliency plugin, over `provider`."""
    flags = argparse.Namespace(
        logdir=logdir,
        samples_per_plugin={"saliency": samples},
        window_title="",
        path_prefix="",
        generic_data="true",
    )
    return application.TensorBoardWSGIApp(flags, [plugin.SaliencyLoader()], provider)


@contextlib.contextmanager
def wsgi_client(logdir, backend, samples=0):
    """A werkzeug test `Client` of `make_app` over `logdir` on `backend`."""
    with data_provider(logdir, backend, samples) as provider:
        yield Client(make_app(provider, logdir, samples))
