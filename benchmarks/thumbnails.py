"""Renditions: Glimpse's pipeline against libvips doing the same work, in the same run.

Both engines make the four renditions (long edge 1080, 640, 320, 150) of each image in the
corpus and do the same work on the way:

- decode at the same reduced scale: JPEG shrinks on load by the largest of 1/2, 1/4, 1/8
  that stays at or above 1080 px (Pillow's `draft`, libvips's `shrink`); other formats are
  decoded whole, then box-reduced by an integer factor while 3x is left for the filter;
- Lanczos (a = 3) to 1080, then each smaller size from the one before;
- a colour transform to sRGB only when the image carries an ICC profile (perceptual intent);
- transparency flattened over white, EXIF orientation applied, metadata stripped;
- progressive JPEG, quality 82, optimised Huffman tables, 4:2:0;
- a blurhash from the smallest rendition (the same library in both).

Corpus (made once, cached in `.bench/thumbnails/`): a camera-like 12 MP and 48 MP JPEG
(EXIF orientation 6, a Display P3 profile, sensor-like grain: 3-10 MB), a plain 12 MP JPEG,
a PNG with transparency, and a 12 MP HEIC in 512 px tiles, as phones write it.

Each round runs every (image, engine) pair in a fresh process, engines in alternating order;
a process renders once to warm up, then `--repeat` times. Reported: medians over rounds of
wall and CPU time (all threads), the threads the process ran, its peak RSS (`VmHWM`), the
renditions' bytes, and PSNR of the 1080 px rendition and the lowest of the four against a
full-resolution reference (whole decode, colour transform, orientation, one Lanczos resize
to each size). Then the thumbnailer's duration and cost per 1,000 uploads at candidate
memory sizes, from Glimpse's CPU and wall time.

    python -m benchmarks.thumbnails [--rounds 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import smoke

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / ".bench" / "thumbnails" / "v2"
SIZES = (1080, 640, 320, 150)
QUALITY = 82
ENGINES = ("glimpse", "libvips")
REDUCING_GAP = 3.0  # glimpse.media.imaging's


def fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """Glimpse's rendition size for `size` (`imaging._fit`; a test holds them equal)."""
    scale = long_edge / max(size)
    if scale >= 1:
        return size
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


# Lambda on arm64 (the template's architecture), us-east-1, November 2026.
PRICE_GB_SECOND = 0.0000133334
PRICE_REQUEST = 0.20 / 1_000_000
MB_PER_VCPU = 1769  # Lambda gives one vCPU's worth of CPU time per 1,769 MB
MEMORY_SIZES = (1024, 1536, 2048, 3008)


# ---------------------------------------------------------------------------------------------
# The corpus


def _grainy(width: int, height: int) -> Any:
    """Photo-like pixels with sensor-like grain, so JPEG sizes are a camera's."""
    from PIL import Image, ImageFilter

    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    texture = Image.effect_mandelbrot((width, height), (-2.0, -1.2, 1.0, 1.2), 60)
    grain = Image.effect_noise((width, height), 64).filter(ImageFilter.GaussianBlur(0.6))
    return Image.blend(
        Image.merge("RGB", (red, green, texture)), Image.merge("RGB", (grain, grain, grain)), 0.45
    )


def _display_p3() -> bytes:
    """The Display P3 profile phones embed (libvips has it built in)."""
    import pyvips

    pixel = pyvips.Image.black(8, 8, bands=3).copy(interpretation="srgb")
    return bytes(pixel.icc_export(output_profile="p3").get("icc-profile-data"))


def _camera_jpeg(width: int, height: int, quality: int) -> bytes:
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display, as a phone held upright writes
    exif[0x010F] = "BenchCam"  # metadata that must not reach a rendition
    out = io.BytesIO()
    _grainy(width, height).save(
        out, "JPEG", quality=quality, icc_profile=_display_p3(), exif=exif.tobytes()
    )
    return out.getvalue()


def _plain_jpeg() -> bytes:
    import io

    out = io.BytesIO()
    _grainy(4000, 3000).save(out, "JPEG", quality=90)
    return out.getvalue()


