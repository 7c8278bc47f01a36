"""The `tensorboard-saliency` command line.

    tensorboard-saliency demo --logdir DIR [--framework tf|torch] [--model cnn|vit]
        [--epochs N] [--no-serve] [--port P]
    tensorboard-saliency render --logdir DIR --run RUN --tag TAG [--step S] [--sample I]
        [--mask NAME] [--colormap NAME] [--opacity A] [--sign S] [--clip P]
        [--clip-mode percentile|mass] [--threshold K] --out FILE.png
    tensorboard-saliency methods [NAME] [--markdown]
    tensorboard-saliency table --logdir DIR --run RUN --tag TAG [--step S]
        [--correct | --wrong] [--true CLASS] [--predicted CLASS] [--text TEXT]
        [--sort FIELD [--descending]] [--out FILE.csv]
    tensorboard-saliency explain --model FILE.keras|FILE.pt --images DIR|FILE.csv
        --logdir DIR [--methods NAME ...] [--param NAME.KEY=VALUE ...] [--tag T]
        [--step S] [--faithfulness deletion insertion] [--size H W | --size N]
        [--scale X] [--mean R G B] [--std R G B] [--batch-size N] [--part-size N]
        [--class-names NAME ...] [--engine local|ray] [--address ADDR]
        [--concurrency N] [--num-cpus N] [--num-gpus N] [--no-progress]

`render` writes the same PNG as the plugin's `/render` route for the same arguments:
both pick the step, sample and mask through `plugin.SaliencyData`, over TensorBoard's
Python data provider here (`reader.load_logdir`), and draw with `render.png_bytes`;
the overlay flags are generated from `render_options.json`, the list `/render` reads.

`explain` runs `dataset.explain_dataset` over an image folder (a subfolder per class,
or a CSV of path,label) and prints its summary; run again, it resumes. Only the
model's own framework is imported: a TorchScript model never imports TensorFlow.

Adding a subcommand: write `_add_NAME_parser(subparsers)`, which adds a parser and
sets `handler=` (a function of the parsed args returning an exit code, raising
`CommandError` or a `plugin.QueryError` for a user's mistake), and append it to
`SUBCOMMANDS`.
"""

import argparse
import os
import sys

PROG = "tensorboard-saliency"


class CommandError(Exception):
    """A user's mistake: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose errors are one line (no usage block)."""

    def error(self, message):
        raise CommandError("%s (see %s --help)" % (message, self.prog))


# ---------------------------------------------------------------------------
# render


def _add_render_parser(subparsers):
    from tensorboard_plugin_saliency import render_options

    parser = subparsers.add_parser(
        "render",
        help="write a saliency overlay as a PNG, as the /render route does",
        description="Composite one saliency mask over its image and write a PNG, "
        "without starting TensorBoard. The defaults are those of the "
        "plugin's /render route: latest step, sample 0, first mask.",
    )
    parser.add_argument("--logdir", required=True, help="the log directory")
    parser.add_argument(
        "--run", required=True, help="run name, relative to --logdir ('.' for the directory itself)"
    )
    parser.add_argument("--tag", required=True, help="the saliency summary's tag")
    parser.add_argument("--step", help="the step (default: the latest)")
    parser.add_argument("--sample", help="the image of the batch (default: 0)")
    parser.add_argument("--mask", help="the mask's name (default: the first)")
    # One flag per overlay option of render_options.json, as /render reads them.
    for option, spec in render_options.specs().items():
        text = spec["help"].replace("%", "%%")
        if spec["kind"] == "choice":
            text += ": " + ", ".join(spec["choices"])
        if spec["default"] is not None:
            text += " (default: %s)" % spec["default"]
        parser.add_argument(_flag(option), dest=option, help=text)
    parser.add_argument("--out", required=True, help="the PNG file to write")
    parser.set_defaults(handler=_render)
    return parser


def _flag(option):
    """The command-line flag of an overlay option: clip_mode -> --clip-mode."""
    return "--" + option.replace("_", "-")


def load_run(logdir, run):
    """A `SaliencyData` over one run of `logdir` (every step kept), read once."""
    from tensorboard.backend.event_processing import data_provider

    from tensorboard_plugin_saliency import plugin, reader

    try:
        multiplexer = reader.load_logdir(logdir, run=run)
    except ValueError as e:
        raise CommandError("--" + str(e)) from None
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    return plugin.SaliencyData(
        provider,
        downsample=0,
        run_directory=lambda name: reader.run_directory(logdir, multiplexer, name),
    )


