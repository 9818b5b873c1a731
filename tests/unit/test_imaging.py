"""The image pipeline on generated inputs: ordinary photos, every orientation, hostile files."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms

from glimpse.media import imaging
from glimpse.media.filters import PRESETS
from glimpse.media.limits import RENDITION_SIZES
from tests import images
from tests.conftest import ROOT
from tests.images import BLUE, GREEN, HOSTILE, RED, YELLOW, Hostile


def test_renditions_have_the_four_long_edges_and_keep_the_aspect_ratio() -> None:
    rendered = imaging.render(images.jpeg(3000, 2000), "image/jpeg")
    assert (rendered.width, rendered.height) == (3000, 2000)
    sizes = {size: images.size_of(data) for size, data in rendered.renditions.items()}
    assert sizes == {1080: (1080, 720), 640: (640, 427), 320: (320, 213), 150: (150, 100)}
    for data in rendered.renditions.values():
        images.assert_clean_progressive_jpeg(data)


def test_small_images_are_never_upscaled() -> None:
    rendered = imaging.render(images.jpeg(200, 120), "image/jpeg")
    sizes = {size: images.size_of(data) for size, data in rendered.renditions.items()}
    assert sizes == {1080: (200, 120), 640: (200, 120), 320: (200, 120), 150: (150, 90)}


def test_blurhash_encodes_the_component_grid() -> None:
    import blurhash

    rendered = imaging.render(images.encode(images.quadrants(), "JPEG"), "image/jpeg")
    # 4x3 components: 1 size char + 1 max-AC char + 4 DC + 2 per AC component (11).
    assert len(rendered.blurhash) == 6 + 2 * 11
    decoded = blurhash.decode(rendered.blurhash, 4, 4)
    top_left, bottom_right = decoded[0][0], decoded[3][3]
    assert top_left[0] > top_left[2]  # reddish corner
    assert bottom_right[0] > bottom_right[2]
    assert bottom_right[1] > bottom_right[2]


@pytest.mark.parametrize("width", [600, 2400], ids=["one strip", "strips"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied_to_the_pixels(orientation: int, width: int) -> None:
    displayed = (width, width * 2 // 3)
    rendered = imaging.render(images.oriented_jpeg(orientation, displayed), "image/jpeg")
    assert (rendered.width, rendered.height) == displayed
    for size, data in rendered.renditions.items():
        edge = min(size, width)
        assert images.size_of(data) == (edge, round(edge * 2 / 3)), size
        corners = [
            images.pixel(data, x, y)
            for x, y in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))
        ]
        for actual, expected in zip(corners, (RED, GREEN, BLUE, YELLOW), strict=True):
            assert images.close(actual, expected), (orientation, size, actual, expected)
        images.assert_clean_progressive_jpeg(data)


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_inputs_end_ready_or_rejected_with_the_right_reason(hostile: Hostile) -> None:
    data = hostile.make()
    if hostile.reason is not None:
        with pytest.raises(imaging.Rejected) as raised:
            imaging.render(data, hostile.declared)
        assert raised.value.reason == hostile.reason
        return
    rendered = imaging.render(data, hostile.declared)
    assert set(rendered.renditions) == set(RENDITION_SIZES)
    for data_out in rendered.renditions.values():
        images.assert_clean_progressive_jpeg(data_out)


def test_animated_gif_uses_its_first_frame() -> None:
    rendered = imaging.render(images.animated_gif(), "image/gif")
    assert images.close(images.pixel(rendered.renditions[150], 0.5, 0.5), RED)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("size", [(1080, 720), (1080, 721), (333, 1079)])
def test_the_strips_make_one_resize_of_the_whole(size: tuple[int, int], orientation: int) -> None:
    """Resized, converted and turned in strips on the pool = the same done to the whole."""
    source = images.photo(2000, 1333)
    whole = imaging._orient(source.resize(size, imaging.RESAMPLE), orientation)
    strips = imaging._to_base(source, size, None, orientation)
    assert strips.size == whole.size
    worst = max(high for _low, high in ImageChops.difference(strips, whole).getextrema())
    assert worst <= 1  # the strips' float boxes round a few coefficients the other way


def test_an_embedded_profile_is_converted_to_srgb_in_every_strip() -> None:
    """Display P3 pixels become their sRGB values (LittleCMS's), top strip and bottom."""
    profile = images.display_p3()
    red, green = (200, 60, 40), (40, 160, 90)
    stored = Image.new("RGB", (2400, 1600), red)
    stored.paste(green, (0, 800, 2400, 1600))
    data = images.encode(stored, "JPEG", quality=95, icc_profile=profile)

    def in_srgb(colour: tuple[int, int, int]) -> tuple[int, ...]:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(
            Image.new("RGB", (1, 1), colour), source, ImageCms.createProfile("sRGB")
        )
        assert converted is not None
        return tuple(converted.getpixel((0, 0)))  # type: ignore[arg-type]

    assert not images.close(in_srgb(red), red, 10)  # P3's red is redder than sRGB's
    rendered = imaging.render(data, "image/jpeg")
    for rendition in rendered.renditions.values():
        assert images.close(images.pixel(rendition, 0.5, 0.25), in_srgb(red), 6)
        assert images.close(images.pixel(rendition, 0.5, 0.75), in_srgb(green), 6)
        images.assert_clean_progressive_jpeg(rendition)


def test_cmyk_becomes_rgb_with_the_same_colour() -> None:
    rendered = imaging.render(images.cmyk_jpeg(), "image/jpeg")
    assert images.close(images.pixel(rendered.renditions[320], 0.5, 0.5), (255, 0, 0), 30)


def test_16bit_grey_is_scaled_not_clipped() -> None:
    rendered = imaging.render(images.png_16bit(), "image/png")
    assert images.close(images.pixel(rendered.renditions[320], 0.5, 0.5), (128, 128, 128), 6)


def test_pillow_heif_loads_with_the_first_heic(tmp_path: Path) -> None:
    """In a fresh interpreter: importing the pipeline leaves pillow-heif unloaded (most uploads
    are JPEG), and a HEIC still renders: the pipeline registers it itself."""
    upload = tmp_path / "photo.heic"
    upload.write_bytes(images.heic())
    probe = (
        "import sys\n"
        "from glimpse.media import imaging\n"
        "before = 'pillow_heif' in sys.modules\n"
        "rendered = imaging.render(open(sys.argv[1], 'rb').read(), 'image/heic')\n"
        "print(before, rendered.width, rendered.height)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(upload)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "layers/common/python")},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.split() == ["False", "1200", "800"]


def test_transparency_is_flattened_on_white() -> None:
    rendered = imaging.render(images.png_with_alpha(), "image/png")
    assert images.close(images.pixel(rendered.renditions[320], 0.2, 0.5), BLUE, 30)
    assert images.close(images.pixel(rendered.renditions[320], 0.8, 0.5), (255, 255, 255), 8)


def test_heic_and_webp_are_accepted() -> None:
    cases = ((images.heic(), "image/heic", (1200, 800)), (images.webp(), "image/webp", (900, 600)))
    for data, declared, size in cases:
        rendered = imaging.render(data, declared)
        assert (rendered.width, rendered.height) == size
        assert max(images.size_of(rendered.renditions[640])) == 640
        images.assert_clean_progressive_jpeg(rendered.renditions[1080])


def test_metadata_and_trailing_payload_never_reach_a_rendition() -> None:
    source = images.jpeg_with_private_metadata()
    assert all(marker in source for marker in (b"SecretCam", b"SecretXmp", b"SecretComment"))
    rendered = imaging.render(source, "image/jpeg")
    for data in rendered.renditions.values():
        images.assert_clean_progressive_jpeg(data)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"GIF89a", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic", "image/heic"),
        (b"\x00\x00\x00\x18ftypavif", None),
        (b"BM\x00\x00", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes(head: bytes, expected: str | None) -> None:
    assert imaging.sniff(head) == expected


def test_an_avif_declared_as_heic_is_an_unsupported_format() -> None:
    with pytest.raises(imaging.Rejected) as raised:
        imaging.check_type(b"\x00\x00\x00\x18ftypavif" + b"\x00" * 32, "image/heic")
    assert raised.value.reason == "unsupported_format"


def test_the_benchmarks_libvips_engine_sizes_renditions_as_glimpse_does() -> None:
    from benchmarks.thumbnails import fit

    for size in ((4000, 3000), (3000, 4000), (8000, 6000), (1081, 7), (150, 150), (2000, 1333)):
        for edge in (*RENDITION_SIZES, 32):
            assert fit(size, edge) == imaging._fit(size, edge), (size, edge)


PATCHES = ((200, 60, 40), (40, 160, 90), (30, 60, 200), (235, 225, 140))


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_rendition_shows_the_presets_definition(name: str) -> None:
    layout = Image.new("RGB", (2400, 1600))
    for index, colour in enumerate(PATCHES):
        x, y = (index % 2) * 1200, (index // 2) * 800
        layout.paste(colour, (x, y, x + 1200, y + 800))
    rendered = imaging.render(
        images.encode(layout, "JPEG", quality=95), "image/jpeg", preset=PRESETS[name]
    )
    for rendition in rendered.renditions.values():
        for index, colour in enumerate(PATCHES):
            spot = (0.25 + 0.5 * (index % 2), 0.25 + 0.5 * (index // 2))
            actual = images.pixel(rendition, *spot)
            assert images.close(actual, images.filtered(PRESETS[name], colour), 5), (
                name,
                colour,
                actual,
            )


def test_the_presets_differ_from_the_photo_and_from_each_other() -> None:
    seen = {
        name: tuple(images.filtered(preset, colour) for colour in PATCHES)
        for name, preset in PRESETS.items()
    }
    assert seen["none"] == PATCHES
    assert len(set(seen.values())) == len(PRESETS)
    for name in ("mono", "noir"):
        assert all(len(set(pixel)) == 1 for pixel in seen[name])  # grey
