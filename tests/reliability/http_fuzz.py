"""HTTP fuzzing of every route of the plugin.

Requests are drawn from a seeded generator: each route with its parameters missing,
repeated, huge, negative, non-numeric, non-finite, unicode, HTML, path traversal,
malformed percent-escapes, or unknown runs/tags/steps/masks/keys, mixed with valid
values so that deep paths (render options on a real sample) are reached too.
The same generator runs through TensorBoard's WSGI app and against a real
`tensorboard` process. Every answer must be below 500, and every 4xx a JSON
`{"error": "<message>"}`.
"""

import json
import random
import time
import urllib.parse

from tests.reliability import sites
from tests.reliability.common import Result, ms, percentile

P = sites.P
ROUTES = ("tags", "steps", "sample", "blob", "render", "static")
# /tags takes no parameter: a few requests are enough (it is also the dearest route).
WEIGHTS = (1, 6, 6, 6, 6, 5)
PARAMS = {
    "tags": (),
    "steps": ("run", "tag"),
    "sample": ("run", "tag", "step", "sample"),
    "blob": ("key",),
    "render": (
        "run",
        "tag",
        "step",
        "sample",
        "mask",
        "colormap",
        "opacity",
        "clip",
        "sign",
        "threshold",
    ),
}

NAMES = [
    "nope",
    " ",
    "../../etc/passwd",
    "..",
    ".",
    "/",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "ü★𝄞",
    "\u202eevil",
    "\x00",
    "a\x00b",
    "train/..",
    "TRAIN",
    "%",
    "%25",
    "null",
    "[]",
    "{}",
    "\ufffd",
    "run\n",
]
INDEXES = [
    "0",
    "1",
    "2",
    "3",
    "5",
    "10",
    "40",
    "-1",
    "-0",
    "abc",
    "1.5",
    "1e3",
    "0x10",
    " 3",
    "३",
    "9" * 40,
    "NaN",
    "+1",
    "18446744073709551616",
    "2147483648",
    "٣",
    "1 2",
    "[]",
]
FLOATS = [
    "0",
    "0.5",
    "1",
    "-1",
    "2",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "abc",
    "0x1p-2",
    "1_0",
    "99",
    "100",
    "0.0001",
    "101",
    "-0",
    " 50 ",
    "5e-324",
]
COLORMAPS = [
    "inferno",
    "viridis",
    "magma",
    "turbo",
    "jet",
    "gray",
    "rdbu",
    "nope",
    "INFERNO",
    "<b>",
]
SIGNS = ["absolute", "signed", "positive", "negative", "nope", "ABSOLUTE"]
STATIC = [
    "index.js",
    "colormaps.json",
    "styles.css",
    "pipeline/clip.js",
    "../plugin.py",
    "..%2Fplugin.py",
    "%2e%2e/%2e%2e/setup.py",
    "/etc/passwd",
    "a%5Cb",
    "index.js%00.png",
    "nope.js",
    "index.js.map",
    "",
    "./index.js",
    "x/../index.js",
    "%C3%A9.js",
    "%ff.js",
    "static/index.js",
    "index.JS",
    "..",
    "...",
    "//index.js",
    "index.js/",
    "%2Fetc%2Fpasswd",
    "....//....//etc/passwd",
]
RAW = ["%zz", "%ff%fe", "%", "%%", "%u0041", "&&&", "=", "a=b=c", "%00", "+"]


