"""Renditions of large photos: Glimpse's pipeline against libvips, in the same run.

For a 12 MP and a 48 MP photo-like JPEG and a 12 MP HEIC, makes the four renditions
(long edge 1080, 640, 320, 150; progressive JPEG, quality 82, metadata stripped) with
Glimpse's `glimpse.media.imaging.render` and with libvips (`pyvips`, shrink-on-load through
`thumbnail_buffer`, then the smaller sizes from the 1080 one, exactly as Glimpse does).
Each (engine, image) pair runs in a fresh process, so its peak RSS is its own.

    python -m benchmarks.thumbnails [--runs 5]

Target (issue 3): Glimpse <= 1.2x libvips' time on 12 MP, and peak memory <= 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1080, 640, 320, 150)

# VmHWM is this process's own peak (getrusage's ru_maxrss survives exec on Linux, so a child
# would report its parent's peak).
PEAK_RSS = """
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

GLIMPSE = """
import json, statistics, sys, time
{peak}
from glimpse.media import imaging
data = open(sys.argv[1], "rb").read()
times = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    rendered = imaging.render(data, sys.argv[2])
    times.append((time.perf_counter() - started) * 1000)
assert len(rendered.renditions) == 4
print(json.dumps({"ms": statistics.median(times), "rss_mb": peak_rss_mb()}))
""".replace("{peak}", PEAK_RSS)

LIBVIPS = """
import json, statistics, sys, time
{peak}
import pyvips
pyvips.cache_set_max(0)  # no result cache between runs
data = open(sys.argv[1], "rb").read()
SIZES = (1080, 640, 320, 150)
OPTIONS = ".jpg[Q=82,interlace,strip,optimize_coding]"
times = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    base = pyvips.Image.thumbnail_buffer(
        data, SIZES[0], size="down", export_profile="srgb"
    ).copy_memory()  # decoded once (sequential access), reused for every size
    outputs = [base.write_to_buffer(OPTIONS)]
    current = base
    for size in SIZES[1:]:
        current = current.thumbnail_image(size, size="down")
        outputs.append(current.write_to_buffer(OPTIONS))
    times.append((time.perf_counter() - started) * 1000)
assert len(outputs) == 4
print(json.dumps({"ms": statistics.median(times), "rss_mb": peak_rss_mb()}))
""".replace("{peak}", PEAK_RSS)


def photo(width: int, height: int) -> Image.Image:
    """Photo-like content: smooth gradients, edges and sensor-like noise (JPEG must work)."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.effect_noise((width, height), 40).filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((width, height), 12)
    base = Image.merge("RGB", (red, green, blue))
    return Image.blend(base, Image.merge("RGB", (noise, noise, noise)), 0.15)


def run(program: str, path: Path, content_type: str, runs: int) -> dict[str, float] | str:
    """The child's figures, or the last line of its error when the engine cannot do it."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common/python'}{os.pathsep}{ROOT}"}
    out = subprocess.run(
        [sys.executable, "-c", program, str(path), content_type, str(runs)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["failed"])[-1]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import pillow_heif

    pillow_heif.register_heif_opener()
    cases = [
        ("12 MP JPEG (4000x3000)", "jpg", "image/jpeg", (4000, 3000)),
        ("48 MP JPEG (8000x6000)", "jpg", "image/jpeg", (8000, 6000)),
        ("12 MP HEIC (4000x3000)", "heic", "image/heic", (4000, 3000)),
    ]
    print(f"median of {args.runs} runs per engine and image; peak RSS of the whole process")
    columns = ("glimpse ms", "libvips ms", "ratio", "glimpse MB", "libvips MB")
    header = f"{'image':<24} " + " ".join(f"{c:>{6 if c == 'ratio' else 11}}" for c in columns)
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as workdir:
        for label, suffix, content_type, size in cases:
            path = Path(workdir) / f"photo.{suffix}"
            image = photo(*size)
            if suffix == "jpg":
                image.save(path, "JPEG", quality=90)
            else:
                image.save(path, "HEIF", quality=80)
            ours = run(GLIMPSE, path, content_type, args.runs)
            theirs = run(LIBVIPS, path, content_type, args.runs)
            if isinstance(ours, str):
                raise SystemExit(f"glimpse failed on {label}: {ours}")
            if isinstance(theirs, str):
                print(
                    f"{label:<24} {ours['ms']:>11.1f} {'n/a':>11} {'':>6} "
                    f"{ours['rss_mb']:>11.1f} {'n/a':>11}   (libvips: {theirs[:90]})"
                )
                continue
            print(
                f"{label:<24} {ours['ms']:>11.1f} {theirs['ms']:>11.1f} "
                f"{ours['ms'] / theirs['ms']:>5.2f}x "
                f"{ours['rss_mb']:>11.1f} {theirs['rss_mb']:>11.1f}"
            )


if __name__ == "__main__":
    main()
