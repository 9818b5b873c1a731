"""Untrusted video uploads → H.264/AAC MP4 at 720p and 480p, poster renditions, duration.

The video sibling of `imaging`: a file in, files out, so the hostile-input tests drive it
directly. PyAV (FFmpeg's libraries in its wheel) and Pillow ship with the transcoder only.

Defences, in order: the magic bytes must match the declared container; FFmpeg may only use
that container's demuxer (nothing is probed, so no playlist, image or device demuxer ever
reads the bytes); the header is checked before a frame is decoded (a video stream, allowed
codecs, dimensions within budget, a declared duration within the limit); decoding then holds
what it actually finds to the same limits, so a header that lies is caught by the frames it
lies about. Any FFmpeg error is `corrupt`. Outputs are encoded from decoded pixels and samples
and no metadata is copied, so no location (QuickTime ©xyz), creation date or device name of
the upload reaches them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.filter
from av.video.frame import PictureType
from PIL import Image

from glimpse.media import imaging
from glimpse.media.filters import IDENTITY, PRESETS, STRAIGHT, Curve, Preset
from glimpse.media.imaging import Rejected

MAX_SECONDS = 60.0
_SLACK_SECONDS = 0.5  # containers round durations and pad audio; a 61 s clip is still refused
MAX_EDGE = 4096
MAX_PIXELS = 4096 * 2304  # a frame: DCI 4K and a little more
MAX_FPS = 120
MAX_FRAMES = int((MAX_SECONDS + _SLACK_SECONDS) * MAX_FPS)
DECODE_DEADLINE_SECONDS = 600.0  # well inside the function's timeout
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "libdav1d", "mpeg4"})
AUDIO_CODECS = frozenset({"aac", "mp3", "opus", "vorbis", "alac", "flac", "pcm_s16le"})

# Declared type → the only demuxer that may open it. MP4 and QuickTime are one family (an
# iPhone's .mov is often declared video/mp4 and the reverse), so either accepts the other.
DEMUXERS = {"video/mp4": "mov", "video/quicktime": "mov", "video/webm": "matroska"}

# Short edge of each output (never upscaled) → its video bitrate cap (bits/s).
OUTPUTS: dict[int, int] = {720: 2_500_000, 480: 1_000_000}
AUDIO_BITRATE = 128_000
AUDIO_RATE = 48_000
OUTPUT_FPS_CAP = 60
# Automatic moderation scores a frame at least this often, from the first (the poster's).
SAMPLE_SECONDS = 2.0
X264_OPTIONS = {"preset": "veryfast", "crf": "23", "profile": "high"}


@dataclass(frozen=True)
class Transcoded:
    width: int  # as displayed (rotation applied)
    height: int
    duration_ms: int
    videos: dict[int, Path]  # output short edge → MP4 file
    poster: imaging.Rendered  # the first frame's four renditions and blurhash
    has_audio: bool
    # A frame every SAMPLE_SECONDS from the first, turned, long edge imaging.SAMPLE_EDGE.
    samples: tuple[Image.Image, ...] = ()


def check_type(data: bytes, declared: str) -> None:
    actual = imaging.sniff_video(data[:16])
    if actual is None:
        image = imaging.sniff(data[:16])
        if image is not None:
            raise Rejected("unsupported_format", f"declared {declared} but the file is {image}")
        raise Rejected("not_an_image", "the file does not start like any video")
    if DEMUXERS[actual] != DEMUXERS[declared]:
        raise Rejected("unsupported_format", f"declared {declared} but the file is {actual}")


def transcode(
    source: Path, declared: str, workdir: Path, preset: Preset = PRESETS["none"]
) -> Transcoded:
    """Outputs of a video upload in `workdir`, or :class:`Rejected` with API.md's reason."""
    with source.open("rb") as head:
        check_type(head.read(16), declared)
    try:
        with av.open(str(source), format=DEMUXERS[declared]) as container:
            return _transcode(container, workdir, preset)
    except Rejected:
        raise
    except Exception as exc:  # any demuxer or decoder failure on untrusted bytes is `corrupt`
        raise Rejected("corrupt", f"{type(exc).__name__}: {exc}") from exc


