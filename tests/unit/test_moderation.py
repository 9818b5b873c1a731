"""Automatic moderation: the real local model on pictures the tests draw, the label vocabulary
on made-up detections, the thresholds, retries, and the Rekognition path on a stubbed client.

The Rekognition answers below are written in the shape AWS documents for
`DetectModerationLabels` (moderation model 7.0): there is no AWS account to record one from,
and moto has no moderation. botocore's Stubber checks both the request and the answer against
the service's own model."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from botocore.stub import ANY, Stubber
from PIL import Image

from glimpse.adapters import aws
from glimpse.config import get_settings
from glimpse.media import labels, local_model, moderation
from glimpse.media.moderation import Failed, Verdict
from infra.local.cloud import LOCAL_DEFAULTS
from infra.local.template import Resolver, Template
from tests import images
from tests.conftest import ROOT

FIGURE_NUDITY = (0.75, 0.87)  # what the local model scores tests/images.drawn_figure, ± a margin


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Moderation settings from the environment, read again for each test."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("MODERATION_MODE", "local")
    get_settings.cache_clear()
    aws.rekognition.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    aws.rekognition.cache_clear()


# ------------------------------------------------------------------ the local model, for real


def test_the_local_model_runs_and_scores_a_drawn_figure_as_nudity() -> None:
    found = local_model.detect(images.drawn_figure())
    classes = {name for name, _ in found}
    assert "FEMALE_BREAST_EXPOSED" in classes, found
    scores = moderation.score([images.drawn_figure()], "local")
    assert set(scores) == {"nudity"}  # its face is detected too, and means nothing here
    assert FIGURE_NUDITY[0] < scores["nudity"] < FIGURE_NUDITY[1]


@pytest.mark.parametrize(
    "picture",
    [images.photo(1600, 1200), images.quadrants(), Image.new("RGB", (640, 480), (255, 255, 255))],
    ids=["photo", "quadrants", "white"],
)
def test_ordinary_pictures_score_nothing(picture: Image.Image) -> None:
    assert moderation.score([picture], "local") == {}


def test_every_class_the_model_names_has_its_meaning_here() -> None:
    """NudeNet's classes come from the weights' metadata; each is mapped (to a label or to
    nothing) in glimpse.media.labels, so a new class cannot go unnoticed."""
    local_model.load()
    metadata = local_model._model().session.get_modelmeta().custom_metadata_map
    names = set(ast.literal_eval(metadata["names"]).values())
    assert names == set(labels.NUDENET)
    assert metadata["imgsz"] == "[320, 320]"


def test_the_input_is_padded_at_the_right_and_bottom_in_blue_green_red() -> None:
    """As NudeNet feeds its model: black padding, values 0..1, channels swapped to BGR."""
    wide = Image.new("RGB", (640, 320), (255, 0, 0))  # red, 2:1
    blob, extent = local_model._blob(wide)
    assert blob.shape == (1, 3, 320, 320)
    assert blob.dtype == np.float32
    assert extent == (320.0, 160.0)
    blue, green, red = blob[0, :, 80, 160]
    assert (blue, green, red) == (0.0, 0.0, 1.0)
    assert float(blob[0, :, 240:, :].max()) == 0.0  # below the picture: black


def test_overlapping_boxes_keep_the_strongest_across_classes() -> None:
    boxes = np.array(
        [[0, 0, 100, 100], [5, 5, 105, 105], [200, 200, 260, 260], [0, 0, 10, 10]],
        dtype=np.float32,
    )
    scores = np.array([0.6, 0.9, 0.3, 0.24], dtype=np.float32)
    assert local_model._suppress(boxes, scores) == [1, 2]  # 0 overlaps 1; 3 is too weak


def test_missing_weights_are_a_failure_to_score(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_model.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(local_model.ModelMissing):
        local_model.weights()


# ------------------------------------------------------------------ the vocabulary


def test_nudenet_detections_become_labels_at_their_strongest() -> None:
    found = labels.of_nudenet(
        [
            ("FEMALE_BREAST_EXPOSED", 0.41),
            ("MALE_GENITALIA_EXPOSED", 0.93),
            ("FEMALE_GENITALIA_COVERED", 0.66),
            ("FACE_FEMALE", 0.99),  # nothing to moderate
            ("BUTTOCKS_COVERED", 0.97),  # swimwear
            ("SOMETHING_NEW", 0.99),  # a class a later model adds: nothing until mapped
        ]
    )
    assert found == {"nudity": 0.93, "suggestive": 0.66}


def test_rekognition_labels_become_labels_by_name_or_parent() -> None:
    found = labels.of_rekognition(
        [
            {"Name": "Violence", "ParentName": "", "Confidence": 98.1},  # left to its children
            {"Name": "Weapons", "ParentName": "Violence", "Confidence": 98.1},
            {"Name": "Graphic Violence", "ParentName": "Violence", "Confidence": 71.5},
            {"Name": "Blood & Gore", "ParentName": "Graphic Violence", "Confidence": 74.0},
            {"Name": "Alcohol", "ParentName": "", "Confidence": 99.0},
            {"Name": "Swimwear or Underwear", "ParentName": "", "Confidence": 99.0},
            {"Name": "Nazi Party", "ParentName": "Hate Symbols", "Confidence": 61.0},
            {"Name": "Sexual Activity", "ParentName": "Explicit Nudity", "Confidence": 55.0},  # v6
            {"Name": "Unheard Of", "ParentName": "Also Unheard Of", "Confidence": 99.0},
        ]
    )
    assert found == {"weapons": 0.981, "violence": 0.74, "hate": 0.61, "nudity": 0.55}


def test_every_mapped_label_is_in_the_vocabulary() -> None:
    for mapping in (labels.NUDENET, labels.REKOGNITION):
        assert {label for label in mapping.values() if label} <= set(labels.LABELS)
    assert set(labels.LABELS) >= labels.REJECTING
    assert labels.strongest([("nudity", 1.7), ("violence", -0.2), (None, 0.9)]) == {
        "nudity": 1.0,
        "violence": 0.0,
    }


# ------------------------------------------------------------------ the thresholds


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({}, Verdict()),
        ({"nudity": 0.6}, Verdict()),  # not above the review score
        ({"nudity": 0.61}, Verdict((("nudity", 0.61),), flag="labels")),
        ({"nudity": 0.9}, Verdict((("nudity", 0.9),), flag="labels")),  # not above: flagged
        ({"nudity": 0.95, "weapons": 0.7}, Verdict((("nudity", 0.95), ("weapons", 0.7)), True)),
        # a label that never rejects is for moderators, however sure the model is
        ({"weapons": 0.99, "suggestive": 0.3}, Verdict((("weapons", 0.99),), flag="labels")),
    ],
)
def test_reject_above_the_reject_score_flag_above_the_review_score(
    scores: dict[labels.Label, float], expected: Verdict
) -> None:
    assert moderation.judge(scores, 0.9, 0.6) == expected


def test_the_real_models_score_of_a_drawn_figure_against_the_thresholds(
    settings: pytest.MonkeyPatch,
) -> None:
    figure = [images.drawn_figure()]
    flagged = moderation.review(figure, attempt=1)
    assert (flagged.rejected, flagged.flag) == (False, "labels")
    assert [label for label, _ in flagged.labels] == ["nudity"]
    settings.setenv("MODERATION_REJECT_SCORE", "0.7")
    get_settings.cache_clear()
    rejected = moderation.review(figure, attempt=1)
    assert (rejected.rejected, rejected.flag, rejected.labels) == (True, None, flagged.labels)
    settings.setenv("MODERATION_MODE", "off")
    get_settings.cache_clear()
    assert moderation.review(figure, attempt=1) == moderation.PASSED


# ------------------------------------------------------------------ failures and retries


def test_a_failing_model_fails_the_delivery_until_the_last_attempt(
    settings: pytest.MonkeyPatch,
) -> None:
    def broken(picture: Image.Image) -> list[tuple[str, float]]:
        raise RuntimeError("onnxruntime fell over")

    settings.setattr(local_model, "detect", broken)
    for attempt in range(1, moderation.ATTEMPTS):
        with pytest.raises(Failed, match="onnxruntime fell over"):
            moderation.review([images.drawn_figure()], attempt)
    last = moderation.review([images.drawn_figure()], moderation.ATTEMPTS)
    assert last == Verdict(flag="moderation_failed")


def test_a_mode_the_template_does_not_allow_stops_the_function(
    settings: pytest.MonkeyPatch,
) -> None:
    settings.setenv("MODERATION_MODE", "strict")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="MODERATION_MODE='strict'"):
        moderation.review([images.drawn_figure()], attempt=moderation.ATTEMPTS)


# ------------------------------------------------------------------ Rekognition

WEAPON_PHOTO: dict[str, Any] = {
    "ModerationLabels": [
        {"Confidence": 97.3, "Name": "Violence", "ParentName": "", "TaxonomyLevel": 1},
        {"Confidence": 97.3, "Name": "Weapons", "ParentName": "Violence", "TaxonomyLevel": 2},
        {
            "Confidence": 64.2,
            "Name": "Graphic Violence",
            "ParentName": "Violence",
            "TaxonomyLevel": 2,
        },
    ],
    "ModerationModelVersion": "7.0",
    "ContentTypes": [{"Confidence": 88.1, "Name": "Animated"}],
}
NOTHING: dict[str, Any] = {"ModerationLabels": [], "ModerationModelVersion": "7.0"}


@pytest.fixture
def rekognition(settings: pytest.MonkeyPatch) -> Iterator[Stubber]:
    settings.setenv("MODERATION_MODE", "rekognition")
    get_settings.cache_clear()
    with Stubber(aws.rekognition()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_rekognition_is_sent_each_picture_as_jpeg_and_its_labels_are_read(
    rekognition: Stubber,
) -> None:
    expected = {"Image": {"Bytes": ANY}, "MinConfidence": 60.0}
    rekognition.add_response("detect_moderation_labels", WEAPON_PHOTO, expected)
    rekognition.add_response("detect_moderation_labels", NOTHING, expected)
    pictures = [images.quadrants(), images.photo(640, 480)]
    verdict = moderation.review(pictures, attempt=1)
    assert verdict == Verdict((("weapons", 0.973), ("violence", 0.642)), flag="labels")


def test_rekognition_sends_a_jpeg_of_the_sample(
    rekognition: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[bytes] = []
    from glimpse.adapters import rekognition as adapter

    real = adapter.moderation_labels

    def spy(jpeg: bytes, least: float) -> list[dict[str, Any]]:
        sent.append(jpeg)
        return real(jpeg, least)

    monkeypatch.setattr(adapter, "moderation_labels", spy)
    rekognition.add_response("detect_moderation_labels", NOTHING)
    assert moderation.score([images.quadrants(640, 480)], "rekognition") == {}
    assert sent[0].startswith(b"\xff\xd8\xff")
    assert images.size_of(sent[0]) == (640, 480)


def test_rekognition_throttling_is_a_failure_to_score(rekognition: Stubber) -> None:
    rekognition.add_client_error(
        "detect_moderation_labels", "ProvisionedThroughputExceededException", http_status_code=400
    )
    with pytest.raises(Failed, match="ProvisionedThroughputExceeded"):
        moderation.review([images.quadrants()], attempt=1)
    rekognition.add_client_error("detect_moderation_labels", "ThrottlingException")
    assert moderation.review([images.quadrants()], moderation.ATTEMPTS).flag == "moderation_failed"


# ------------------------------------------------------------------ the template

MODERATING = {"ThumbnailerFunction", "TranscoderFunction"}


def _grants_moderation(template: Template, logical_id: str) -> bool:
    """Whether the function's policy allows `DetectModerationLabels` (on "*", where IAM
    allows it), its `Fn::If` statements decided by the template's parameters."""
    resolver = Resolver(template)
    for policy in template.function_properties(logical_id).get("Policies") or []:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if "Fn::If" in statement:
                condition, chosen, other = statement["Fn::If"]
                statement = chosen if resolver.condition(condition) else other
            actions = statement.get("Action", []) if isinstance(statement, dict) else []
            if "rekognition:DetectModerationLabels" in actions:
                assert statement["Resource"] == "*"
                return True
    return False


@pytest.mark.parametrize("mode", ["off", "local", "rekognition"])
def test_only_the_moderating_functions_may_call_rekognition_and_only_in_that_mode(
    mode: str,
) -> None:
    template = Template.load(ROOT / "template.yaml", {"ModerationMode": mode})
    for logical_id in template.of_type("AWS::Serverless::Function"):
        expected = mode == "rekognition" and logical_id in MODERATING
        assert _grants_moderation(template, logical_id) == expected, logical_id


def test_rekognition_in_aws_the_local_model_on_the_local_cloud() -> None:
    defaults = Template.load(ROOT / "template.yaml").parameters
    assert defaults["ModerationMode"] == "rekognition"
    assert (defaults["ModerationRejectScore"], defaults["ModerationReviewScore"]) == ("0.9", "0.6")
    assert LOCAL_DEFAULTS["ModerationMode"] == "local"
