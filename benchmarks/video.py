"""Video: Glimpse's transcoder against the `ffmpeg` command-line tool doing the same work.

The clip: 30 s of 1080p (1920x1080, 30 fps) H.264 with AAC stereo, made once by PyAV from
FFmpeg's test pattern and a tone, cached in `.bench/video/`. Both engines decode it once and
make the two outputs (1280x720 and 854x480, Lanczos, libx264 `veryfast` CRF 23 capped at
2.5 and 1 Mbit/s, AAC 128 kbit/s at 48 kHz, faststart, no metadata) and a poster from the first
frame. Glimpse also makes the poster's four JPEG renditions and blurhash (Pillow); `ffmpeg`
writes one 1080 px JPEG poster.

Each round runs both engines in fresh processes, in alternating order. Reported: medians of
wall time, CPU time (the process and its threads, from `wait4`), the realtime factor (clip
seconds per wall second), peak RSS, and the outputs' bytes. `ffmpeg` is a dev-only tool
(Debian: `apt-get install ffmpeg`); without it the table has Glimpse alone.

    python -m benchmarks.video [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import smoke

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / ".bench" / "video" / "clip-30s-1080p.mp4"
SECONDS = 30.0
ENGINES = ("glimpse", "ffmpeg")
MB_PER_VCPU = 1769
MEMORY_SIZES = (1769, 3008, 3538, 5308)
PRICE_GB_SECOND = 0.0000133334  # Lambda arm64, us-east-1

GLIMPSE = """
import json, sys
from pathlib import Path
from glimpse.media import video
result = video.transcode(Path(sys.argv[1]), "video/mp4", Path(sys.argv[2]))
print(json.dumps({"bytes": sum(p.stat().st_size for p in result.videos.values()),
                  "duration_ms": result.duration_ms}))
"""


def ffmpeg_command(source: Path, out: Path) -> list[str]:
    x264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high"]
    audio = ["-map", "0:a", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2"]
    tail = ["-movflags", "+faststart", "-map_metadata", "-1"]
    graph = (
        "[0:v]split=3[a][b][c];"
        "[a]scale=1280:720:flags=lanczos,format=yuv420p[v720];"
        "[b]scale=854:480:flags=lanczos,format=yuv420p[v480];"
        "[c]trim=end_frame=1,scale=1080:-2:flags=lanczos[poster]"
    )
    return [
        "ffmpeg", "-v", "error", "-y", "-i", str(source), "-filter_complex", graph,
        "-map", "[v720]", *x264, "-maxrate", "2500000", "-bufsize", "5000000", *audio, *tail,
        str(out / "720.mp4"),
        "-map", "[v480]", *x264, "-maxrate", "1000000", "-bufsize", "2000000", *audio, *tail,
        str(out / "480.mp4"),
        "-map", "[poster]", "-frames:v", "1", "-q:v", "3", str(out / "poster.jpg"),
    ]  # fmt: skip


def make_clip(seconds: float = SECONDS, size: tuple[int, int] = (1920, 1080)) -> Path:
    clip = CLIP if seconds == SECONDS else CLIP.with_name(f"clip-{seconds:g}s-{size[1]}p.mp4")
    if not clip.exists():
        print(f"making the {seconds:g} s {size[1]}p clip...", file=sys.stderr)
        clip.parent.mkdir(parents=True, exist_ok=True)
        # In a child process: a child's peak RSS starts at its parent's (Linux keeps
        # ru_maxrss across fork and exec), so this process stays small.
        make = (
            "import sys; from tests import videos; "
            f"open(sys.argv[1], 'wb').write(videos.clip({seconds}, {size}, rate=30))"
        )
        subprocess.run([sys.executable, "-c", make, str(clip)], cwd=ROOT, check=True)
    return clip


def run(engine: str, source: Path) -> dict[str, float]:
    """One run in a fresh process: wall, CPU (user + system of it and its threads), peak RSS."""
    with tempfile.TemporaryDirectory() as out:
        if engine == "glimpse":
            env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common/python'}"}
            command = [sys.executable, "-c", GLIMPSE, str(source), out]
        else:
            env, command = dict(os.environ), ffmpeg_command(source, Path(out))
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        output = process.stdout.read() if process.stdout else ""
        if status != 0:
            raise SystemExit(f"{engine} failed: {output[-500:]}")
        written = sum(path.stat().st_size for path in Path(out).glob("*.mp4"))
        if engine == "glimpse":
            written = int(json.loads(output.strip().splitlines()[-1])["bytes"])
        return {
            "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024,
            "mb_out": written / 1e6,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = smoke.parse(parser, {"rounds": 1})
    seconds = 2.0 if args.smoke else SECONDS  # smoke: a 2 s 360p clip
    source = make_clip(seconds, (640, 360)) if args.smoke else make_clip()
    engines = [e for e in ENGINES if e == "glimpse" or shutil.which("ffmpeg")]
    runs: dict[str, list[dict[str, float]]] = {engine: [] for engine in engines}
    for number in range(args.rounds):
        print(f"round {number + 1}/{args.rounds}", file=sys.stderr)
        for engine in engines if number % 2 == 0 else engines[::-1]:
            runs[engine].append(run(engine, source))
    medians = {
        engine: {key: statistics.median(run[key] for run in done) for key in done[0]}
        for engine, done in runs.items()
    }
    print(
        f"\n{seconds:g} s {'360p' if args.smoke else '1080p'}30 H.264/AAC clip"
        f" ({source.stat().st_size / 1e6:.1f} MB) → 720p and 480p "
        f"MP4s and a poster; medians of {args.rounds} rounds; {os.cpu_count()} cores\n"
    )
    print("| engine | wall s | CPU s | realtime factor | peak MB | outputs MB | wall ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for engine, figures in medians.items():
        ratio = ""
        if engine == "glimpse" and "ffmpeg" in medians:
            ratio = f"{figures['wall_s'] / medians['ffmpeg']['wall_s']:.2f}x"
        print(
            f"| {engine} | {figures['wall_s']:.2f} | {figures['cpu_s']:.2f} | "
            f"{seconds / figures['wall_s']:.1f}x | {figures['rss_mb']:.0f} | "
            f"{figures['mb_out']:.1f} | {ratio} |"
        )
    ours = medians["glimpse"]
    print(
        "\nthe transcoder by memory size (duration = the larger of the wall time on "
        f"{os.cpu_count()} free cores and CPU time / vCPUs, one vCPU per {MB_PER_VCPU} MB)\n"
    )
    print("| memory MB | vCPUs | duration s | cost per 1,000 clips |")
    print("| ---: | ---: | ---: | ---: |")
    for memory in MEMORY_SIZES:
        vcpus = memory / MB_PER_VCPU
        duration = max(ours["wall_s"], ours["cpu_s"] / vcpus)
        cost = 1000 * duration * memory / 1024 * PRICE_GB_SECOND
        print(f"| {memory} | {vcpus:.1f} | {duration:.1f} | ${cost:.3f} |")


if __name__ == "__main__":
    main()
