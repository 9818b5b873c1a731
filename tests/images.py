"""Images made by the tests: ordinary photos and the hostile inputs the thumbnailer must survive.

Nothing here is a checked-in binary: every file is generated, so what each one is stays
readable in code. The checks at the bottom read renditions back (markers, pixels, metadata).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from glimpse.media.filters import Preset

# Displayed-image quadrant colours used by the orientation tests.
RED, GREEN, BLUE, YELLOW = (230, 20, 20), (20, 200, 20), (20, 20, 230), (240, 220, 20)
# For each EXIF orientation, the transpose that turns the displayed image into the stored one
# (the inverse of what a viewer applies).
STORED_FROM_DISPLAYED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def photo(width: int, height: int) -> Image.Image:
    """A photo-like RGB image: gradients and shapes, so JPEG has real work to do."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    step = max(8, min(width, height) // 12)
    for i, x in enumerate(range(0, width, step)):
        draw.ellipse(
            (x, (i * 37) % height, x + step * 2, (i * 37) % height + step),
            fill=(i * 53 % 256, i * 29 % 256, 160),
        )
    return image


def quadrants(width: int = 600, height: int = 400) -> Image.Image:
    """Displayed image: red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    draw.rectangle((0, 0, half_w, half_h), fill=RED)
    draw.rectangle((half_w, 0, width, half_h), fill=GREEN)
    draw.rectangle((0, half_h, half_w, height), fill=BLUE)
    draw.rectangle((half_w, half_h, width, height), fill=YELLOW)
    return image


def drawn_figure(width: int = 640, height: int = 800) -> Image.Image:
    """A crude cartoon of a bare torso, made of ellipses: a skin-toned body and face, two
    breasts with nipples, softened. Nothing real is pictured, yet NudeNet's detector (the
    local moderation model) scores it FEMALE_BREAST_EXPOSED at about 0.8: the tests' way to
    see the real model flag an upload without any image from outside."""
    skin, breast, edge = (224, 172, 140), (230, 178, 146), (200, 148, 116)
    image = Image.new("RGB", (width, height), (90, 120, 160))
    draw = ImageDraw.Draw(image)

    def ellipse(left: float, top: float, right: float, bottom: float, **style: Any) -> None:
        draw.ellipse((width * left, height * top, width * right, height * bottom), **style)

    ellipse(0.25, 0.25, 0.75, 0.95, fill=skin)  # body
    ellipse(0.38, 0.02, 0.62, 0.27, fill=skin)  # head
    ellipse(0.44, 0.11, 0.48, 0.13, fill=(40, 30, 30))  # eyes
    ellipse(0.52, 0.11, 0.56, 0.13, fill=(40, 30, 30))
    ellipse(0.47, 0.19, 0.53, 0.21, fill=(180, 60, 70))  # mouth
    for centre in (0.40, 0.60):
        ellipse(centre - 0.09, 0.38, centre + 0.09, 0.52, fill=breast, outline=edge)
        ellipse(centre - 0.015, 0.45, centre + 0.015, 0.47, fill=(170, 100, 90))
    return image.filter(ImageFilter.GaussianBlur(3))


def jpeg(width: int = 1600, height: int = 1200, quality: int = 90) -> bytes:
    return encode(photo(width, height), "JPEG", quality=quality)


def oriented_jpeg(orientation: int, size: tuple[int, int] = (600, 400)) -> bytes:
    """A JPEG stored so that applying EXIF `orientation` shows :func:`quadrants`."""
    stored = quadrants(*size)
    method = STORED_FROM_DISPLAYED[orientation]
    if method is not None:
        stored = stored.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


def jpeg_with_private_metadata() -> bytes:
    """GPS position, camera, XMP and a comment: none of it may reach a rendition."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "SecretSoftware"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 22.0, 12.5), 3: "E", 4: (4.0, 53.0, 30.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>SecretXmp</rdf:RDF></x:xmpmeta>'
    return encode(
        photo(800, 600), "JPEG", quality=90, exif=exif.tobytes(), comment=b"SecretComment", xmp=xmp
    )


PRIVATE_MARKERS = (b"SecretCam", b"SecretSoftware", b"SecretXmp", b"SecretComment", b"GPS")


def display_p3() -> bytes:
    """The Display P3 profile phones embed (libvips, a dev dependency, has it built in)."""
    import pyvips

    pixel = pyvips.Image.black(8, 8, bands=3).copy(interpretation="srgb")
    return bytes(pixel.icc_export(output_profile="p3").get("icc-profile-data"))


def cmyk_jpeg() -> bytes:
    """Pure red in CMYK (no cyan, full magenta and yellow)."""
    return encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG", quality=95)


def png_16bit() -> bytes:
    """16-bit grey at 50 %: a naive conversion clips it to white."""
    return encode(Image.new("I;16", (300, 200), 128 * 257), "PNG")


def png_with_alpha() -> bytes:
    """Left half opaque blue, right half fully transparent (must become white)."""
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 149, 199), fill=(20, 20, 230, 255))
    return encode(image, "PNG")


