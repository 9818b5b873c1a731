"""Untrusted upload bytes → re-encoded renditions. The only code that decodes user images.

Pure (bytes in, bytes out), so the hostile-input tests drive it directly. Pillow, pillow-heif
and blurhash ship with the thumbnailer function only (`functions/thumbnailer/requirements.txt`):
nothing else may import this module.

Defences, in order: the magic bytes must match the declared type; Pillow may only try that
one format; width x height from the header must fit the pixel budget before anything is
decoded; truncated data is an error, never padded; any decoder failure is `corrupt`.
Output is rebuilt from pixels only (orientation applied, sRGB, first frame), so no EXIF, GPS,
XMP, ICC, comment or trailing payload of the upload can reach a rendition.

Speed (docs/benchmarks.md, thumbnails): JPEG shrinks on load, and the rest is split over `THREADS`.
"""

from __future__ import annotations

import io
import os
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, lru_cache

import blurhash
from PIL import Image, ImageCms, ImageFile

from glimpse import snapstart
from glimpse.media.filters import IDENTITY, PRESETS, Preset
from glimpse.media.limits import PIXEL_BUDGET, RENDITION_SIZES, RejectReason

JPEG_QUALITY = 82
BACKGROUND = (255, 255, 255)  # what transparent pixels become
BLURHASH_COMPONENTS = (4, 3)
RESAMPLE = Image.Resampling.LANCZOS  # the cheaper filters cost quality (the benchmark's PSNR)
# A full decode (PNG, HEIC...) far above the target is first box-reduced by an integer factor,
# leaving at least this ratio for Lanczos (Pillow's `reducing_gap`); JPEG shrinks on load.
REDUCING_GAP = 3.0
# Threads for the work that splits: strips of the first resize, the four encodes, HEVC tiles.
# Pillow and libheif release the GIL; the thumbnailer's memory setting gives it two vCPUs.
THREADS = max(1, min(4, os.cpu_count() or 1))
# The long edge of the pixels kept for whoever needs the picture after its renditions without
# decoding the upload again: automatic moderation (`Rendered.sample`, a video's frames).
SAMPLE_EDGE = 640

# Pillow's own bomb guard agrees with ours: it raises at twice the budget; below that, our
# check after the header rejects, so its warning at once the budget is noise.
Image.MAX_IMAGE_PIXELS = PIXEL_BUDGET
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Declared content type → the only Pillow format that may open it.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Image formats we recognise but do not accept.
_OTHER_IMAGES = (
    b"BM",  # BMP
    b"II*\x00",  # TIFF
    b"MM\x00*",  # TIFF
    b"\x00\x00\x01\x00",  # ICO
    b"8BPS",  # PSD
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL ",  # JPEG XL container
    b"qoif",  # QOI
)
_SRGB = ImageCms.createProfile("sRGB")


@cache
def _register_heif() -> None:
    """pillow-heif (libheif, about a sixth of the thumbnailer's import) with the first HEIC:
    most uploads are JPEG and never need it (with SnapStart, before the snapshot)."""
    import pillow_heif

    pillow_heif.register_heif_opener(decode_threads=THREADS)


snapstart.prime(_register_heif)


class Rejected(Exception):
    """The upload cannot become renditions; `reason` is the code API.md reports."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: RejectReason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rendered:
    width: int  # as displayed (orientation applied)
    height: int
    renditions: dict[int, bytes]  # rendition size (long edge) → progressive JPEG
    blurhash: str
    # The rendition nearest SAMPLE_EDGE (not below it) as pixels, filter applied: what
    # automatic moderation scores.
    sample: Image.Image


def sniff(data: bytes) -> str | None:
    """The content type the magic bytes say, among the allowed ones; None if no allowed type."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return None


