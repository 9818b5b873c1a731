"""The video pipeline on generated clips: outputs that play, rotation, filters, metadata, and
hostile files that end `rejected` with API.md's reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from glimpse.media import imaging, video
from glimpse.media.filters import PRESETS
from glimpse.media.imaging import Rejected
from tests import images, videos


def transcode(
    tmp_path: Path, data: bytes, declared: str = "video/mp4", preset: str = "none"
) -> video.Transcoded:
    source = tmp_path / "upload"
    source.write_bytes(data)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return video.transcode(source, declared, out, PRESETS[preset])


def test_a_clip_becomes_two_h264_aac_mp4s_that_play(tmp_path: Path) -> None:
    result = transcode(tmp_path, videos.clip(2.0, (1280, 720)))
    assert (result.width, result.height, result.has_audio) == (1280, 720, True)
    assert abs(result.duration_ms - 2000) <= 100
    for edge, size in ((720, (1280, 720)), (480, (854, 480))):
        data = result.videos[edge].read_bytes()
        probed = videos.probe(data)
        assert (probed["video"], probed["audio"], probed["size"]) == ("h264", ["aac"], size)
        assert abs(probed["seconds"] - 2.0) <= 0.1
        assert probed["frames"] == 50  # 25 fps, none lost or doubled
        assert data.index(b"moov") < data.index(b"mdat")  # faststart: plays while loading
    sizes = {size: images.size_of(jpeg) for size, jpeg in result.poster.renditions.items()}
    assert sizes == {1080: (1080, 608), 640: (640, 360), 320: (320, 180), 150: (150, 84)}
    assert result.poster.blurhash


def test_small_clips_are_never_upscaled_and_webm_is_accepted(tmp_path: Path) -> None:
    clip = videos.clip(
        1.0, (320, 240), container="webm", video_codec="libvpx-vp9", audio_codec="libopus"
    )
    result = transcode(tmp_path, clip, "video/webm")
    for edge in (720, 480):
        probed = videos.probe(result.videos[edge].read_bytes())
        assert (probed["size"], probed["audio"]) == ((320, 240), ["aac"])


@pytest.mark.parametrize(("rotation", "left", "right"), [(90, "red", "blue"), (270, "blue", "red")])
def test_the_display_rotation_is_applied_to_frames_and_poster(
    tmp_path: Path, rotation: int, left: str, right: str
) -> None:
    """Stored red above blue; turned counter-clockwise by 90, red is on the left."""
    result = transcode(tmp_path, videos.halves(rotation=rotation))
    assert (result.width, result.height) == (240, 320)
    colours = {"red": (255, 0, 0), "blue": (0, 0, 255)}
    frame = videos.first_frame(result.videos[720].read_bytes())
    assert frame.size == (240, 320)
    assert images.close(frame.getpixel((40, 160)), colours[left])
    assert images.close(frame.getpixel((200, 160)), colours[right])
    poster = result.poster.renditions[150]
    assert images.close(images.pixel(poster, 0.2, 0.5), colours[left])
    assert images.close(images.pixel(poster, 0.8, 0.5), colours[right])


def test_no_location_date_or_device_reaches_an_output(tmp_path: Path) -> None:
    tags = {**videos.GPS_TAGS, "creation_time": "2024-05-01T10:00:00Z"}
    clip = videos.clip(1.0, metadata=tags)
    assert b"SecretPhone" in clip
    assert b"48.8577" in clip
    result = transcode(tmp_path, clip)
    for path in result.videos.values():
        data = path.read_bytes()
        for secret in (b"SecretPhone", b"SecretModel", b"48.8577", b"2024-05-01", b"\xa9xyz"):
            assert secret not in data, secret
        assert set(videos.probe(data)["metadata"]) <= {
            "major_brand",
            "minor_version",
            "compatible_brands",
            "encoder",
        }
    for jpeg in result.poster.renditions.values():
        images.assert_clean_progressive_jpeg(jpeg)


@pytest.mark.parametrize("name", ["warm", "noir", "vintage"])
def test_a_preset_colours_the_frames_and_the_poster_as_defined(tmp_path: Path, name: str) -> None:
    colour = (200, 60, 40)
    expected = images.filtered(PRESETS[name], colour)
    result = transcode(tmp_path, videos.flat("0xC83C28"), preset=name)
    frame = videos.first_frame(result.videos[480].read_bytes())
    assert images.close(frame.getpixel((frame.width // 2, frame.height // 2)), expected, 8)
    poster = images.pixel(result.poster.renditions[320], 0.5, 0.5)
    assert images.close(poster, expected, 8)


@dataclass(frozen=True)
class Hostile:
    name: str
    make: Callable[[], bytes]
    declared: str
    reason: str


def _truncated() -> bytes:
    data = videos.clip(2.0)
    return data[: len(data) // 2]


def _truncated_faststart() -> bytes:
    """The index comes first and promises 2 s; the file ends after about one."""
    data = videos.clip(2.0, faststart=True)
    assert data.index(b"moov") < data.index(b"mdat")
    return data[: len(data) // 2]


def _wrong_codec() -> bytes:
    """The header says HEVC; the samples are H.264."""
    return videos.clip(1.0).replace(b"avc1", b"hvc1").replace(b"avcC", b"hvcC")


HOSTILE = [
    Hostile("truncated", _truncated, "video/mp4", "corrupt"),
    Hostile("truncated, index first", _truncated_faststart, "video/mp4", "corrupt"),
    Hostile("random bytes", lambda: b"\x00\x01garbage" * 500, "video/mp4", "not_an_image"),
    Hostile("text", lambda: b"not a video at all\n" * 100, "video/webm", "not_an_image"),
    Hostile(
        "a JPEG declared as video", lambda: images.jpeg(64, 64), "video/mp4", "unsupported_format"
    ),
    Hostile(
        "a WebM declared as MP4",
        lambda: videos.clip(
            0.5, (64, 64), container="webm", video_codec="libvpx-vp9", audio_codec=None
        ),
        "video/mp4",
        "unsupported_format",
    ),
    Hostile(
        "no video stream",
        lambda: videos.clip(1.0, video_codec=None),
        "video/mp4",
        "unsupported_format",
    ),
    Hostile(
        "absurd dimensions",
        lambda: videos.clip(0.2, (4200, 64), audio_codec=None),
        "video/mp4",
        "too_many_pixels",
    ),
    Hostile(
        "absurd frame rate",
        lambda: videos.clip(0.2, (64, 64), rate=480, audio_codec=None),
        "video/mp4",
        "unsupported_format",
    ),
    Hostile(
        "a second of picture, 61 of sound",
        lambda: videos.clip(1.0, (64, 64), rate=5, audio_seconds=61.0),
        "video/mp4",
        "too_long",
    ),
    Hostile(
        "61 seconds",
        lambda: videos.clip(61.0, (64, 64), rate=5, audio_codec=None),
        "video/mp4",
        "too_long",
    ),
    Hostile("header claims one codec, holds another", _wrong_codec, "video/mp4", "corrupt"),
]


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_videos_end_rejected_with_the_right_reason(
    tmp_path: Path, hostile: Hostile
) -> None:
    with pytest.raises(Rejected) as raised:
        transcode(tmp_path, hostile.make(), hostile.declared)
    assert raised.value.reason == hostile.reason, raised.value.detail


def test_a_video_declared_as_an_image_is_an_unsupported_format() -> None:
    with pytest.raises(Rejected) as raised:
        imaging.render(videos.clip(0.5, (64, 64), audio_codec=None), "image/jpeg")
    assert raised.value.reason == "unsupported_format"
    assert "video/mp4" in raised.value.detail


def test_sound_longer_than_the_picture_is_no_truncation(tmp_path: Path) -> None:
    result = transcode(tmp_path, videos.clip(1.0, (64, 64), audio_seconds=3.0))
    assert result.has_audio
    assert abs(result.duration_ms - 1000) <= 100


def test_a_sixty_second_clip_is_accepted(tmp_path: Path) -> None:
    result = transcode(tmp_path, videos.clip(60.0, (64, 64), rate=5, audio_codec=None))
    assert abs(result.duration_ms - 60_000) <= 100
    assert abs(videos.probe(result.videos[480].read_bytes())["seconds"] - 60.0) <= 0.1


def test_output_sizes_keep_the_aspect_and_are_even() -> None:
    assert video.output_size(1920, 1080, 720) == (1280, 720)
    assert video.output_size(1080, 1920, 480) == (480, 854)
    assert video.output_size(640, 360, 720) == (640, 360)  # never upscaled
    assert video.output_size(1001, 999, 480) == (480, 480)


def test_a_phones_hevc_quicktime_held_upright_is_accepted(tmp_path: Path) -> None:
    """As an iPhone writes a portrait clip: HEVC in QuickTime, display matrix turned -90°."""
    clip = videos.clip(1.0, (640, 360), container="mov", video_codec="libx265", rotation=-90)
    assert clip[4:12] == b"ftypqt  "
    result = transcode(tmp_path, clip, "video/quicktime")
    assert (result.width, result.height, result.has_audio) == (360, 640, True)
    probed = videos.probe(result.videos[720].read_bytes())
    assert (probed["video"], probed["size"]) == ("h264", (360, 640))
