"""The plugin, the writers and the reader work where TensorFlow cannot be imported."""

import subprocess
import sys
import textwrap


def test_write_read_and_serve_without_tensorflow(tmp_path):
    script = textwrap.dedent("""
        import sys
        sys.modules["tensorflow"] = None  # Any "import tensorflow" now fails.
        import numpy as np
        from tensorboard_plugin_saliency import plugin, reader, render, summary

        with summary.SaliencyWriter(sys.argv[1]) as writer:
            writer.add("t", np.zeros((4, 4, 3), np.uint8), {"m": np.eye(4)}, step=1)
        (record,) = reader.read_saliency(sys.argv[1])
        assert record.masks["m"].shape == (1, 4, 4)
        assert render.png_bytes(record.images[0], record.masks["m"][0])[:4] == b"\\x89PNG"
        assert plugin.SaliencyLoader is not None
        try:
            import tensorflow  # noqa: F401
        except ImportError:
            print("ok")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
