"""Each function gets from template.yaml exactly the settings its handler declares.

One `Settings` class serves every function and the local runtime merges all functions'
environments, so a function whose template entry forgot a variable would pass every local
test and fail on its first request in AWS. Each handler module declares `SETTINGS`; this test
holds the template to it (the integration suite checks that a function reads nothing else).
"""

from __future__ import annotations

import importlib

import pytest

from glimpse.config import _ENV, FIELDS, get_settings
from infra.local.template import Template
from tests.conftest import ROOT

TEMPLATE = Template.load(ROOT / "template.yaml")
FUNCTIONS = sorted(TEMPLATE.of_type("AWS::Serverless::Function"))
GLOBAL_VARIABLES = set(
    (((TEMPLATE.body.get("Globals") or {}).get("Function") or {}).get("Environment") or {}).get(
        "Variables"
    )
    or {}
)
FROM_LAMBDA = {"region"}  # AWS_REGION: Lambda's runtime sets it


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_template_gives_each_function_what_it_declares_and_no_more(function: str) -> None:
    module_name, _ = TEMPLATE.handler(function)
    declared = set(importlib.import_module(module_name).SETTINGS)
    assert declared <= FIELDS, declared - FIELDS
    props = TEMPLATE.function_properties(function)
    given = set((props.get("Environment") or {}).get("Variables") or {})
    needed = {_ENV[name] for name in declared - FROM_LAMBDA}
    assert needed <= given, f"{function} lacks {sorted(needed - given)}"
    own = given - GLOBAL_VARIABLES
    assert own <= needed, f"{function} is given {sorted(own - needed)} it does not declare"


def test_numbers_and_flags_are_parsed_once_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORY_TTL_SECONDS", "3600")
    monkeypatch.setenv("AUTO_CONFIRM_USERS", "True")
    monkeypatch.setenv("USERS_TABLE", "users-table")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.story_ttl_seconds == 3600
        assert settings.auto_confirm_users is True
        assert settings.require("users_table") == "users-table"
        monkeypatch.setenv("AUTO_CONFIRM_USERS", "off")
        monkeypatch.setenv("STORY_TTL_SECONDS", "7200.0")  # a CloudFormation Number, as typed
        get_settings.cache_clear()
        assert get_settings().auto_confirm_users is False
        assert get_settings().story_ttl_seconds == 7200
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STORY_TTL_SECONDS", "a day"),
        ("STORY_TTL_SECONDS", "3600.5"),
        ("CELEBRITY_FOLLOWER_THRESHOLD", "inf"),
        ("AUTO_CONFIRM_USERS", "maybe"),
        ("RATE_LIMIT_SCALE", "lots"),
        ("RATE_LIMIT_SCALE", "-1"),
    ],
)
def test_a_setting_that_does_not_parse_stops_the_function_with_its_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match=variable):
            get_settings()
    finally:
        get_settings.cache_clear()