def _render(args):
    from tensorboard import context

    from tensorboard_plugin_saliency import plugin, render_options

    step = None if args.step is None else plugin.parse_index(args.step, "--step")
    sample = plugin.parse_index(args.sample, "--sample", default=0)
    texts = {option: getattr(args, option) for option in render_options.specs()}
    try:
        options = render_options.RenderOptions.parse(texts, spell=_flag)
    except ValueError as e:
        raise CommandError(str(e)) from None
    data = load_run(args.logdir, args.run)
    ctx = context.RequestContext()
    try:
        png = data.overlay_png(ctx, "", args.run, args.tag, step, sample, args.mask, options)
    except plugin.NotFoundError as e:
        tags = sorted(data.tags(ctx, "").get(args.run, {}))
        if args.tag not in tags:
            raise CommandError(
                "%s; saliency tags in run %r: %s" % (e, args.run, ", ".join(tags) or "none")
            ) from None
        raise
    try:
        with open(args.out, "wb") as f:
            f.write(png)
    except OSError as e:
        raise CommandError("--out: cannot write %r: %s" % (args.out, e.strerror or e)) from None
    print("wrote %s" % args.out)
    return 0


# ---------------------------------------------------------------------------
# demo


def _add_demo_parser(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="train a small CNN on synthetic shapes, log saliency, serve TensorBoard",
        description="Makes a synthetic dataset (one shape per image, on clutter: the "
        "shape is the class), trains a small CNN for a few epochs with "
        "SaliencyCallback logging gradients, SmoothGrad, Integrated "
        "Gradients and Grad-CAM, then serves TensorBoard on 127.0.0.1. "
        "With --model vit, a small vision transformer instead (Keras only). "
        "Needs TensorFlow, or with --framework torch, PyTorch.",
    )
    parser.add_argument("--logdir", required=True, help="the log directory to write")
    parser.add_argument(
        "--framework",
        choices=("tf", "torch"),
        default="tf",
        help="train with Keras and SaliencyCallback (tf, the default), or with a PyTorch "
        "loop logging the same methods with log_attributions (torch)",
    )
    parser.add_argument(
        "--model",
        choices=("cnn", "vit"),
        default="cnn",
        help="the model to train: the small CNN (cnn, the default), or a small vision "
        "transformer with a class token (vit: 8x8 tokens; logs Grad-CAM and LayerCAM at "
        "its token grid, in the runs vit/saliency and vit/keras, beside the CNN's)",
    )
    parser.add_argument(
        "--epochs", type=_positive_int, default=8, help="training epochs (default: 8)"
    )
    parser.add_argument(
        "--port", type=_positive_int, default=6006, help="TensorBoard's port (default: 6006)"
    )
    parser.add_argument(
        "--no-serve",
        action="store_true",
        help="write the logs and exit without starting TensorBoard",
    )
    parser.set_defaults(handler=_demo)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive integer, got %r" % text)
    return value


def _demo(args):
    if args.framework == "torch" and args.model != "cnn":
        raise CommandError(
            "--model %s: the torch demo trains the CNN only; use --framework tf" % args.model
        )
    if args.framework == "torch":
        try:
            import torch  # noqa: F401

            from tensorboard_plugin_saliency import demo_torch as chosen
        except ImportError as e:
            raise CommandError(
                "the torch demo needs PyTorch: "
                "pip install 'tensorboard-plugin-saliency[torch]' (%s)" % e
            ) from None
    else:
        try:
            import tensorflow  # noqa: F401

            from tensorboard_plugin_saliency import demo as chosen
        except ImportError as e:
            raise CommandError(
                "the demo needs TensorFlow: pip install 'tensorboard-plugin-saliency[tf]' (%s)" % e
            ) from None
    options = {"model": args.model} if args.framework == "tf" else {}
    chosen.run(args.logdir, epochs=args.epochs, no_serve=args.no_serve, port=args.port, **options)
    return 0


# ---------------------------------------------------------------------------
# methods


def _add_methods_parser(subparsers):
    parser = subparsers.add_parser(
        "methods",
        help="list the saliency methods, or one method's parameters",
        description="The methods' table, the same for Keras and PyTorch models: every "
        "method, or one method's parameters, defaults, cost and names in other libraries.",
    )
    parser.add_argument("name", nargs="?", help="a method (or an older name)")
    parser.add_argument(
        "--markdown", action="store_true", help="the whole table in Markdown (the methods guide's)"
    )
    parser.set_defaults(handler=_methods)
    return parser