def sniff_video(data: bytes) -> str | None:
    """The video container the magic bytes say (MP4, QuickTime, WebM), or None."""
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if data[4:8] == b"ftyp":
        if data[8:12] == b"qt  ":
            return "video/quicktime"
        return None if data[8:12] in _HEIC_BRANDS or data[8:12] == b"avif" else "video/mp4"
    if data[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "video/quicktime"
    return None


def _looks_like_other_image(data: bytes) -> bool:
    return data.startswith(_OTHER_IMAGES) or (data[4:8] == b"ftyp" and data[8:12] == b"avif")


def check_type(data: bytes, declared: str) -> None:
    """Magic bytes against the declared type, before any decoder sees the data."""
    actual = sniff(data[:16])
    if actual is None:
        video = sniff_video(data[:16])
        if video is not None:
            raise Rejected("unsupported_format", f"declared {declared} but the file is {video}")
        if _looks_like_other_image(data[:16]):
            raise Rejected("unsupported_format", "an image format Glimpse does not accept")
        raise Rejected("not_an_image", "the file does not start like any image")
    if actual != declared:
        raise Rejected("unsupported_format", f"declared {declared} but the file is {actual}")


def render(
    data: bytes,
    declared: str,
    sizes: tuple[int, ...] = RENDITION_SIZES,
    preset: Preset = PRESETS["none"],
) -> Rendered:
    """Renditions of an upload, with `preset` applied to each, or :class:`Rejected` with
    API.md's reason."""
    check_type(data, declared)
    if declared == "image/heic":
        _register_heif()
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[declared]]) as image:
            width, height = image.size
            if width * height > PIXEL_BUDGET:
                raise Rejected(
                    "too_many_pixels", f"{width}x{height} is over {PIXEL_BUDGET:,} pixels"
                )
            return _render(image, sizes, preset)
    except Rejected:
        raise
    except Image.DecompressionBombError as exc:
        raise Rejected("too_many_pixels", str(exc)) from exc
    except Exception as exc:  # any decoder failure on untrusted bytes is `corrupt`
        raise Rejected("corrupt", f"{type(exc).__name__}: {exc}") from exc


def render_pixels(
    image: Image.Image,
    sizes: tuple[int, ...] = RENDITION_SIZES,
    preset: Preset = PRESETS["none"],
) -> Rendered:
    """Renditions of pixels decoded elsewhere (a video's poster frame), as `render` makes
    them from a file."""
    return _render(image, sizes, preset)


def _render(image: Image.Image, sizes: tuple[int, ...], preset: Preset) -> Rendered:
    original = image.size
    largest = max(sizes)
    if image.format == "JPEG":
        # Shrink-on-load: libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the target.
        image.draft("RGB", _fit(original, largest))
    image.load()  # the first frame only; truncated or corrupt data raises here
    orientation = image.getexif().get(_ORIENTATION, 1)
    pixels = _flatten(image)
    transform = _srgb_transform(image.info.get("icc_profile"), pixels.mode)
    base = _to_base(pixels, _fit(original, largest), transform, orientation, preset)
    base.info = {}  # nothing of the upload's metadata travels on (Pillow copies `info`)
    displayed = base.size if max(original) <= largest else _oriented_size(original, orientation)

    # Each rendition is encoded on the pool while the next is resized from it.
    encoded: dict[int, Future[bytes]] = {}
    current = sample = base
    for size in sorted(sizes, reverse=True):
        wanted = _fit(displayed, size)
        if current.size != wanted:
            current = current.resize(wanted, RESAMPLE)
        encoded[size] = _pool().submit(_jpeg, current)
        if size >= SAMPLE_EDGE:
            sample = current
    hashed = _blurhash(current)
    renditions = {size: future.result() for size, future in encoded.items()}
    return Rendered(displayed[0], displayed[1], renditions, hashed, sample)


