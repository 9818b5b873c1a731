"""The demo's pictures: real photographs that scikit-image ships as sample data, cropped,
flipped and toned into as many distinct JPEGs as the world needs, and a short video panning
across one of them. Deterministic: the same index gives the same bytes.

Only the image files are read (Pillow opens them): scikit-image itself is never imported, so
it is installed without its dependencies (infra/demo/requirements.txt). Every photograph used
is in the public domain or CC0 (docs/demo.md lists each with its author).
"""

from __future__ import annotations

import importlib.util
import io
import random
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps


@dataclass(frozen=True)
class Photo:
    """A sample photograph: its file in skimage/data and what it shows."""

    file: str
    subject: str  # what the alt text says
    tags: tuple[str, ...]  # hashtags that suit it


PHOTOS = (
    Photo("astronaut.png", "an astronaut in a white suit in front of a flag", ("space", "nasa")),
    Photo("chelsea.png", "a tabby cat looking up", ("cats", "caturday")),
    Photo("coffee.png", "a cup of coffee on a saucer", ("coffee", "morning")),
    Photo("rocket.jpg", "a rocket on its launch pad", ("launch", "space")),
    Photo("hubble_deep_field.jpg", "galaxies scattered across a dark sky", ("stars", "nightsky")),
    Photo("brick.png", "an old brick wall", ("texture", "streets")),
    Photo("grass.png", "a patch of green grass", ("nature", "green")),
    Photo("gravel.png", "grey gravel on a path", ("texture", "walk")),
    Photo("camera.png", "a person with a camera on a tripod", ("blackandwhite", "photography")),
    Photo("coins.png", "old coins on a table", ("collection", "vintage")),
)


WIDTH = 720  # what a phone's feed shows (the 640 rendition) and a little more


class MissingPhotos(Exception):
    """scikit-image's sample data is not installed."""


@cache
def data_dir() -> Path:
    """skimage/data of the installed package, found without importing it."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise MissingPhotos(
            "scikit-image's sample photographs are not installed: run `make demo` "
            "(it installs infra/demo/requirements.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def original(photo: Photo) -> Image.Image:
    with Image.open(data_dir() / photo.file) as image:
        return image.convert("RGB")


def picture(index: int, shape: str = "square") -> tuple[Image.Image, Photo]:
    """The `index`-th picture: a photograph cropped (square, 4:5 portrait or 9:16 for a
    story) and scaled to WIDTH, maybe mirrored, toned a little; the photograph it came from."""
    rng = random.Random(index)
    photo = PHOTOS[index % len(PHOTOS)]
    image = original(photo)
    width, height = image.size
    ratio = {"square": 1.0, "portrait": 0.8, "story": 9 / 16}[shape]
    crop_h = int(min(height, width / ratio) * rng.uniform(0.7, 1.0))
    crop_w = int(crop_h * ratio)
    left = rng.randint(0, width - crop_w)
    top = rng.randint(0, height - crop_h)
    image = image.crop((left, top, left + crop_w, top + crop_h))
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    image = image.resize((WIDTH, round(WIDTH / ratio)), Image.Resampling.LANCZOS)
    image = ImageEnhance.Color(image).enhance(rng.uniform(0.8, 1.3))
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.9, 1.1))
    return image, photo


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def video(index: int, seconds: float = 2.0, rate: int = 12) -> bytes:
    """An H.264 MP4 (no sound) of `seconds` slowly panning down a photograph, 288x512."""
    import av  # the transcoder's dependency: loaded only when a video is made

    image, _ = picture(index, "square")
    size = (288, 512)
    tall = image.resize((size[0], int(size[0] * image.height / image.width * 2)))
    frames = int(seconds * rate)
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir, "story.mp4")
        with av.open(str(path), "w", format="mp4") as out:
            stream = out.add_stream("libx264", rate=rate)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            for n in range(frames):
                top = (tall.height - size[1]) * n // max(frames - 1, 1)
                frame = tall.crop((0, top, size[0], top + size[1]))
                picture_frame = av.VideoFrame.from_image(frame)  # type: ignore[no-untyped-call]
                for packet in stream.encode(picture_frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        return path.read_bytes()