def _methods(args):
    from tensorboard_plugin_saliency.methods import describe

    print(describe.markdown() if args.markdown else describe.text(args.name))


# ---------------------------------------------------------------------------
# table


def _add_table_parser(subparsers):
    parser = subparsers.add_parser(
        "table",
        help="export one step's per-image table (ids, fields, scores) as CSV",
        description="One step's images as CSV rows: id, caption, typed fields and "
        "numeric scores (the /table route's data, the columns of the page's export), "
        "filtered and sorted as asked.",
    )
    parser.add_argument("--logdir", required=True, help="the log directory")
    parser.add_argument("--run", required=True, help='run name ("." for the logdir itself)')
    parser.add_argument("--tag", required=True, help="saliency tag")
    parser.add_argument("--step", help="step (default: the latest readable one)")
    right = parser.add_mutually_exclusive_group()
    right.add_argument("--correct", action="store_true", help="only right predictions")
    right.add_argument("--wrong", action="store_true", help="only wrong predictions")
    parser.add_argument("--true", help="only this true class (index or name)")
    parser.add_argument("--predicted", help="only this predicted class (index or name)")
    parser.add_argument("--text", help="only captions containing this text")
    parser.add_argument("--sort", help="a field, or MASK/SCORE, to sort by")
    parser.add_argument("--descending", action="store_true", help="sort from the largest")
    parser.add_argument("--out", help="the CSV file to write (default: standard output)")
    parser.set_defaults(handler=_table)
    return parser


def _table(args):
    from tensorboard import context

    from tensorboard_plugin_saliency import plugin, table_export

    step = None if args.step is None else plugin.parse_index(args.step, "--step")
    data = load_run(args.logdir, args.run)
    table = data.table(context.RequestContext(), "", args.run, args.tag, step)
    rows = table_export.select(
        table,
        correct=True if args.correct else False if args.wrong else None,
        true=args.true,
        predicted=args.predicted,
        text=args.text,
        sort=args.sort,
        descending=args.descending,
    )
    text = table_export.csv_text(table, rows)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise CommandError("--out: cannot write %r: %s" % (args.out, e.strerror or e)) from None
    print("wrote %d of %d images to %s" % (len(rows), table["samples"], args.out))
    return 0


# ---------------------------------------------------------------------------
# explain


def _add_explain_parser(subparsers):
    parser = subparsers.add_parser(
        "explain",
        help="explain every image of an image folder and write them as one step",
        description="Explains every image of an image folder (a subfolder per class, or "
        "a CSV with the columns path,label) with a Keras model (.keras, .h5) or a "
        "TorchScript model (.pt, .pth, .ts), and writes the saliency maps, the true "
        "and predicted classes and the confidence as one step of a tag, in parts. "
        "Run again with the same arguments, it resumes: the parts already written "
        "are skipped. With --engine ray, the same job runs on a Ray cluster.",
    )
    parser.add_argument(
        "--model", required=True, help="the model: a .keras / .h5 file or a TorchScript file"
    )
    parser.add_argument(
        "--images",
        required=True,
        help="an image folder (FOLDER/CLASS/IMAGE) or a CSV of path,label (paths "
        "relative to the CSV's folder)",
    )
    parser.add_argument("--logdir", required=True, help="the run's log directory to write")
    parser.add_argument(
        "--methods",
        nargs="+",
        metavar="NAME",
        help="the methods (see `%s methods`; default: %s)" % (PROG, " ".join(_DEFAULT_METHODS)),
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="a method's parameter, e.g. integrated_gradients.steps=16 (repeatable); "
        "VALUE is a Python literal, else a string",
    )
    parser.add_argument("--tag", default="dataset", help="the tag to write (default: dataset)")
    parser.add_argument(
        "--step", type=_non_negative_int, default=0, help="the step to write (default: 0)"
    )
    parser.add_argument(
        "--faithfulness",
        nargs="+",
        choices=_FAITHFULNESS,
        metavar="KIND",
        help="score every mask with these curves: %s" % ", ".join(_FAITHFULNESS),
    )
    parser.add_argument(
        "--size",
        nargs="+",
        type=_positive_int,
        metavar="N",
        help="resize the images to H W (or N N) pixels (default: as they are, all of one size)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        help="the pixels' range: [0, SCALE] (default: 1; 255 keeps 0..255)",
    )
    parser.add_argument(
        "--mean", nargs="+", type=float, metavar="V", help="subtracted per channel (R G B, or one)"
    )
    parser.add_argument(
        "--std", nargs="+", type=float, metavar="V", help="divided by, per channel (R G B, or one)"
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=_DEFAULT_BATCH_SIZE,
        help="largest number of model inputs per model call (default: %d)" % _DEFAULT_BATCH_SIZE,
    )
    parser.add_argument(
        "--part-size",
        type=_positive_int,
        default=_DEFAULT_PART_SIZE,
        help="images per part, the unit of resuming (default: %d)" % _DEFAULT_PART_SIZE,
    )
    parser.add_argument(
        "--class-names",
        nargs="+",
        metavar="NAME",
        help="the names of the class indices (default: the folder's subfolders, or the "
        "CSV's labels)",
    )
    parser.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="run in this process (local, the default) or on a Ray cluster (ray)",
    )
    ray = parser.add_argument_group("Ray (with --engine ray)")
    ray.add_argument(
        "--address",
        help="the Ray cluster's address (default: RAY_ADDRESS if set, else a local Ray)",
    )
    ray.add_argument(
        "--concurrency",
        type=_positive_int,
        help="actors, each with its own model (default: %d)" % _RAY_DEFAULTS["concurrency"],
    )
    ray.add_argument(
        "--num-cpus",
        type=_positive_float,
        help="CPUs per actor (default: %g)" % _RAY_DEFAULTS["num_cpus"],
    )
    ray.add_argument(
        "--num-gpus",
        type=_non_negative_float,
        help="GPUs per actor (default: %g)" % _RAY_DEFAULTS["num_gpus"],
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_explain)
    return parser