def _png() -> bytes:
    """A 3000x2000 screenshot-like PNG with an alpha channel."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (3000, 2000), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for row in range(0, 2000, 40):
        draw.rectangle((0, row, 3000, row + 20), fill=(30, 90 + row % 120, 200, 255))
    for column in range(0, 3000, 150):
        draw.ellipse((column, 300, column + 120, 420), fill=(250, 200, 40, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _heic(width: int = 4000, height: int = 3000) -> bytes:
    import io

    import pillow_heif

    pillow_heif.options.GRID_TILE_SIZE = 512
    out = io.BytesIO()
    pillow_heif.from_pillow(_grainy(width, height)).save(out, quality=60)
    return out.getvalue()


CASES: tuple[tuple[str, str, str, Callable[[], bytes]], ...] = (
    ("12 MP camera JPEG", "camera12.jpg", "image/jpeg", lambda: _camera_jpeg(4000, 3000, 92)),
    ("48 MP camera JPEG", "camera48.jpg", "image/jpeg", lambda: _camera_jpeg(8000, 6000, 70)),
    ("12 MP plain JPEG", "plain12.jpg", "image/jpeg", _plain_jpeg),
    ("6 MP PNG, alpha", "screen.png", "image/png", _png),
    ("12 MP HEIC, tiled", "phone12.heic", "image/heic", _heic),
)
# Smoke mode (benchmarks/smoke.py): a JPEG and a HEIC of 2 MP, in a folder of their own.
SMOKE_CASES: tuple[tuple[str, str, str, Callable[[], bytes]], ...] = (
    ("2 MP camera JPEG", "camera2.jpg", "image/jpeg", lambda: _camera_jpeg(1600, 1200, 90)),
    ("2 MP HEIC, tiled", "phone2.heic", "image/heic", lambda: _heic(1600, 1200)),
)


def corpus(tiny: bool = False) -> list[tuple[str, Path, str]]:
    folder = CORPUS_DIR / "smoke" if tiny else CORPUS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for label, name, content_type, make in SMOKE_CASES if tiny else CASES:
        path = folder / name
        if not path.exists():
            print(f"making {name}...", file=sys.stderr)
            path.write_bytes(make())
        cases.append((label, path, content_type))
    return cases


# ---------------------------------------------------------------------------------------------
# The engines (each runs in its own process: `--child ENGINE PATH TYPE OUTDIR REPEAT`)


def _glimpse(data: bytes, content_type: str) -> dict[int, bytes]:
    from glimpse.media import imaging

    return imaging.render(data, content_type).renditions


def _libvips(data: bytes, content_type: str) -> dict[int, bytes]:
    """Glimpse's steps, one for one, in libvips (without importing Pillow: its peak RSS is
    its own)."""
    import blurhash
    import pyvips

    header = pyvips.Image.new_from_buffer(data, "")
    original = (header.width, header.height)
    target = fit(original, SIZES[0])
    if content_type == "image/jpeg":
        shrink = next(
            s for s in (8, 4, 2, 1) if min(original[0] // target[0], original[1] // target[1]) >= s
        )
        image = pyvips.Image.jpegload_buffer(data, shrink=shrink, access="sequential")
    else:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
        reduce_by = int(min(image.width / target[0], image.height / target[1]) / REDUCING_GAP)
        if reduce_by >= 2:
            image = image.shrink(reduce_by, reduce_by)
    if image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    image = image.resize(
        target[0] / image.width, vscale=target[1] / image.height, kernel="lanczos3"
    )
    if image.get_typeof("icc-profile-data"):
        image = image.icc_transform("srgb", embedded=True, intent="perceptual")
    base = image.copy_memory().autorot()
    renditions: dict[int, bytes] = {}
    current = base
    for size in SIZES:
        wanted = fit((base.width, base.height), size)
        if (current.width, current.height) != wanted:
            current = current.resize(
                wanted[0] / current.width, vscale=wanted[1] / current.height, kernel="lanczos3"
            ).copy_memory()
        renditions[size] = current.write_to_buffer(
            ".jpg", Q=QUALITY, interlace=True, optimize_coding=True, keep="none"
        )
    small_size = fit((current.width, current.height), 32)
    small = current.resize(
        small_size[0] / current.width, vscale=small_size[1] / current.height, kernel="linear"
    )
    flat = small.write_to_memory()
    width = small.width
    pixels = [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]
    rows = [pixels[r * width : (r + 1) * width] for r in range(small.height)]
    blurhash.encode(rows, components_x=4, components_y=3)
    return renditions


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def child(engine: str, path: str, content_type: str, outdir: str, repeat: int) -> None:
    render = _glimpse if engine == "glimpse" else _libvips
    if engine == "libvips":
        import pyvips

        pyvips.cache_set_max(0)  # no result cache between runs
    data = Path(path).read_bytes()
    render(data, content_type)  # warm-up: imports, thread pools, colour transforms
    most = [_threads()]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.002):
            most.append(_threads() - 1)  # not counting this watcher

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        renditions = render(data, content_type)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    done.set()
    watcher.join()
    for size, jpeg in renditions.items():
        Path(outdir, f"{engine}-{size}.jpg").write_bytes(jpeg)
    print(
        json.dumps(
            {
                "wall_ms": statistics.median(walls),
                "cpu_ms": statistics.median(cpus),
                "threads": max(most),
                "rss_mb": _peak_rss_mb(),
                "bytes": sum(len(jpeg) for jpeg in renditions.values()),
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# The parent: rounds, quality, tables


def reference(data: bytes) -> dict[int, Any]:
    """Each size straight from the whole decode: colour-managed, oriented, one Lanczos."""
    import io

    from PIL import Image, ImageCms

    from glimpse.media import imaging

    imaging._register_heif()  # lazy in the pipeline (only a HEIC upload needs it)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        orientation = image.getexif().get(0x0112, 1)
        profile = image.info.get("icc_profile")
        pixels = imaging._flatten(image)
    if profile:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        pixels = ImageCms.profileToProfile(pixels, source, imaging._SRGB, outputMode="RGB")
    full = imaging._orient(pixels.convert("RGB"), orientation)
    return {
        size: full.resize(imaging._fit(full.size, size), Image.Resampling.LANCZOS) for size in SIZES
    }


def psnr(path: Path, expected: Any) -> float:
    from PIL import Image, ImageChops, ImageStat

    with Image.open(path) as image:
        actual = image.convert("RGB")
    if actual.size != expected.size:
        return math.nan
    rms = ImageStat.Stat(ImageChops.difference(actual, expected)).rms
    mse = sum(value * value for value in rms) / len(rms)
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def run_child(
    engine: str, path: Path, content_type: str, outdir: Path, repeat: int
) -> dict[str, Any] | str:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common/python'}{os.pathsep}{ROOT}"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.thumbnails",
            "--child",
            engine,
            str(path),
            content_type,
            str(outdir),
            str(repeat),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["failed"])[-1]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def row(*cells: object) -> None:
    print("| " + " | ".join(str(cell) for cell in cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="only the images whose label contains this")
    parser.add_argument("--child", nargs=5, metavar=("ENGINE", "PATH", "TYPE", "OUTDIR", "REPEAT"))
    args = smoke.parse(parser, {"rounds": 1, "repeat": 1})
    if args.child:
        engine, path, content_type, outdir, repeat = args.child
        child(engine, path, content_type, outdir, int(repeat))
        return

    cases = [case for case in corpus(args.smoke) if not args.only or args.only in case[0]]
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    failures: dict[tuple[str, str], str] = {}
    quality: dict[tuple[str, str], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}", file=sys.stderr)
            for label, path, content_type in cases:
                order = ENGINES if number % 2 == 0 else ENGINES[::-1]
                for engine in order:
                    outdir = Path(workdir, label.replace(" ", "_"))
                    outdir.mkdir(exist_ok=True)
                    got = run_child(engine, path, content_type, outdir, args.repeat)
                    if isinstance(got, str):
                        failures[label, engine] = got
                    else:
                        results.setdefault((label, engine), []).append(got)
        print("making the references...", file=sys.stderr)
        for label, path, _content_type in cases:
            expected = reference(path.read_bytes())
            outdir = Path(workdir, label.replace(" ", "_"))
            for engine in ENGINES:
                if (label, engine) in results:
                    scores = [
                        psnr(outdir / f"{engine}-{size}.jpg", expected[size]) for size in SIZES
                    ]
                    quality[label, engine] = (scores[0], min(scores))

    print(
        f"\nmedians of {args.rounds} rounds (fresh process each; median of {args.repeat} "
        f"renders after a warm-up); {os.cpu_count()} cores; PSNR in dB against a "
        "full-resolution reference\n"
    )
    row("image", "MB", "engine", "wall ms", "CPU ms", "threads", "peak MB", "output KB",
        "PSNR 1080", "PSNR min", "wall ratio")  # fmt: skip
    row("---", "---:", "---", *["---:"] * 8)
    medians: dict[tuple[str, str], dict[str, float]] = {}
    for label, path, _content_type in cases:
        megabytes = f"{path.stat().st_size / 1e6:.1f}"
        for engine in ENGINES:
            runs = results.get((label, engine))
            if not runs:
                row(label, megabytes, engine, f"n/a: {failures.get((label, engine), '')[:80]}")
                continue
            figures = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            medians[label, engine] = figures
            ratio = ""
            if engine == "glimpse" and (label, "libvips") in results:
                theirs = statistics.median(run["wall_ms"] for run in results[label, "libvips"])
                ratio = f"{figures['wall_ms'] / theirs:.2f}x"
            top, low = quality[label, engine]
            row(label, megabytes, engine, f"{figures['wall_ms']:.1f}", f"{figures['cpu_ms']:.1f}",
                f"{figures['threads']:.0f}", f"{figures['rss_mb']:.0f}",
                f"{figures['bytes'] / 1024:.0f}", f"{top:.2f}", f"{low:.2f}", ratio)  # fmt: skip

    print(
        "\nthe thumbnailer by memory size (Glimpse's figures; duration = the larger of the wall "
        f"time on {os.cpu_count()} free cores and CPU time / vCPUs, one vCPU per {MB_PER_VCPU} MB; "
        "arm64 prices)\n"
    )
    header = " | ".join(f"{size} MB" for size in MEMORY_SIZES)
    print(f"| image | peak MB | {header} |")
    print("| --- | ---: |" + " ---: |" * len(MEMORY_SIZES))
    for label, _path, _content_type in cases:
        figures = medians.get((label, "glimpse"))
        if figures is None:
            continue
        cells = []
        for memory in MEMORY_SIZES:
            seconds = max(figures["wall_ms"], figures["cpu_ms"] / (memory / MB_PER_VCPU)) / 1000
            cost = 1000 * (seconds * memory / 1024 * PRICE_GB_SECOND + PRICE_REQUEST)
            cells.append(f"{seconds * 1000:.0f} ms · ${cost:.4f}")
        print(f"| {label} | {figures['rss_mb']:.0f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
