"""tensorboard-plugin-saliency: saliency maps over their images, in TensorBoard."""

import os

import setuptools

HERE = os.path.dirname(os.path.abspath(__file__))


def _version():
    with open(os.path.join(HERE, "tensorboard_plugin_saliency", "__init__.py")) as f:
        for line in f:
            if line.startswith("__version__"):
                return line.split('"')[1]
    raise RuntimeError("no __version__")


TEST_REQUIRES = [
    "tensorflow-cpu==2.21.0",
    "torch==2.13.0",
    "tensorboardX==2.6.5",
    "saliency==0.2.1",
    "captum==0.9.0",
    "lightning==2.6.6",
    "hypothesis>=6.100",
    "scipy",
    "pytest>=8",
    "ruff==0.17.6",
    # Object storage: a real S3-compatible server on 127.0.0.1, and s3fs to write there.
    "moto[server]>=5.1",
    "s3fs>=2025.3",
    "boto3",
    "scikit-image>=0.22",  # XRAI's segmentation
    "pandas>=2.2",  # reading the exported CSV tables back as users do
]

setuptools.setup(
    name="tensorboard-plugin-saliency",
    version=_version(),
    description="A TensorBoard plugin that overlays saliency maps on their images.",
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=setuptools.find_packages(include=["tensorboard_plugin_saliency*"])
    + ["tensorboard_plugin_saliency.static"],
    # The frontend's ES modules and the colormap tables are served from the package.
    package_dir={"tensorboard_plugin_saliency.static": "frontend"},
    package_data={
        "tensorboard_plugin_saliency": ["http_api.md"],
        "tensorboard_plugin_saliency.static": [
            pattern
            for folder in ("", "pipeline/", "view/")
            for pattern in (folder + "*.js", folder + "*.json", folder + "*.css", folder + "*.html")
        ],
    },
    install_requires=[
        "tensorboard==2.21.*",
        "numpy>=1.24",
        "protobuf>=6.31.1,<8",
        "werkzeug>=2.0",
        "pillow>=9",
        # Record CRCs (C, about 60x the NumPy CRC it replaced) and URL log directories.
        "google-crc32c>=1.5",
        "fsspec>=2024.2",
        # One BLAS thread while a method runs: NumPy's OpenBLAS threads and the
        # framework's own pool otherwise wait on each other (EigenCAM 3.8x slower).
        "threadpoolctl>=3.1",
    ],
    extras_require={
        "tf": ["tensorflow-cpu==2.21.0"],
        # Log directories on object storage (fsspec file systems).
        "s3": ["s3fs>=2025.3"],
        "gcs": ["gcsfs>=2025.3"],
        # XRAI's segmentation (Felzenszwalb), as PAIR's.
        "xrai": ["scikit-image>=0.22"],
        # ROAD's noisy linear imputation (sparse solves; faithfulness/road.py).
        "road": ["scipy>=1.10"],
        # CPU-only machines: install torch from https://download.pytorch.org/whl/cpu first.
        "torch": ["torch", "captum>=0.7"],
        # The PyTorch Lightning callback (tensorboard_plugin_saliency.torch).
        "lightning": ["lightning>=2.1"],
        "tensorboardx": ["tensorboardX"],
        "pair": ["saliency>=0.2.1"],
        # explain_dataset(engine="ray"): a Ray Data actor pool (dataset/ray_engine.py).
        "ray": ["ray[data]==2.60.0"],
        # The docs site (mkdocs.yml, `make docs`); griffelib is mkdocstrings-python's,
        # pinned as tools/griffe_docs.py calls it directly.
        "docs": [
            "mkdocs==1.6.1",
            "mkdocs-material==9.8.2",
            "mkdocstrings==1.0.8",
            "mkdocstrings-python==2.0.11",
            "griffelib==2.4.1",
        ],
        "test": TEST_REQUIRES,
    },
    entry_points={
        "tensorboard_plugins": [
            "saliency = tensorboard_plugin_saliency.plugin:SaliencyLoader",
        ],
        "console_scripts": [
            "tensorboard-saliency = tensorboard_plugin_saliency.cli:main",
        ],
    },
)