def animated_gif(frames: int = 300) -> bytes:
    """Hundreds of frames; the first is red, every other one is not."""
    first = Image.new("P", (120, 80))
    first.putpalette([230, 20, 20, 20, 20, 230] + [0] * 762)
    others = []
    for i in range(frames - 1):
        frame = Image.new("P", (120, 80), 1)
        frame.putpalette([230, 20, 20, 20, 20, 230] + [0] * 762)
        ImageDraw.Draw(frame).point((i % 120, 0), fill=0)
        others.append(frame)
    return encode(first, "GIF", save_all=True, append_images=others, duration=20, loop=0)


def webp() -> bytes:
    return encode(photo(900, 600), "WEBP", quality=80)


def heic() -> bytes:
    """Encoded by pillow-heif directly: registering its Pillow plugin here would hide a
    renderer that forgot to."""
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(photo(1200, 800)).save(out, quality=70)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of `width` x `height` zero pixels: tiny file, huge when decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    rows_per_block = max(1, (1 << 20) // len(row))
    data = bytearray()
    for start in range(0, height, rows_per_block):
        data += compressor.compress(row * min(rows_per_block, height - start))
    data += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", bytes(data))
        + chunk(b"IEND", b"")
    )


def jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A small valid JPEG whose frame header (SOF0) claims `width` x `height`."""
    data = bytearray(encode(photo(64, 48), "JPEG", quality=80))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = jpeg(800, 600)
    return data[: len(data) // 2]


def jpeg_zip_polyglot() -> bytes:
    """A JPEG that is also a ZIP archive (the archive appended after the image)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", "<script>alert('polyglot')</script>")
    return jpeg(400, 300) + archive.getvalue()


def bmp() -> bytes:
    return encode(photo(100, 80), "BMP")


@dataclass(frozen=True)
class Hostile:
    """One hostile input: its bytes, the content type the client declares, the expected end."""

    name: str
    make: Callable[[], bytes]
    declared: str
    reason: str | None  # None: it must end `ready`


HOSTILE = [
    Hostile("png_bomb_900mp", lambda: png_bomb(30_000, 30_000), "image/png", "too_many_pixels"),
    Hostile("png_bomb_64mp", lambda: png_bomb(8_000, 8_000), "image/png", "too_many_pixels"),
    Hostile(
        "jpeg_declares_65000x65000",
        lambda: jpeg_with_declared_size(65_000, 65_000),
        "image/jpeg",
        "too_many_pixels",
    ),
    Hostile("truncated_jpeg", truncated_jpeg, "image/jpeg", "corrupt"),
    Hostile("zero_bytes", lambda: b"", "image/jpeg", "not_an_image"),
    Hostile(
        "text_as_jpeg", lambda: b"hello, I am not a picture\n" * 20, "image/jpeg", "not_an_image"
    ),
    Hostile("png_declared_as_jpeg", png_with_alpha, "image/jpeg", "unsupported_format"),
    Hostile("bmp_declared_as_jpeg", bmp, "image/jpeg", "unsupported_format"),
    Hostile("jpeg_zip_polyglot", jpeg_zip_polyglot, "image/jpeg", None),
    Hostile("animated_gif_300_frames", animated_gif, "image/gif", None),
    Hostile("cmyk_jpeg", cmyk_jpeg, "image/jpeg", None),
    Hostile("png_16bit", png_16bit, "image/png", None),
    Hostile("png_with_alpha", png_with_alpha, "image/png", None),
    Hostile("jpeg_with_gps_xmp_comment", jpeg_with_private_metadata, "image/jpeg", None),
]


# ----------------------------------------------------------------------------- checks
def jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's segments, up to the start of scan data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, offset = [], 2
    while offset < len(data):
        assert data[offset] == 0xFF, f"bad segment at {offset}"
        marker = data[offset + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        offset += 2 + length
    return markers


def assert_clean_progressive_jpeg(data: bytes) -> None:
    """Progressive, and no metadata segment but the JFIF header (no EXIF/XMP/ICC/comment)."""
    markers = jpeg_markers(data)
    assert 0xC2 in markers, "not progressive"
    metadata = [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]
    assert metadata == [], f"metadata segments {[hex(m) for m in metadata]}"
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    for secret in (*PRIVATE_MARKERS, b"PK\x03\x04"):
        assert secret not in data


def pixel(data: bytes, fx: float, fy: float) -> tuple[int, ...]:
    """The RGB pixel at fractional position (fx, fy) of an image file."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return tuple(rgb.getpixel((int(fx * (rgb.width - 1)), int(fy * (rgb.height - 1)))))  # type: ignore[arg-type]


def close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def filtered(preset: Preset, colour: tuple[int, int, int]) -> tuple[int, ...]:
    """A filter preset's definition worked by hand on one colour: the matrix, clipped to 8
    bits, then each channel's curve, straight between its points."""
    mixed = [
        min(255, max(0, round(sum(w * c for w, c in zip(row, colour, strict=True)))))
        for row in preset.matrix
    ]
    out = []
    for value, curve in zip(mixed, preset.curves, strict=True):
        x = value / 255
        for (x0, y0), (x1, y1) in pairwise(curve):
            if x <= x1:
                out.append(round((y0 + (y1 - y0) * (x - x0) / (x1 - x0)) * 255))
                break
    return tuple(out)