def sample_size(size: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down to SAMPLE_EDGE (a video frame sampled for moderation)."""
    return _fit(size, SAMPLE_EDGE)


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Made on first use (after a SnapStart restore, never in the snapshot)."""
    return ThreadPoolExecutor(THREADS, thread_name_prefix="render")


def _to_base(
    pixels: Image.Image,
    size: tuple[int, int],
    transform: ImageCms.ImageCmsTransform | None,
    orientation: int,
    preset: Preset = PRESETS["none"],
) -> Image.Image:
    """`pixels` at `size`, in sRGB, filtered, oriented: resized, colour-managed, filtered and
    turned in horizontal strips, one per thread. A strip's box is its rows' span of the source
    and Pillow's resampling reads beyond a box, so the strips make one resize of the whole (to
    within 1/255 on a few pixels: the box's float rounding)."""
    reduce_by = int(min(pixels.width / size[0], pixels.height / size[1]) / REDUCING_GAP)
    if reduce_by >= 2:
        pixels = pixels.reduce(reduce_by)
    scale = pixels.height / size[1]

    def strip(top: int, bottom: int) -> Image.Image:
        part = pixels
        if pixels.size != size:
            box = (0.0, top * scale, float(pixels.width), bottom * scale)
            part = pixels.resize((size[0], bottom - top), RESAMPLE, box=box)
        if transform is not None:
            part = ImageCms.applyTransform(part, transform)  # type: ignore[assignment]
        elif part.mode != "RGB":
            part = part.convert("RGB")
        if not preset.is_identity:
            part = _apply(part, preset)
        return _orient(part, orientation)

    rows = _strips(size[1], THREADS) if pixels.size != size else [(0, size[1])]
    if len(rows) == 1:
        return strip(*rows[0])
    parts = _pool().map(lambda span: strip(*span), rows)
    whole = Image.new("RGB", _oriented_size(size, orientation))
    for (top, bottom), part in zip(rows, parts, strict=True):
        whole.paste(part, _strip_origin(top, bottom, size[1], orientation))
    return whole


def _apply(image: Image.Image, preset: Preset) -> Image.Image:
    """The preset's matrix, then its curves (glimpse.media.filters), on RGB pixels."""
    if preset.matrix != IDENTITY:
        matrix = tuple(value for row in preset.matrix for value in (*row, 0.0))
        image = image.convert("RGB", matrix=matrix)
    return image.point(_lookup_table(preset.name))


@cache
def _lookup_table(name: str) -> list[int]:
    return PRESETS[name].lookup_table()


def _strip_origin(top: int, bottom: int, height: int, orientation: int) -> tuple[int, int]:
    """Where rows `top:bottom` of an image `height` rows high land once it is oriented."""
    if orientation in (3, 4):  # turned upside down
        return 0, height - bottom
    if orientation in (5, 8):  # rows become columns, first first
        return top, 0
    if orientation in (6, 7):  # rows become columns, first last
        return height - bottom, 0
    return 0, top


def _strips(height: int, count: int) -> list[tuple[int, int]]:
    """`count` (or fewer) row spans covering `height` rows; none thinner than 64 rows."""
    step = max(64, -(-height // count))
    return [(top, min(height, top + step)) for top in range(0, height, step)]


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """`size` scaled down so its long edge is `long_edge`; never scaled up."""
    width, height = size
    scale = long_edge / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


_ORIENTATION = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orient(image: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return image.transpose(method) if method is not None else image


def _oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def _flatten(image: Image.Image) -> Image.Image:
    """8-bit L, RGB or CMYK pixels: palettes expanded, 16-bit scaled, alpha over white."""
    mode = image.mode
    if mode.startswith("I"):  # 16/32-bit integer grey: scale, do not clip
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if mode in ("1", "F"):
        return image.convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    elif mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if "A" in mode or "a" in mode else "RGB")
    if image.mode in ("LA", "RGBA"):
        flat_mode = "L" if image.mode == "LA" else "RGB"
        background = Image.new(
            flat_mode, image.size, BACKGROUND[0] if flat_mode == "L" else BACKGROUND
        )
        background.paste(image.convert(flat_mode), mask=image.getchannel("A"))
        return background
    return image


@lru_cache(maxsize=16)
def _srgb_transform(icc_profile: bytes | None, mode: str) -> ImageCms.ImageCmsTransform | None:
    """The embedded profile → sRGB transform; None without a usable profile (the pixels are
    taken as sRGB). Cached: a phone's uploads all carry the same few profiles. NOCACHE makes
    LittleCMS's transform safe to apply from several threads at once."""
    if not icc_profile:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.buildTransform(source, _SRGB, mode, "RGB", flags=ImageCms.Flags.NOCACHE)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken or mismatched profile: fall back to a plain conversion


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return out.getvalue()


def _blurhash(image: Image.Image) -> str:
    small = image.resize(_fit(image.size, 32), Image.Resampling.BOX)
    width, height = small.size
    pixels = list(small.get_flattened_data())
    rows = [pixels[row * width : (row + 1) * width] for row in range(height)]
    x, y = BLURHASH_COMPONENTS if width >= height else BLURHASH_COMPONENTS[::-1]
    return str(blurhash.encode(rows, components_x=x, components_y=y))
