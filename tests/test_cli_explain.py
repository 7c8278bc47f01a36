"""`tensorboard-saliency explain`: an image folder of 3 classes (a subfolder per
class, or a CSV of path,label) explained with two methods by a TorchScript and a
Keras model, run as a real process; run again, it resumes; a PyTorch job never
imports TensorFlow; a user's mistake is one line and exit code 2, nothing written."""

import os
import subprocess
import sys
import textwrap

import pytest
from helpers import image_folder

from tensorboard_plugin_saliency import cli, reader
from tensorboard_plugin_saliency.format import parts as parts_lib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES = image_folder.CLASSES
TAG = "val/shapes"
TORCH_METHODS = ["gradients", "integrated_gradients"]


def run_cli(*args):
    """`python -m tensorboard_plugin_saliency.cli explain ARGS`, as a process."""
    return subprocess.run(
        [sys.executable, "-m", "tensorboard_plugin_saliency.cli", "explain", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )


def files_below(path):
    """`{relative path: (size, mtime)}` of every file below `path`."""
    out = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            out[os.path.relpath(full, path)] = (os.path.getsize(full), os.stat(full).st_mtime_ns)
    return out


def check_step(logdir, ids, methods, tag=TAG, step=0):
    """The one step written: every image once (ids: their paths), the folder's class
    names, each image's true class from its folder, a prediction and a confidence."""
    (record,) = reader.read_saliency(logdir, tag=tag)
    assert record.step == step
    assert record.ids == ids
    assert len(set(record.ids)) == len(ids)
    assert record.class_names == CLASSES
    assert sorted(record.masks) == sorted(methods)
    n = len(ids)
    size = image_folder.SIZE
    assert record.images.shape == (n, size, size, 3)
    assert all(mask.shape[0] == n for mask in record.masks.values())
    assert len(record.fields) == n
    for id_, fields in zip(ids, record.fields):
        assert fields["true"] == CLASSES.index(id_.split("/")[-3 if "/more/" in id_ else -2])
        assert fields["predicted"] in (0, 1, 2)
        assert 0 < fields["confidence"] <= 1
        assert fields["correct"] == (fields["true"] == fields["predicted"])
    return record


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    path, csv_path, ids = image_folder.write_folder(str(root))
    model = image_folder.torchscript_model(str(root / "model.pt"))
    return {"root": root, "folder": path, "csv": csv_path, "ids": ids, "torch": model}


@pytest.fixture(scope="module")
def torch_run(folder, tmp_path_factory):
    """A TorchScript model over the folder, in parts of 8: `(logdir, args, result)`."""
    logdir = str(tmp_path_factory.mktemp("explained") / "run")
    args = [
        "--model",
        folder["torch"],
        "--images",
        folder["folder"],
        "--logdir",
        logdir,
        "--methods",
        *TORCH_METHODS,
        "--param",
        "integrated_gradients.steps=4",
        "--tag",
        TAG,
        "--part-size",
        "8",
    ]
    return logdir, args, run_cli(*args)


def test_torchscript_model_over_a_folder(folder, torch_run):
    logdir, _, result = torch_run
    assert result.returncode == 0, result.stderr[-3000:]
    # The summary once, on stdout; the progress bar on stderr.
    (line,) = result.stdout.splitlines()
    assert line.startswith("%s: tag %r, step 0: 30 images, accuracy " % (logdir, TAG))
    assert "this run wrote 30 in " in line
    assert "30/30" in result.stderr and "this run wrote" not in result.stderr
    record = check_step(logdir, folder["ids"], TORCH_METHODS)
    assert record.method_params["integrated_gradients"]["steps"] == 4
    parts = os.path.join(logdir, *parts_lib.directory(TAG, 0).split("/"))
    assert len(os.listdir(parts)) == 4


def test_run_again_resumes(folder, torch_run):
    logdir, args, first = torch_run
    assert first.returncode == 0, first.stderr[-3000:]
    before = files_below(logdir)
    again = run_cli(*args, "--no-progress")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "30 images" in again.stdout and "wrote 0 (30 already written)" in again.stdout
    assert again.stderr.strip() == ""
    assert files_below(logdir) == before  # nothing written again
    # A run stopped before its last part: the part is missing; run again, only it
    # is written.
    parts = os.path.join(logdir, *parts_lib.directory(TAG, 0).split("/"))
    (last,) = [name for name in os.listdir(parts) if name.startswith("chunk00000003.")]
    os.remove(os.path.join(parts, last))
    resumed = run_cli(*args, "--no-progress")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "30 images" in resumed.stdout and "wrote 6 (24 already written)" in resumed.stdout
    check_step(logdir, folder["ids"], TORCH_METHODS)


NO_TENSORFLOW = textwrap.dedent("""
    import sys
    from tensorboard_plugin_saliency import cli
    code = cli.main(sys.argv[1:])
    print("exit", code, "tensorflow" in sys.modules, "keras" in sys.modules)
""")


def test_csv_with_a_torchscript_model_never_imports_tensorflow(folder, tmp_path):
    logdir = str(tmp_path / "csv")
    methods = ["gradients", "smoothgrad"]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_TENSORFLOW,
            "explain",
            "--model",
            folder["torch"],
            "--images",
            folder["csv"],
            "--logdir",
            logdir,
            "--methods",
            *methods,
            "--param",
            "smoothgrad.nsamples=3",
            "--tag",
            TAG,
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary, verdict = result.stdout.splitlines()
    assert "30 images" in summary
    assert verdict == "exit 0 False False"
    with open(folder["csv"], encoding="utf-8") as f:
        ids = [line.split(",")[0] for line in f.read().splitlines()[1:]]
    assert sorted(ids) == sorted("shapes/" + i for i in folder["ids"])
    check_step(logdir, ids, methods)  # the CSV's paths, in its order


def test_keras_model_over_a_folder(folder, tmp_path):
    model = image_folder.keras_model(str(tmp_path / "model.keras"))
    logdir = str(tmp_path / "keras")
    methods = ["gradients", "grad_cam"]
    result = run_cli(
        "--model",
        model,
        "--images",
        folder["folder"],
        "--logdir",
        logdir,
        "--methods",
        *methods,
        "--tag",
        TAG,
        "--step",
        "5",
        "--batch-size",
        "16",
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = result.stdout.splitlines()
    assert line.startswith("%s: tag %r, step 5: 30 images" % (logdir, TAG))
    check_step(logdir, folder["ids"], methods, step=5)


ERRORS = [
    (["--model", "{root}/none.pt"], "--model: '{root}/none.pt' is not a file"),
    (["--model", "{csv}"], "expected a Keras file (.keras, .h5) or a TorchScript file"),
    (["--images", "{root}/none"], "--images: '{root}/none' is neither a folder"),
    (["--methods", "gradients", "lime"], "--methods: 'lime' is not one of gradients"),
    (["--size", "0"], "--size: expected a positive integer, got '0'"),
    (["--size", "8", "8", "3"], "--size: expected H W or N, got 3 numbers"),
    (["--mean", "0.5", "0.5"], "--mean: expected one number per channel"),
    (["--std", "0", "1", "1"], "--std: expected positive numbers"),
    (["--scale", "-1"], "--scale: expected a positive number"),
    (["--step", "-1"], "--step: expected a non-negative integer"),
    (["--faithfulness", "area"], "--faithfulness: invalid choice: 'area'"),
    (["--param", "steps=3"], "--param: expected NAME.KEY=VALUE, got 'steps=3'"),
    (["--param", "integrated_gradients.stepz=3"], "unknown parameter(s) stepz"),
    (["--param", "smoothgrad.samples=3"], "'smoothgrad' is not one of the methods asked for"),
    (["--num-gpus", "1", "--concurrency", "2"], "--concurrency, --num-gpus: Ray options"),
    (["--engine", "ray", "--num-cpus", "0"], "--num-cpus: expected a positive number, got '0'"),
    (["--engine", "spark"], "--engine: invalid choice: 'spark'"),
    (["--methods", "gradients", "grad_cam"], "--methods grad_cam needs a layer's activations"),
    (["--param", "smoothgrad.base=guided_backprop", "--methods", "smoothgrad"], "TorchScript"),
    (["--images", "{root}/empty"], "has no class subfolders"),  # read once the model is
]


@pytest.mark.parametrize("args,fragment", ERRORS)
def test_a_mistake_is_one_line_and_writes_nothing(folder, tmp_path, capsys, args, fragment):
    os.makedirs(folder["root"] / "empty", exist_ok=True)
    where = {"root": str(folder["root"]), "csv": folder["csv"]}
    given = {
        "--model": [folder["torch"]],
        "--images": [folder["folder"]],
        "--methods": TORCH_METHODS,
    }
    argv = ["explain", "--logdir", str(tmp_path / "logs")]
    for flag, values in given.items():
        if flag not in args:
            argv += [flag, *values]
    argv += [a.format(**where) for a in args]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tensorboard-saliency: error:")
    assert fragment.format(**where) in err
    assert "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "logs").exists()


def test_resuming_with_other_methods_is_refused(folder, torch_run, capsys):
    logdir, _, first = torch_run
    assert first.returncode == 0, first.stderr[-3000:]
    before = files_below(logdir)
    argv = ["explain", "--model", folder["torch"], "--images", folder["folder"]]
    argv += ["--logdir", logdir, "--tag", TAG, "--methods", "gradients", "--no-progress"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "was written with the methods ['gradients', 'integrated_gradients']" in err
    assert "\n" not in err
    assert files_below(logdir) == before


def test_a_mistake_in_a_process_exits_2(folder, tmp_path):
    result = run_cli("--model", folder["torch"], "--logdir", str(tmp_path / "m"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tensorboard-saliency: error: the following arguments are required: --images "
        "(see tensorboard-saliency explain --help)"
    )
    assert not (tmp_path / "m").exists()


def test_the_flags_defaults_are_explain_datasets():
    import inspect

    from tensorboard_plugin_saliency.dataset import explain_dataset, ray_engine
    from tensorboard_plugin_saliency.faithfulness import logged

    defaults = {
        name: p.default for name, p in inspect.signature(explain_dataset).parameters.items()
    }
    args = cli.build_parser().parse_args(
        ["explain", "--model", "m", "--images", "i", "--logdir", "l"]
    )
    assert tuple(defaults["methods"]) == cli._DEFAULT_METHODS and args.methods is None
    for name in ("tag", "step", "batch_size", "part_size", "engine"):
        assert getattr(args, name) == defaults[name], name
    assert set(cli._FAITHFULNESS) == set(logged.KINDS) - {logged.LOCALISATION}
    ray = ray_engine.RayOptions()
    assert cli._RAY_DEFAULTS == {name: getattr(ray, name) for name in cli._RAY_DEFAULTS}


def test_every_flag_reaches_explain_dataset(folder, tmp_path, monkeypatch, capsys):
    from tensorboard_plugin_saliency import dataset

    calls = []

    def explain_dataset(model, data, **kwargs):
        calls.append((model, data, kwargs))
        return "the summary"

    monkeypatch.setattr(dataset, "explain_dataset", explain_dataset)
    logdir = str(tmp_path / "logs")
    model = tmp_path / "model.keras"  # never read: explain_dataset is this test's
    model.write_bytes(b"")
    argv = ["explain", "--model", str(model), "--images", folder["csv"], "--logdir", logdir]
    argv += ["--methods", "smoothgrad", "grad_cam", "--param", "smoothgrad.nsamples=5"]
    argv += ["--param", "smoothgrad.base=integrated_gradients", "--param", "grad_cam.layer=conv2"]
    argv += ["--tag", "t", "--step", "7", "--faithfulness", "deletion", "insertion"]
    argv += ["--size", "16", "--scale", "255", "--mean", "1", "2", "3", "--std", "4"]
    argv += ["--batch-size", "5", "--part-size", "9", "--class-names", "a", "b", "c"]
    argv += ["--engine", "ray", "--address", "ray://head:10001", "--concurrency", "3"]
    argv += ["--num-cpus", "0.5", "--num-gpus", "1", "--no-progress"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == "the summary\n"
    ((given, data, kwargs),) = calls
    assert (given, data) == (str(model), folder["csv"])
    assert kwargs == dict(
        logdir=logdir,
        methods={
            "smoothgrad": {"nsamples": 5, "base": "integrated_gradients"},
            "grad_cam": {"layer": "conv2"},
        },
        tag="t",
        step=7,
        faithfulness=["deletion", "insertion"],
        class_names=["a", "b", "c"],
        batch_size=5,
        part_size=9,
        size=(16, 16),
        scale=255.0,
        mean=[1.0, 2.0, 3.0],
        std=[4.0],
        engine="ray",
        progress=False,
        ray_options={
            "address": "ray://head:10001",
            "concurrency": 3,
            "num_cpus": 0.5,
            "num_gpus": 1.0,
        },
    )