def _transcode(container: Any, workdir: Path, preset: Preset) -> Transcoded:
    source = _source(container)
    decoding = _Decoding(source, workdir, preset)
    try:
        for packet in container.demux(*source.streams):
            for frame in packet.decode():
                decoding.take(packet.stream, frame)
        poster = decoding.finish()
    finally:
        decoding.abandon()
    return decoding.result(poster)


@dataclass(frozen=True)
class _Source:
    """The upload's streams as read: its first video and audio (if any), the output rate."""

    video: Any
    audio: Any
    rate: Fraction

    @property
    def streams(self) -> list[Any]:
        return [self.video] if self.audio is None else [self.video, self.audio]


def _source(container: Any) -> _Source:
    """The streams to decode, their header checked against the limits."""
    if not container.streams.video:
        raise Rejected("unsupported_format", "the file holds no video stream")
    video = container.streams.video[0]
    audio = container.streams.audio[0] if container.streams.audio else None
    _check_header(container, video, audio)
    video.thread_type = "AUTO"
    rate = Fraction(video.average_rate or 30)
    rate = min(rate, Fraction(OUTPUT_FPS_CAP)) if rate > 0 else Fraction(30)
    return _Source(video, audio, rate)


@dataclass
class _Decoding:
    """One pass over the decoded frames: each held to the limits as it comes, then encoded
    into every output (which start with the first picture; sound before it waits)."""

    source: _Source
    workdir: Path
    preset: Preset
    outputs: dict[int, _Output] = field(default_factory=dict)
    poster: Image.Image | None = None
    started: float = field(default_factory=time.monotonic)
    first_time: float | None = None  # timestamps may start anywhere: lengths count from here
    first_heard: float | None = None
    last_time: float = 0.0
    frames: int = 0
    early_audio: list[Any] = field(default_factory=list)
    rotation: int = 0  # the display matrix's, read from the first picture
    samples: list[Image.Image] = field(default_factory=list)
    next_sample: float = 0.0  # seconds from the first picture
    resampler: Any = field(init=False)

    def __post_init__(self) -> None:
        self.resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)

    def take(self, stream: Any, frame: Any) -> None:
        if time.monotonic() - self.started > DECODE_DEADLINE_SECONDS:
            raise Rejected("corrupt", "decoding took too long")
        if stream is self.source.audio:
            self._hear(frame)
        else:
            self._see(frame)

    def _hear(self, frame: Any) -> None:
        heard = float(frame.time or 0.0)
        self.first_heard = heard if self.first_heard is None else self.first_heard
        if heard - self.first_heard > MAX_SECONDS + _SLACK_SECONDS:
            raise Rejected("too_long", f"sound past {MAX_SECONDS:.0f} s")
        samples = self.resampler.resample(frame)
        if not self.outputs:
            self.early_audio += samples  # before the first picture: kept for it
        for output in self.outputs.values():
            output.add_audio(samples)

    def _see(self, frame: Any) -> None:
        self.frames += 1
        if self.frames > MAX_FRAMES:
            raise Rejected("corrupt", f"more than {MAX_FRAMES} frames")
        _check_frame(frame)
        moment = float(frame.time if frame.time is not None else self.frames / self.source.rate)
        self.first_time = moment if self.first_time is None else self.first_time
        self.last_time = moment - self.first_time
        if self.last_time > MAX_SECONDS + _SLACK_SECONDS:
            raise Rejected("too_long", f"over {MAX_SECONDS:.0f} s")
        if not self.outputs:
            self._start_outputs(frame)
        if self.last_time >= self.next_sample:
            self._sample(frame)
        for output in self.outputs.values():
            output.add_video(frame, self.last_time)

    def _sample(self, frame: Any) -> None:
        """Keep this frame, small, for moderation; the next one SAMPLE_SECONDS on (or the
        first after a gap)."""
        width, height = imaging.sample_size((frame.width, frame.height))
        self.samples.append(_turn(frame.to_image(width=width, height=height), self.rotation))
        self.next_sample = (self.last_time // SAMPLE_SECONDS + 1) * SAMPLE_SECONDS

    def _start_outputs(self, first: Any) -> None:
        """The poster and one output an edge, from the first picture (and the sound so far)."""
        rotation = self.rotation = int(first.rotation or 0) % 360
        self.poster = _turn(first.to_image(), rotation)
        with_audio = self.source.audio is not None
        self.outputs = {
            edge: _Output(
                self.workdir / f"{edge}.mp4",
                first,
                rotation,
                edge,
                self.source.rate,
                with_audio,
                self.preset,
            )
            for edge in OUTPUTS
        }
        for output in self.outputs.values():
            output.add_audio(self.early_audio)

    def finish(self) -> Image.Image:
        """The outputs closed once every frame is in, or `corrupt` if the video fell short;
        the poster frame."""
        if not self.outputs or self.poster is None:
            raise Rejected("corrupt", "no video frame could be decoded")
        declared = _seconds(self.source.video) or 0.0  # the video's own: its sound may be longer
        if self.last_time + 1 / float(self.source.rate) < declared - _SLACK_SECONDS:
            raise Rejected(
                "corrupt", f"the video ends at {self.last_time:.1f} s of {declared:.1f} s"
            )
        for output in self.outputs.values():
            output.close()
        return self.poster

    def abandon(self) -> None:
        """Close what `finish` did not (no-op for the outputs it did)."""
        for output in self.outputs.values():
            output.abandon()

    def result(self, poster: Image.Image) -> Transcoded:
        duration = self.last_time + 1 / float(self.source.rate)
        rendered = imaging.render_pixels(poster, preset=self.preset)
        return Transcoded(
            rendered.width,
            rendered.height,
            round(duration * 1000),
            {edge: output.path for edge, output in self.outputs.items()},
            rendered,
            self.source.audio is not None,
            tuple(self.samples),
        )


def _check_header(container: Any, video: Any, audio: Any) -> None:
    codec = video.codec_context.name
    if codec not in VIDEO_CODECS:
        raise Rejected("unsupported_format", f"video codec {codec} is not accepted")
    if audio is not None and audio.codec_context.name not in AUDIO_CODECS:
        raise Rejected("unsupported_format", f"audio codec {audio.codec_context.name}")
    width, height = video.codec_context.width, video.codec_context.height
    if max(width, height) > MAX_EDGE or width * height > MAX_PIXELS:
        raise Rejected("too_many_pixels", f"{width}x{height} frames")
    seconds = container.duration / av.time_base if container.duration else 0.0
    if seconds > MAX_SECONDS + _SLACK_SECONDS:
        raise Rejected("too_long", f"{seconds:.1f} s is over {MAX_SECONDS:.0f} s")
    if video.frames and video.frames > MAX_FRAMES:
        raise Rejected("corrupt", f"the header claims {video.frames} frames")
    if video.average_rate and video.average_rate > MAX_FPS:
        raise Rejected("unsupported_format", f"{float(video.average_rate):.0f} frames a second")


def _seconds(stream: Any) -> float | None:
    """A stream's duration as its header states it, in seconds (None if it does not)."""
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _check_frame(frame: Any) -> None:
    if max(frame.width, frame.height) > MAX_EDGE or frame.width * frame.height > MAX_PIXELS:
        raise Rejected("too_many_pixels", f"a {frame.width}x{frame.height} frame")


def _turn(image: Image.Image, rotation: int) -> Image.Image:
    """The display matrix's counter-clockwise rotation, applied to a poster frame."""
    method = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }.get(rotation)
    return image.transpose(method) if method is not None else image


