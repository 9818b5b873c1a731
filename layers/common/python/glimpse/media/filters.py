"""The filter presets of `POST /media`, as data: what each does to a pixel.

A preset is a colour matrix, then a tone curve per channel, on 8-bit sRGB values. Both are
plain numbers so that one definition serves every engine: the thumbnailer applies them with
Pillow (`Image.convert` with a matrix, then `Image.point` with the curves' lookup table), a
video transcoder can hand the same numbers to FFmpeg's `colorchannelmixer` and `curves`. Pure
(no Pillow here): the media API lists the presets without loading an image library.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

FilterName = Literal["none", "vivid", "warm", "cool", "fade", "mono", "noir", "vintage"]

Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]
Curve = tuple[tuple[float, float], ...]  # (input, output) points in 0..1, inputs rising

IDENTITY: Matrix = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
STRAIGHT: Curve = ((0.0, 0.0), (1.0, 1.0))
_LUMA = (0.2126, 0.7152, 0.0722)  # Rec. 709, sRGB's primaries


@dataclass(frozen=True)
class Preset:
    name: FilterName
    description: str
    matrix: Matrix = IDENTITY  # output channel i = sum(matrix[i][j] * input channel j)
    curves: tuple[Curve, Curve, Curve] = (STRAIGHT, STRAIGHT, STRAIGHT)  # red, green, blue

    @property
    def is_identity(self) -> bool:
        return self.matrix == IDENTITY and self.curves == (STRAIGHT, STRAIGHT, STRAIGHT)

    def lookup_table(self) -> list[int]:
        """The curves as Pillow's `point` table: 256 values for red, then green, then blue."""
        return [_at(curve, value / 255) for curve in self.curves for value in range(256)]


def _saturation(amount: float) -> Matrix:
    """1 keeps the colours, 0 is grey of the same luminance, above 1 is more saturated."""
    rows = []
    for channel in range(3):
        rows.append(
            tuple(
                _LUMA[source] * (1 - amount) + (amount if source == channel else 0.0)
                for source in range(3)
            )
        )
    return rows[0], rows[1], rows[2]  # type: ignore[return-value]


def _mix(matrix: Matrix, weight: float) -> Matrix:
    """`matrix` blended with the identity: `weight` of it, the rest of the original."""
    rows = [
        tuple(weight * matrix[row][col] + (1 - weight) * IDENTITY[row][col] for col in range(3))
        for row in range(3)
    ]
    return rows[0], rows[1], rows[2]  # type: ignore[return-value]


def _at(curve: Curve, value: float) -> int:
    """The curve's output for `value` (0..1), as 0..255: straight lines between the points."""
    for (x0, y0), (x1, y1) in pairwise(curve):
        if value <= x1:
            y = y0 + (y1 - y0) * (value - x0) / (x1 - x0)
            return max(0, min(255, round(y * 255)))
    return max(0, min(255, round(curve[-1][1] * 255)))


_CONTRAST: Curve = ((0.0, 0.0), (0.25, 0.2), (0.75, 0.8), (1.0, 1.0))
_HARD: Curve = ((0.0, 0.0), (0.3, 0.15), (0.7, 0.85), (1.0, 1.0))
_FADED: Curve = ((0.0, 0.12), (1.0, 0.92))
_SEPIA: Matrix = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("none", "The photo as taken."),
        Preset(
            "vivid",
            "Richer colour and a little more contrast.",
            _saturation(1.35),
            (_CONTRAST, _CONTRAST, _CONTRAST),
        ),
        Preset(
            "warm",
            "Golden light: reds up, blues down.",
            ((1.08, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 0.86)),
        ),
        Preset(
            "cool",
            "Crisp daylight: blues up, reds down.",
            ((0.9, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.1)),
        ),
        Preset(
            "fade",
            "Soft, matte: lifted blacks, muted colour.",
            _saturation(0.8),
            (_FADED, _FADED, _FADED),
        ),
        Preset("mono", "Black and white, true to the light.", _saturation(0.0)),
        Preset(
            "noir",
            "Black and white with deep shadows and bright highlights.",
            _saturation(0.0),
            (_HARD, _HARD, _HARD),
        ),
        Preset(
            "vintage",
            "Old print: sepia tones, faded.",
            _mix(_SEPIA, 0.7),
            (_FADED, ((0.0, 0.1), (1.0, 0.9)), ((0.0, 0.08), (1.0, 0.82))),
        ),
    )
}