# The defaults of `dataset.explain_dataset`, without importing it for --help.
_DEFAULT_METHODS = ("gradients", "integrated_gradients")
_DEFAULT_BATCH_SIZE = 64
_DEFAULT_PART_SIZE = 256
_FAITHFULNESS = ("deletion", "insertion", "road")
"""The `--faithfulness` kinds: `faithfulness.logged.KINDS` but "localisation", which
needs regions (an image folder has none)."""
_RAY_OPTIONS = ("address", "concurrency", "num_cpus", "num_gpus")
_RAY_DEFAULTS = {"concurrency": 2, "num_cpus": 1, "num_gpus": 0}
"""`dataset.ray_engine.RayOptions`' defaults, for --help."""


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError("expected a non-negative integer, got %r" % text)
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError("expected a non-negative number, got %r" % text)
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError("expected a positive number, got %r" % text)
    return value


def _method_settings(names, params):
    """`{method: params}` of `--methods` and `--param NAME.KEY=VALUE` entries, checked
    against the methods' table."""
    import ast

    from tensorboard_plugin_saliency.methods import table

    chosen = {name: {} for name in names}
    canonical = {}
    for name in names:
        try:
            canonical[table.canonical(name, "--methods")] = name
        except ValueError as e:
            raise CommandError(str(e)) from None
    for entry in params:
        key, equals, text = entry.partition("=")
        method, dot, param = key.partition(".")
        if not (equals and dot and method and param):
            raise CommandError("--param: expected NAME.KEY=VALUE, got %r" % entry)
        try:
            which = canonical.get(table.canonical(method, "--param"))
        except ValueError as e:
            raise CommandError(str(e)) from None
        if which is None:
            raise CommandError(
                "--param %s: %r is not one of the methods asked for (%s)"
                % (entry, method, ", ".join(names))
            )
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text  # a layer's name, a base method's name
        chosen[which][param] = value
    try:
        return table.settings(chosen, "--methods")
    except (ValueError, TypeError) as e:
        raise CommandError(str(e).replace("--methods[", "--param[")) from None


