"""Automatic moderation's one label vocabulary, and what each model's classes mean in it.

Every moderation model (glimpse.media.moderation: NudeNet's detector on the local cloud,
Rekognition's `DetectModerationLabels` in AWS) says what it sees in its own terms; this module
is the one place that turns them into Glimpse's labels, each scored 0..1, so the thresholds
(`ModerationRejectScore`, `ModerationReviewScore`), the media item's `auto_labels` and the
`media_flagged` event mean the same whichever model scored the upload.

A label may reject an upload (`REJECTING`) or only send it to moderators: suggestive pictures,
weapons, disturbing news photos, drugs and rude gestures are for a person to judge, never
refused by a score alone. What no label names (swimwear, underwear, alcohol, tobacco,
gambling, kissing, faces, feet) is not moderated at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

Label = Literal[
    "nudity", "suggestive", "violence", "weapons", "disturbing", "hate", "drugs", "rude_gesture"
]
LABELS: tuple[Label, ...] = get_args(Label)
# Above ModerationRejectScore these reject the upload (`reason: policy`); the rest, and these
# between the two scores, publish it and send it to moderators.
REJECTING: frozenset[Label] = frozenset({"nudity", "violence", "hate"})

# NudeNet 3.4's classes (the names in its 320n.onnx's metadata). Covered breasts and buttocks
# are swimwear; faces, feet, bellies, armpits and male chests are nothing to moderate.
NUDENET: Mapping[str, Label | None] = {
    "FEMALE_GENITALIA_EXPOSED": "nudity",
    "MALE_GENITALIA_EXPOSED": "nudity",
    "FEMALE_BREAST_EXPOSED": "nudity",
    "BUTTOCKS_EXPOSED": "nudity",
    "ANUS_EXPOSED": "nudity",
    "FEMALE_GENITALIA_COVERED": "suggestive",
    "ANUS_COVERED": "suggestive",
    "FEMALE_BREAST_COVERED": None,
    "BUTTOCKS_COVERED": None,
    "MALE_BREAST_EXPOSED": None,
    "FACE_FEMALE": None,
    "FACE_MALE": None,
    "FEET_EXPOSED": None,
    "FEET_COVERED": None,
    "BELLY_EXPOSED": None,
    "BELLY_COVERED": None,
    "ARMPITS_EXPOSED": None,
    "ARMPITS_COVERED": None,
}

# Rekognition's moderation taxonomy, version 7 and the version 6 names still answered. A
# label not named here is read as its parent (`ParentName`), so a level-3 label counts under
# its level-2 one unless it is named itself. Level-1 categories whose children differ in
# meaning (Violence: weapons or graphic violence) are left to their children.
REKOGNITION: Mapping[str, Label | None] = {
    # v7
    "Explicit": "nudity",
    "Explicit Nudity": "nudity",
    "Explicit Sexual Activity": "nudity",
    "Sex Toys": "nudity",
    "Non-Explicit Nudity of Intimate parts and Kissing": None,
    "Non-Explicit Nudity": "suggestive",
    "Obstructed Intimate Parts": "suggestive",
    "Kissing on the Lips": None,
    "Swimwear or Underwear": None,
    "Violence": None,
    "Graphic Violence": "violence",
    "Weapons": "weapons",
    "Visually Disturbing": "disturbing",
    "Drugs & Tobacco": None,
    "Drugs & Tobacco Paraphernalia & Use": "drugs",
    "Products": None,
    "Alcohol": None,
    "Gambling": None,
    "Rude Gestures": "rude_gesture",
    "Hate Symbols": "hate",
    # v6
    "Nudity": "nudity",
    "Graphic Male Nudity": "nudity",
    "Graphic Female Nudity": "nudity",
    "Sexual Activity": "nudity",
    "Illustrated Explicit Nudity": "nudity",
    "Adult Toys": "nudity",
    "Suggestive": None,
    "Partial Nudity": "suggestive",
    "Sexual Situations": "suggestive",
    "Graphic Violence Or Gore": "violence",
    "Physical Violence": "violence",
    "Weapon Violence": "violence",
    "Self Injury": "violence",
    "Drugs": "drugs",
    "Tobacco": None,
}


def strongest(found: Iterable[tuple[Label | None, float]]) -> dict[Label, float]:
    """Each label's highest score among `found` (label, score) pairs; None labels are
    dropped, scores are clamped to 0..1."""
    scores: dict[Label, float] = {}
    for label, score in found:
        if label is not None:
            scores[label] = max(scores.get(label, 0.0), min(1.0, max(0.0, score)))
    return scores


def of_nudenet(detections: Iterable[tuple[str, float]]) -> dict[Label, float]:
    """NudeNet's (class, score) detections as labels; a class it may add later counts as
    nothing until it is mapped here."""
    return strongest((NUDENET.get(name), score) for name, score in detections)


def of_rekognition(moderation_labels: Iterable[Mapping[str, object]]) -> dict[Label, float]:
    """`DetectModerationLabels`' `ModerationLabels` (Name, ParentName, Confidence 0-100) as
    labels."""
    found = []
    for entry in moderation_labels:
        name, parent = str(entry.get("Name") or ""), str(entry.get("ParentName") or "")
        label = REKOGNITION[name] if name in REKOGNITION else REKOGNITION.get(parent)
        confidence = entry.get("Confidence")
        score = float(confidence) / 100 if isinstance(confidence, int | float) else 0.0
        found.append((label, score))
    return strongest(found)