def output_size(width: int, height: int, short_edge: int) -> tuple[int, int]:
    """`width` x `height` scaled so the short edge is `short_edge` (never up), both even."""
    scale = min(1.0, short_edge / min(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


@dataclass
class _Output:
    """One MP4: a filter graph (turn, scale, preset) into libx264, and AAC audio."""

    path: Path
    template: Any
    rotation: int
    short_edge: int
    rate: Fraction
    with_audio: bool
    preset: Preset
    _last_pts: int = -1
    _closed: bool = False
    _container: Any = field(init=False)
    _graph: Any = field(init=False)
    _video: Any = field(init=False)
    _audio: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        turned = (self.template.height, self.template.width) if self.rotation in (90, 270) else (
            self.template.width, self.template.height)  # fmt: skip
        width, height = output_size(*turned, self.short_edge)
        self._container = av.open(
            str(self.path), "w", format="mp4", options={"movflags": "+faststart"}
        )
        self._video = self._container.add_stream("libx264", rate=self.rate)
        self._video.width, self._video.height = width, height
        self._video.pix_fmt = "yuv420p"
        # x264's frame threads (PyAV's default is slices: bigger files, slower)
        self._video.codec_context.thread_type = "AUTO"
        self._video.time_base = Fraction(1, 90_000)
        self._video.codec_context.time_base = Fraction(1, 90_000)
        bitrate = OUTPUTS[self.short_edge]
        self._video.options = {
            **X264_OPTIONS,
            "maxrate": str(bitrate),
            "bufsize": str(2 * bitrate),
        }
        if self.with_audio:
            self._audio = self._container.add_stream("aac", rate=AUDIO_RATE)
            self._audio.bit_rate = AUDIO_BITRATE
            self._audio.layout = "stereo"
        self._graph = _graph(self.template, self.rotation, (width, height), self.preset)

    def add_video(self, frame: Any, seconds: float) -> None:
        self._graph.push(frame)
        for filtered in _pulled(self._graph):
            pts = round(seconds * 90_000)
            if pts <= self._last_pts:
                continue  # two frames at one instant: keep the first
            self._last_pts = pts
            filtered.pts, filtered.time_base = pts, Fraction(1, 90_000)
            # the decoder's frame type would force x264's (as `ffmpeg` does, let it choose)
            filtered.pict_type = PictureType.NONE
            self._container.mux(self._video.encode(filtered))

    def add_audio(self, frames: list[Any]) -> None:
        if self._audio is None:
            return
        for frame in frames:
            frame.pts = None
            self._container.mux(self._audio.encode(frame))

    def close(self) -> None:
        self._container.mux(self._video.encode(None))
        if self._audio is not None:
            self._container.mux(self._audio.encode(None))
        self._container.close()
        self._closed = True

    def abandon(self) -> None:
        if not self._closed:
            self._container.close()
            self._closed = True


def _graph(template: Any, rotation: int, size: tuple[int, int], preset: Preset) -> Any:
    graph = av.filter.Graph()
    nodes = [graph.add_buffer(template=template)]
    for name, arguments in _filters(rotation, size, preset):
        nodes.append(graph.add(name, arguments or None))
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


def _filters(rotation: int, size: tuple[int, int], preset: Preset) -> list[tuple[str, str]]:
    """FFmpeg's filters for one output: turned upright, scaled, the preset, 4:2:0."""
    chain: list[tuple[str, str]] = []
    chain += {
        90: [("transpose", "cclock")],
        180: [("hflip", ""), ("vflip", "")],
        270: [("transpose", "clock")],
    }.get(rotation, [])
    chain.append(("scale", f"{size[0]}:{size[1]}:flags=lanczos"))
    if not preset.is_identity:
        chain.append(("format", "rgb24"))
        if preset.matrix != IDENTITY:
            names = ("rr", "rg", "rb", "gr", "gg", "gb", "br", "bg", "bb")
            values = [value for row in preset.matrix for value in row]
            chain.append(
                (
                    "colorchannelmixer",
                    ":".join(f"{n}={v:.6f}" for n, v in zip(names, values, strict=True)),
                )
            )
        if preset.curves != (STRAIGHT, STRAIGHT, STRAIGHT):
            red, green, blue = (_lut_expression(curve) for curve in preset.curves)
            chain.append(("lutrgb", f"r='{red}':g='{green}':b='{blue}'"))
    chain.append(("format", "yuv420p"))
    return chain


def _lut_expression(curve: Curve) -> str:
    """A tone curve as FFmpeg's expression of `val` (0..255), straight lines between points,
    rounded as `Preset.lookup_table` rounds (lutrgb truncates what the expression gives)."""
    expression = f"{curve[-1][1]}"
    for (x0, y0), (x1, y1) in reversed(list(itertools.pairwise(curve))):
        slope = (y1 - y0) / (x1 - x0)
        line = f"({y0}+{slope}*(val/255-{x0}))"
        expression = f"if(lte(val/255,{x1}),{line},{expression})"
    return f"floor(clip({expression},0,1)*255+0.5)"


def _pulled(graph: Any) -> Iterator[Any]:
    while True:
        try:
            yield graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