def _explain(args):
    from tensorboard_plugin_saliency.dataset import folder, models

    methods = _method_settings(args.methods or _DEFAULT_METHODS, args.param)
    if not os.path.isfile(args.model):
        raise CommandError("--model: %r is not a file" % args.model)
    suffix = os.path.splitext(args.model)[1].lower()
    if suffix not in models.KERAS_FILES + models.TORCH_FILES:
        raise CommandError(
            "--model %s: expected a Keras file (%s) or a TorchScript file (%s)"
            % (args.model, ", ".join(models.KERAS_FILES), ", ".join(models.TORCH_FILES))
        )
    if not os.path.exists(args.images):
        raise CommandError(
            "--images: %r is neither a folder (a subfolder per class) nor a CSV of path,label"
            % args.images
        )
    if suffix in models.TORCH_FILES:
        _check_torchscript_methods(methods)
    if args.size is not None and len(args.size) > 2:
        raise CommandError("--size: expected H W or N, got %d numbers" % len(args.size))
    size = None if args.size is None else tuple(args.size * 2)[:2]  # N -> (N, N)
    for name in ("mean", "std"):
        values = getattr(args, name)
        if values is not None and len(values) not in (1, 3):
            raise CommandError(
                "--%s: expected one number per channel (R G B) or one, got %d" % (name, len(values))
            )
    try:
        folder.Preprocess(size=size, scale=args.scale, mean=args.mean, std=args.std)
    except ValueError as e:
        raise CommandError("--" + str(e)) from None
    ray_options = {
        name: getattr(args, name) for name in _RAY_OPTIONS if getattr(args, name) is not None
    }
    if ray_options and args.engine != "ray":
        raise CommandError(
            "%s: Ray options; add --engine ray"
            % ", ".join("--" + name.replace("_", "-") for name in ray_options)
        )
    from tensorboard_plugin_saliency.dataset import explain_dataset

    progress = not args.no_progress
    try:
        summary = explain_dataset(
            args.model,
            args.images,
            logdir=args.logdir,
            methods=methods,
            tag=args.tag,
            step=args.step,
            faithfulness=args.faithfulness,
            class_names=args.class_names,
            batch_size=args.batch_size,
            part_size=args.part_size,
            size=size,
            scale=args.scale,
            mean=args.mean,
            std=args.std,
            engine=args.engine,
            progress=progress,
            ray_options=ray_options or None,
        )
    except ImportError as e:
        if args.engine == "ray":
            raise CommandError("--engine ray: %s" % e) from None
        raise CommandError(
            "--model %s needs %s (%s)"
            % (args.model, "Keras" if suffix in models.KERAS_FILES else "PyTorch", e)
        ) from None
    except KeyboardInterrupt:
        print(
            "%s: interrupted; the same command again resumes where this one stopped" % PROG,
            file=sys.stderr,
        )
        return 130
    print(summary)
    return 0


def _check_torchscript_methods(methods):
    """Raises CommandError for a method a TorchScript model cannot run (SmoothGrad or
    XRAI over one included)."""
    from tensorboard_plugin_saliency.methods import table

    def needs(name, params):
        method = table.METHODS[name]
        if method.takes_base_params:
            base = table.base_name(params.get("base", method.defaults["base"]))[0]
            return needs(base, {}) or method.needs
        return method.needs

    for name, params in methods.items():
        need = needs(name, params)
        if need in table.MODULE_NEEDS:
            usable = [
                m.name
                for m in table.METHODS.values()
                if m.needs not in table.MODULE_NEEDS and not m.takes_base_params
            ]
            raise CommandError(
                "--methods %s needs %s, which a TorchScript model cannot give (no hooks, "
                "no modules to rewrite); with a TorchScript file use %s (or SmoothGrad or "
                "XRAI over them)" % (name, table.NEEDS[need], ", ".join(usable))
            )


# ---------------------------------------------------------------------------
# Entry point


SUBCOMMANDS = [
    _add_render_parser,
    _add_demo_parser,
    _add_methods_parser,
    _add_table_parser,
    _add_explain_parser,
]
"""Functions `add(subparsers)` that each add one subcommand."""


def build_parser():
    parser = _Parser(prog=PROG, description="Saliency maps for TensorBoard.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv=None):
    """Runs the command line; returns the exit code (2 for a user's mistake).

    `argv` excludes the program name; None means `sys.argv[1:]` (the console script,
    which then also skips importing TensorFlow).
    """
    if argv is None and sys.argv[1:2] != ["demo"]:
        from tensorboard_plugin_saliency import reader

        reader.without_tensorflow()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter.
    from tensorboard_plugin_saliency import plugin

    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
        return args.handler(args) or 0
    except (CommandError, plugin.QueryError, OSError, ValueError) as e:
        message = str(e).strip().replace("\n", " ") or type(e).__name__
        print("%s: error: %s" % (PROG, message), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
