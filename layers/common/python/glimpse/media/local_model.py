"""The local moderation model (`ModerationMode=local`): NudeNet 3.4's detector, `320n.onnx`
(YOLOv8n at a 320 px input), run with onnxruntime on one thread. Pillow and numpy do what
NudeNet's own `nudenet.py` does with OpenCV, which is never installed.

- In: the picture padded to a square at its right and bottom with black, scaled to 320 x 320,
  channels in the order NudeNet feeds them (blue, green, red: its `cvtColor` and its
  `blobFromImage` each swap red and blue), values 0..1.
- Out: of the 2,100 candidate boxes, each keeps its best class when that scores at least 0.2;
  non-maximum suppression across classes (scores over 0.25, overlap over 0.45 IoU) keeps the
  strongest of boxes that overlap; what is left is (class, score) detections.

The weights are the `nudenet` package's (installed without its dependencies: `Makefile`), found
without importing it (its `__init__` imports OpenCV). The package says MIT, but its licence
file and the weights (trained with Ultralytics' YOLOv8) are AGPL-3.0: they are never in the
Lambda layer or a function's package unless a deployer opts in (README, "Automatic
moderation"). numpy and onnxruntime load with the first picture, the session once per
process.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

INPUT = 320  # the model's input edge
CANDIDATE_SCORE = 0.2  # a box's best class must score this much to be considered
NMS_SCORE = 0.25  # ... and more than this to be kept
NMS_OVERLAP = 0.45  # a weaker box overlapping a kept one more than this (IoU) is dropped


class ModelMissing(RuntimeError):
    """The weights are not installed (the `nudenet` package, without its dependencies)."""


@dataclass(frozen=True)
class _Model:
    session: Any  # onnxruntime.InferenceSession
    input_name: str
    classes: tuple[str, ...]  # class index → NudeNet's name, from the model's metadata


def weights() -> Path:
    """Where `320n.onnx` is installed (the `nudenet` package's folder, not imported)."""
    spec = importlib.util.find_spec("nudenet")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder, "320n.onnx")
        if path.is_file():
            return path
    raise ModelMissing("nudenet's 320n.onnx is not installed (pip install --no-deps nudenet)")


@cache
def _model() -> _Model:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    session = onnxruntime.InferenceSession(
        str(weights()), options, providers=["CPUExecutionProvider"]
    )
    names = ast.literal_eval(session.get_modelmeta().custom_metadata_map["names"])
    classes = tuple(str(names[index]) for index in range(len(names)))
    return _Model(session, session.get_inputs()[0].name, classes)


def load() -> None:
    """Load the session now (before a SnapStart snapshot, or a benchmark's timing)."""
    _model()


def detect(image: Image.Image) -> list[tuple[str, float]]:
    """NudeNet's (class, score) detections in `image`, strongest first."""
    model = _model()
    blob, extent = _blob(image)
    (output, *_) = model.session.run(None, {model.input_name: blob})
    return [(model.classes[index], score) for index, score in _detections(output[0], extent)]


def _blob(image: Image.Image) -> tuple[npt.NDArray[np.float32], tuple[float, float]]:
    """The model's input (1 x 3 x 320 x 320) and the picture's extent in it."""
    import numpy as np

    rgb = image if image.mode == "RGB" else image.convert("RGB")
    scale = INPUT / max(rgb.size)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    if rgb.size != size:
        rgb = rgb.resize(size, Image.Resampling.BILINEAR)
    square = Image.new("RGB", (INPUT, INPUT))  # black
    square.paste(rgb, (0, 0))
    pixels = np.asarray(square, dtype=np.float32)[:, :, ::-1]  # RGB → BGR, as NudeNet feeds it
    blob = np.ascontiguousarray(pixels.transpose(2, 0, 1)[np.newaxis] / np.float32(255.0))
    return blob, (float(size[0]), float(size[1]))


def _detections(
    output: npt.NDArray[np.float32], extent: tuple[float, float]
) -> list[tuple[int, float]]:
    """(class index, score) of the boxes kept from one picture's output (22 x 2100: centre x,
    centre y, width, height, then a score per class)."""
    import numpy as np

    rows = output.T
    scores = rows[:, 4:]
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(rows)), best]
    candidate = top >= CANDIDATE_SCORE
    boxes = _corners(rows[candidate, :4], extent)
    classes, top = best[candidate], top[candidate]
    kept = _suppress(boxes, top)
    return [(int(classes[i]), float(top[i])) for i in kept]


def _corners(
    centred: npt.NDArray[np.float32], extent: tuple[float, float]
) -> npt.NDArray[np.float32]:
    """Centre-size boxes as (x1, y1, x2, y2), clipped to the picture as NudeNet clips them."""
    import numpy as np

    width, height = extent
    x1 = np.clip(centred[:, 0] - centred[:, 2] / 2, 0, width)
    y1 = np.clip(centred[:, 1] - centred[:, 3] / 2, 0, height)
    x2 = x1 + np.minimum(centred[:, 2], width - x1)
    y2 = y1 + np.minimum(centred[:, 3], height - y1)
    return np.stack([x1, y1, x2, y2], axis=1)


def _suppress(boxes: npt.NDArray[np.float32], scores: npt.NDArray[np.float32]) -> list[int]:
    """Greedy non-maximum suppression across classes (OpenCV's `NMSBoxes`): indices kept,
    strongest first."""
    import numpy as np

    order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > NMS_SCORE]
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    kept: list[int] = []
    for index in order:
        if kept:
            wide = np.minimum(x2[kept], x2[index]) - np.maximum(x1[kept], x1[index])
            tall = np.minimum(y2[kept], y2[index]) - np.maximum(y1[kept], y1[index])
            overlap = np.clip(wide, 0, None) * np.clip(tall, 0, None)
            union = areas[kept] + areas[index] - overlap
            if np.any(overlap > NMS_OVERLAP * np.maximum(union, 1e-9)):
                continue
        kept.append(index)
    return kept
