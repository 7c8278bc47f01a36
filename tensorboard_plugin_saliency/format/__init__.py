"""The stored format: what a saliency summary is, byte by byte.

- `metadata`: the plugin's name, the format version, the summary's metadata;
- `manifest`: blob 0 of every summary, as typed values (`Manifest.from_json`);
- `codec`: the bytes of one image (PNG) or one mask (16-bit planes, gzip);
- `encoding`: a summary's blob list, encoded and decoded;
- `assets`: the file beside the event files that holds a summary's pixels;
- `fields`: each image's typed fields (true and predicted class, confidence, ...);
- `parts`: a step written in parts, by many `add` calls or processes.

`docs/format.md` describes the layout. The old module names
(`tensorboard_plugin_saliency.metadata`, ...) still import these modules.
"""