class Generator:
    """Seeded request URLs (path and query) for the routes, given what exists."""

    def __init__(self, known, seed=0, huge=100_000):
        self.rng = random.Random(seed)
        self.known = known
        self.huge = huge

    def _huge(self):
        return self.rng.choice(["a", "9", "é", "/", "<"]) * self.rng.randint(
            self.huge // 2, self.huge
        )

    def _valid(self, name, pair):
        k, rng = self.known, self.rng
        run, tag = pair
        samples = [key for key in k["samples"] if key[:2] == pair]
        if name == "run":
            return run
        if name == "tag":
            return tag
        if name == "step":
            return str(rng.choice(samples)[2]) if samples else str(rng.choice(k["steps"] or [0]))
        if name == "sample":
            return rng.choice(["0", "1", "2"])
        if name == "mask":
            return rng.choice(k["masks"] or ["grad"])
        if name == "key":
            return rng.choice(k["keys"])
        if name == "colormap":
            return rng.choice(COLORMAPS[:7])
        if name in ("opacity",):
            return rng.choice(["0", "0.5", "1"])
        if name in ("clip", "threshold"):
            return rng.choice(["50", "99", "100"])
        if name == "sign":
            return rng.choice(SIGNS[:4])
        raise KeyError(name)

    def _hostile(self, name):
        rng, k = self.rng, self.known
        roll = rng.random()
        if roll < 0.02:
            return self._huge()
        if name in ("run", "tag", "mask"):
            pool = NAMES + (k["runs"] if name == "tag" else k["tags"]) + [""]
        elif name in ("step", "sample"):
            pool = INDEXES + [""]
        elif name == "key":
            pool = (
                NAMES
                + [""]
                + [self._mangle(key) for key in rng.sample(k["keys"], min(3, len(k["keys"])))]
            )
        elif name == "colormap":
            pool = COLORMAPS[7:] + NAMES[:5]
        elif name == "sign":
            pool = SIGNS[4:] + NAMES[:5]
        else:
            pool = FLOATS + NAMES[:3]
        return rng.choice(pool)

    def _mangle(self, key):
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            return key[: rng.randrange(len(key))]
        if kind == 1:
            return key + rng.choice(["A", "=", "%", "{", "\x00"])
        if kind == 2:
            i = rng.randrange(len(key))
            return key[:i] + chr((ord(key[i]) + 1) % 128) + key[i + 1 :]
        if kind == 3:
            return key[::-1]
        if kind == 4:
            return "../" + key
        return key.upper()

    def next(self):
        rng = self.rng
        route = rng.choices(ROUTES, WEIGHTS)[0]
        if route == "static":
            path = (
                rng.choice(STATIC)
                if rng.random() < 0.9
                else urllib.parse.quote(self._huge()[:3000], safe="/")
            )
            return P + "static/" + path
        pairs = self.known["pairs"]
        pair = rng.choice(pairs) if pairs else ("train", "saliency/cls")
        if rng.random() < 0.1:
            pair = (
                (rng.choice(NAMES), pair[1]) if rng.random() < 0.5 else (pair[0], rng.choice(NAMES))
            )
        parts = []
        for name in PARAMS[route]:
            roll = rng.random()
            if roll < 0.08:
                continue  # missing
            values = [self._valid(name, pair) if rng.random() < 0.6 else self._hostile(name)]
            if rng.random() < 0.08:  # repeated
                values.append(
                    self._valid(name, pair) if rng.random() < 0.5 else self._hostile(name)
                )
            for value in values:
                parts.append(name + "=" + urllib.parse.quote(value, safe=""))
        if rng.random() < 0.08:
            parts.append(rng.choice(RAW))
        if rng.random() < 0.05:
            parts.append("unknown=" + urllib.parse.quote(rng.choice(NAMES), safe=""))
        rng.shuffle(parts)
        return P + route + ("?" + "&".join(parts) if parts or rng.random() < 0.5 else "")


def check_answer(url, status, headers, body):
    """A problem string, or None when the answer keeps the API's promises."""
    if status >= 500:
        return "%s -> %d %r" % (url[:200], status, body[:200])
    if 400 <= status < 500:
        ctype = headers.get("Content-Type", "")
        if not ctype.startswith("application/json"):
            return "%s -> %d with Content-Type %r: %r" % (url[:200], status, ctype, body[:120])
        try:
            message = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            return "%s -> %d without a JSON error: %r" % (url[:200], status, body[:200])
        if (
            not isinstance(message, str)
            or not message
            or "Traceback" in body.decode("utf-8", "replace")
        ):
            return "%s -> %d bad error message %r" % (url[:200], status, body[:200])
    elif status != 200:
        return "%s -> unexpected %d" % (url[:200], status)
    return None


def fuzz(get, count, seed=0, huge=100_000):
    """Sends `count` generated requests through `get`; returns stats and problems."""
    known = sites.discover(get)
    generator = Generator(known, seed=seed, huge=huge)
    codes, problems, latencies = {}, [], []
    start = time.perf_counter()
    for _ in range(count):
        url = generator.next()
        t = time.perf_counter()
        status, headers, body = get(url)
        latencies.append(time.perf_counter() - t)
        codes[status] = codes.get(status, 0) + 1
        problem = check_answer(url, status, headers, body)
        if problem:
            problems.append(problem)
    return {
        "count": count,
        "codes": codes,
        "problems": problems,
        "seconds": time.perf_counter() - start,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


def _result(check, backend, stats):
    codes = ", ".join("%d: %d" % kv for kv in sorted(stats["codes"].items()))
    errors = sum(v for k, v in stats["codes"].items() if k >= 500) + len(stats["problems"])
    figures = "%d requests, %d errors (%s); p50 %s, p99 %s; %.1f s" % (
        stats["count"],
        errors,
        codes,
        ms(stats["p50"]),
        ms(stats["p99"]),
        stats["seconds"],
    )
    ok = not stats["problems"] and stats["codes"].get(200, 0) > 0
    return Result(check, backend, figures, ok, stats["problems"])


def run_wsgi(logdir, backend, count, seed=0):
    with sites.wsgi_client(logdir, backend) as client:
        stats = fuzz(sites.WsgiGetter(client), count, seed=seed)
    return _result("HTTP fuzzing, WSGI app", backend, stats)


def run_process(base_url, backend, count, seed=1):
    # A request line over 64 KiB is refused by the HTTP server itself (414) before
    # TensorBoard sees it; the plugin's own limits are what is fuzzed here.
    stats = fuzz(sites.HttpGetter(base_url), count, seed=seed, huge=8_000)
    return _result("HTTP fuzzing, tensorboard", backend, stats)
