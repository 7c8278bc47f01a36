"""The TensorBoard loader and plugin: the "Saliency" tab and its HTTP routes.

Every route lives under `/data/plugin/saliency/` and is documented in `http_api.md`.
A route is a thin handler: its parameters checked (`params`), a data function called
(`data.SaliencyData`), the result sent with `http_util.Respond`. Errors are raised as
`PublicError`s and turned into JSON answers in one place, `answer`.
"""

import functools
import logging

from tensorboard import context as tb_context
from tensorboard import errors as tb_errors
from tensorboard import plugin_util
from tensorboard.backend import http_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from tensorboard_plugin_saliency import static_files
from tensorboard_plugin_saliency.format import codec, metadata
from tensorboard_plugin_saliency.plugin import params, run_directories
from tensorboard_plugin_saliency.plugin.blobs import is_grpc_not_found
from tensorboard_plugin_saliency.plugin.data import (
    DEFAULT_SAMPLES_PER_TAG,
    SaliencyData,
    sample_json,
)
from tensorboard_plugin_saliency.plugin.errors import InvalidArgumentError

logger = logging.getLogger(__name__)

PLUGIN_NAME = metadata.PLUGIN_NAME

BLOB_MAX_AGE_S = 86400
"""Browsers may keep a blob this long: a blob key names one stored value."""


class SaliencyLoader(base_plugin.TBLoader):
    """Loads `SaliencyPlugin`; sets the default number of steps kept per tag.

    `fix_flags` sets `--samples_per_plugin=saliency=0` (every step) unless the user
    gave a value: a step whose pixels live in an asset file costs TensorBoard only
    its manifest (see `data.DEFAULT_SAMPLES_PER_TAG`), while TensorBoard's default of
    10 for unknown plugins is too few to follow training.

    Example:
      TensorBoard loads it through the entry point; to start it in a program:

      ```python
      from tensorboard import default, program
      from tensorboard_plugin_saliency.plugin import SaliencyLoader

      board = program.TensorBoard(plugins=[*default.get_plugins(), SaliencyLoader()])
      board.configure(logdir="logs")
      print(board.launch())  # the URL
      ```
    """

    def fix_flags(self, flags):
        """Sets `--samples_per_plugin` for saliency to every step, unless given.

        Args:
          flags: TensorBoard's parsed flags.
        """
        samples = getattr(flags, "samples_per_plugin", None)
        if samples is None:
            flags.samples_per_plugin = samples = {}
        samples.setdefault(PLUGIN_NAME, DEFAULT_SAMPLES_PER_TAG)

    def load(self, context):
        """The plugin, for TensorBoard.

        Args:
          context: TensorBoard's `TBContext`.

        Returns:
          A `SaliencyPlugin`.
        """
        return SaliencyPlugin(context)


def route(name):
    """Makes a method `handle(self, request, args, ctx, experiment_id)` a WSGI app
    that checks the request's parameters against `params.ROUTE_PARAMS[name]`."""

    def decorate(handle):
        @wrappers.Request.application
        @functools.wraps(handle)
        def app(self, request):
            def call(ctx, experiment_id):
                params.check_known(request.args, name)
                return handle(self, request, request.args, ctx, experiment_id)

            return answer(request, call)

        return app

    return decorate


