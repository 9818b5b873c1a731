"""Generated video clips for the transcoder's tests: FFmpeg's test pattern and a sine tone,
encoded by PyAV into whatever container, codec, size, rotation and metadata a test needs."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import av
from PIL import Image

GPS = "+48.8577+002.2950/"  # QuickTime ©xyz: the Eiffel Tower


def clip(
    seconds: float = 2.0,
    size: tuple[int, int] = (640, 360),
    rate: int = 25,
    container: str = "mp4",
    video_codec: str | None = "libx264",
    audio_codec: str | None = "aac",
    rotation: int = 0,
    metadata: dict[str, str] | None = None,
    source: str = "testsrc2",
    then: str = "",
    faststart: bool = False,
    audio_seconds: float | None = None,
) -> bytes:
    """A clip of `seconds` of `source` (an FFmpeg lavfi video source, followed by the
    filters `then`) with a 440 Hz tone."""
    width, height = size
    video_in = av.open(
        f"{source}{'=' if '=' not in source else ':'}size={width}x{height}:rate={rate}"
        f":duration={seconds}{then}",
        format="lavfi",
    )
    flags = "use_metadata_tags+faststart" if faststart else "use_metadata_tags"
    options = {"movflags": flags} if container in ("mp4", "mov") else {}
    with tempfile.TemporaryDirectory() as workdir:  # faststart rewrites the file: a real one
        path = Path(workdir, f"clip.{container}")
        _write(av.open(str(path), "w", format=container, options=options), video_in,
               audio_seconds or seconds, size, rate, video_codec, audio_codec, rotation,
               metadata)  # fmt: skip
        return path.read_bytes()


def _write(
    out: Any,
    video_in: Any,
    seconds: float,
    size: tuple[int, int],
    rate: int,
    video_codec: str | None,
    audio_codec: str | None,
    rotation: int,
    metadata: dict[str, str] | None,
) -> None:
    width, height = size
    for key, value in (metadata or {}).items():
        out.metadata[key] = value
    video = None
    if video_codec:
        video = out.add_stream(video_codec, rate=rate)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
    audio = None
    audio_in = None
    if audio_codec:
        audio_in = av.open(
            f"sine=frequency=440:sample_rate=48000:duration={seconds}", format="lavfi"
        )
        audio = out.add_stream(audio_codec, rate=48000)
    if video is not None:
        for frame in video_in.decode(video=0):
            frame = frame.reformat(format="yuv420p")
            frame.pts = None
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
    if audio is not None and audio_in is not None:
        resampler = av.AudioResampler(
            format=audio.codec_context.format, layout="stereo", rate=48000
        )
        for frame in audio_in.decode(audio=0):
            for resampled in resampler.resample(frame):
                resampled.pts = None
                for packet in audio.encode(resampled):
                    out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
        audio_in.close()
    video_in.close()
    out.close()


def flat(colour: str, seconds: float = 1.0, size: tuple[int, int] = (320, 240)) -> bytes:
    """A clip of one flat colour (an FFmpeg colour name or 0xRRGGBB), without audio."""
    return clip(seconds, size, audio_codec=None, source=f"color=c={colour}")


GPS_TAGS = {"location": GPS, "make": "SecretPhone", "model": "SecretModel"}


def halves(seconds: float = 1.0, rotation: int = 0) -> bytes:
    """Stored frames red above, blue below; `rotation` (counter-clockwise) as phones write."""
    return clip(
        seconds,
        (320, 240),
        audio_codec=None,
        rotation=rotation,
        source="color=c=red",
        then=",drawbox=x=0:y=120:w=320:h=120:color=blue:t=fill",
    )


def slideshow(pictures: list[tuple[Image.Image, float]], rate: int = 10) -> bytes:
    """An MP4 (H.264, no audio) showing each picture for its seconds, in order."""
    width, height = pictures[0][0].size
    out_file = io.BytesIO()
    with av.open(out_file, "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        for picture, seconds in pictures:
            for _ in range(round(seconds * rate)):
                frame = av.VideoFrame.from_image(picture.convert("RGB").resize((width, height)))
                for packet in video.encode(frame.reformat(format="yuv420p")):
                    out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
    return out_file.getvalue()


def first_frame(data: bytes) -> Any:
    """The first decoded frame of a file, as an RGB Pillow image (rotation not applied)."""
    with av.open(io.BytesIO(data)) as container:
        return next(container.decode(video=0)).to_image()


def probe(data: bytes) -> dict[str, Any]:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return {
            "format": container.format.name,
            "seconds": container.duration / av.time_base,
            "video": video.codec_context.name,
            "size": (video.width, video.height),
            "audio": [stream.codec_context.name for stream in container.streams.audio],
            "frames": frames,
            "metadata": dict(container.metadata),
        }