class SaliencyPlugin(base_plugin.TBPlugin):
    """Serves saliency summaries: listings, blobs, server-side overlays, frontend files."""

    plugin_name = PLUGIN_NAME

    def __init__(self, context):
        self._provider = context.data_provider
        hints = context.sampling_hints or {}
        self._data = SaliencyData(
            self._provider,
            hints.get(PLUGIN_NAME, DEFAULT_SAMPLES_PER_TAG),
            run_directories.RunDirectories(
                getattr(context.flags, "logdir", None), context.multiplexer
            ),
        )

    def get_plugin_apps(self):
        return {
            "/tags": self._serve_tags,
            "/steps": self._serve_steps,
            "/sample": self._serve_sample,
            "/samples": self._serve_samples,
            "/table": self._serve_table,
            "/blob": self._serve_blob,
            "/render": self._serve_render,
            "/static/*": self._serve_static,
            # TensorBoard strips a trailing slash: ".../static/" arrives as ".../static"
            # and would get TensorBoard's plain-text 404 instead of a JSON one.
            "/static": self._serve_static,
        }

    def is_active(self):
        """True when the data provider holds saliency data (one cheap listing call)."""
        if self._provider is None:
            return False
        try:
            plugins = self._provider.list_plugins(tb_context.RequestContext(), experiment_id="")
        except Exception:  # A provider that cannot answer has no data for us.
            return False
        return PLUGIN_NAME in plugins

    def frontend_metadata(self):
        return base_plugin.FrontendMetadata(es_module_path="/static/index.js", tab_name="Saliency")

    @route("tags")
    def _serve_tags(self, request, args, ctx, eid):
        return _json(request, self._data.tags(ctx, eid))

    @route("steps")
    def _serve_steps(self, request, args, ctx, eid):
        run, tag = params.required(args, "run"), params.required(args, "tag")
        # Pre-encoded and cached: a long listing costs no JSON or gzip work.
        payload = self._data.steps_gzip(ctx, eid, run, tag)
        return http_util.Respond(request, payload, "application/json", content_encoding="gzip")

    @route("table")
    def _serve_table(self, request, args, ctx, eid):
        run, tag, step, _ = params.sample_args(args)
        return _json(request, self._data.table(ctx, eid, run, tag, step))

    @route("sample")
    def _serve_sample(self, request, args, ctx, eid):
        selection = self._data.select(ctx, eid, *params.sample_args(args))
        self._data.check_pixels(ctx, selection)
        return _json(request, sample_json(selection, *self._data.scores_of(selection)))

    @route("samples")
    def _serve_samples(self, request, args, ctx, eid):
        run, tag = params.required(args, "run"), params.required(args, "tag")
        sample = params.parse_index(args.get("sample"), "sample", default=0)
        selections = self._data.select_every_step(ctx, eid, run, tag, sample)
        answers = [sample_json(s, *self._data.scores_of(s, curves=False)) for s in selections]
        return _json(request, answers)

    @route("blob")
    def _serve_blob(self, request, args, ctx, eid):
        data = self._data.read_blob(ctx, params.required(args, "key"))
        content_type, content_encoding = codec.content_type(data)
        response = http_util.Respond(
            request,
            data,
            content_type,
            expires=BLOB_MAX_AGE_S,
            content_encoding=content_encoding,
        )
        response.headers["Cache-Control"] = "private, max-age=%d, immutable" % BLOB_MAX_AGE_S
        return response

    @route("render")
    def _serve_render(self, request, args, ctx, eid):
        run, tag, step, sample = params.sample_args(args)
        options = params.overlay_options(args)
        png = self._data.overlay_png(ctx, eid, run, tag, step, sample, args.get("mask"), options)
        return http_util.Respond(request, png, "image/png")

    @route("static")
    def _serve_static(self, request, args, ctx, eid):
        prefix = "/data/plugin/%s/static/" % PLUGIN_NAME
        at = request.path.find(prefix)
        relative = request.path[at + len(prefix) :] if at >= 0 else ""
        path, content_type = static_files.lookup(relative)
        with open(path, "rb") as f:
            return http_util.Respond(request, f.read(), content_type)


def _json(request, value):
    return http_util.Respond(request, value, "application/json")


def answer(request, handle):
    """Runs `handle(ctx, experiment_id)`, turning every failure into a JSON error."""
    try:
        ctx = plugin_util.context(request.environ)
        experiment_id = plugin_util.experiment_id(request.environ)
        return handle(ctx, experiment_id)
    except tb_errors.PublicError as e:
        return _error(request, e.http_code, str(e))
    except Exception as e:  # Never a traceback in a response.
        if is_grpc_not_found(e):
            return _error(request, 404, "not found")
        logger.exception("saliency plugin: error serving %s", request.path)
        return _error(request, 500, "internal error in the saliency plugin: %s" % type(e).__name__)


def _error(request, code, message):
    return http_util.Respond(request, {"error": message}, "application/json", code=code)


__all__ = ["SaliencyLoader", "SaliencyPlugin", "InvalidArgumentError", "answer", "route"]
