"""Lambda event filtering (`FilterCriteria`) for SQS and DynamoDB stream event sources.

The pattern language is the subset of EventBridge patterns Lambda documents: exact values
(strings, numbers, booleans, `null`, `""`), `equals-ignore-case`, `prefix`, `suffix`,
`anything-but`, `numeric` comparisons, `exists`, and `$or`. Keys in a pattern are ANDed;
values in a rule list are ORed; the filters of one source are ORed. A field holding a list
matches when any element does. An SQS body is matched as JSON when it parses as JSON, else
as a plain string. A pattern the local cloud cannot read stops the start, as AWS refuses to
create such an event source mapping.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_OPERATORS = {"equals-ignore-case", "prefix", "suffix", "anything-but", "numeric", "exists"}
_MISSING = object()


class FilterError(ValueError):
    """A filter pattern AWS would refuse."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Any) -> float | None:
    """Numbers, and numeric strings (DynamoDB's `N` values arrive as strings)."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _check_rule(rule: Any, where: str) -> None:
    if rule is None or isinstance(rule, str | bool) or _is_number(rule):
        return
    if not isinstance(rule, dict) or len(rule) != 1:
        raise FilterError(f"{where}: a rule is a value or an object with one operator: {rule!r}")
    ((name, arg),) = rule.items()
    if name not in _OPERATORS:
        raise FilterError(f"{where}: unknown operator {name!r}")
    if name == "exists" and not isinstance(arg, bool):
        raise FilterError(f"{where}: exists takes true or false")
    if name == "numeric":
        if not isinstance(arg, list) or not arg or len(arg) % 2:
            raise FilterError(f"{where}: numeric takes [op, number, ...]")
        for op, number in zip(arg[::2], arg[1::2], strict=True):
            if op not in _NUMERIC or not _is_number(number):
                raise FilterError(f"{where}: bad numeric comparison {op!r} {number!r}")
    if name in {"prefix", "suffix"} and not (
        isinstance(arg, str) or (isinstance(arg, dict) and set(arg) == {"equals-ignore-case"})
    ):
        raise FilterError(f"{where}: {name} takes a string")
    if name == "anything-but":
        values = arg if isinstance(arg, list) else [arg]
        for value in values:
            if isinstance(value, dict):
                if set(value) - {"prefix", "suffix", "equals-ignore-case"}:
                    raise FilterError(f"{where}: anything-but takes prefix, suffix or values")
                _check_rule(value, where)
            elif not (isinstance(value, str) or _is_number(value)):
                raise FilterError(f"{where}: anything-but takes values or prefix/suffix")


def _check_pattern(pattern: Any, where: str) -> None:
    if not isinstance(pattern, dict) or not pattern:
        raise FilterError(f"{where}: a pattern is a non-empty JSON object")
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise FilterError(f"{where}: $or takes a list of at least two patterns")
            for branch in value:
                _check_pattern(branch, where)
        elif isinstance(value, dict):
            _check_pattern(value, f"{where}.{key}")
        elif isinstance(value, list):
            if not value:
                raise FilterError(f"{where}.{key}: an empty rule list matches nothing")
            for rule in value:
                _check_rule(rule, f"{where}.{key}")
        else:
            raise FilterError(f"{where}.{key}: rules are lists, e.g. [{json.dumps(value)}]")


def _text_rule(arg: Any, value: str, test: Callable[[str, str], bool]) -> bool:
    if isinstance(arg, dict):
        return test(value.lower(), str(arg["equals-ignore-case"]).lower())
    return test(value, str(arg))


def _value_matches(rule: Any, value: Any) -> bool:
    """One rule against one (present, non-list) value."""
    if rule is None:
        return value is None
    if isinstance(rule, bool) or isinstance(value, bool):
        return isinstance(rule, bool) and isinstance(value, bool) and rule == value
    if isinstance(rule, str):
        return isinstance(value, str) and value == rule
    if _is_number(rule):
        return _is_number(value) and float(value) == float(rule)
    ((name, arg),) = rule.items()
    if name == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(arg).lower()
    if name == "prefix":
        return isinstance(value, str) and _text_rule(arg, value, str.startswith)
    if name == "suffix":
        return isinstance(value, str) and _text_rule(arg, value, str.endswith)
    if name == "numeric":
        number = _as_number(value)
        return number is not None and all(
            _NUMERIC[op](number, float(limit))
            for op, limit in zip(arg[::2], arg[1::2], strict=True)
        )
    if name == "anything-but":
        excluded = arg if isinstance(arg, list) else [arg]
        return not any(_value_matches(other, value) for other in excluded)
    return False


def _rules_match(rules: Sequence[Any], value: Any) -> bool:
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            leaf = value is not _MISSING and not isinstance(value, dict)  # exists is for leaves
            if leaf == rule["exists"]:
                return True
            continue
        if value is _MISSING:
            continue
        values = value if isinstance(value, list) else [value]
        if any(_value_matches(rule, one) for one in values):
            return True
    return False


def matches(pattern: dict[str, Any], record: Any) -> bool:
    """Does `record` satisfy one filter pattern?"""
    for key, rule in pattern.items():
        if key == "$or":
            if not any(matches(branch, record) for branch in rule):
                return False
            continue
        value = record.get(key, _MISSING) if isinstance(record, dict) else _MISSING
        if isinstance(rule, dict):
            # An array of objects matches when one of them does (AWS flattens arrays).
            candidates = value if isinstance(value, list) else [value]
            if not any(matches(rule, v if isinstance(v, dict) else {}) for v in candidates):
                return False
        elif not _rules_match(rule, value):
            return False
    return True


class FilterCriteria:
    """The `FilterCriteria` of one event source: a record passes if any filter matches."""

    def __init__(self, criteria: dict[str, Any] | None, where: str = "FilterCriteria") -> None:
        self.patterns: list[dict[str, Any]] = []
        for index, item in enumerate((criteria or {}).get("Filters") or []):
            raw = item.get("Pattern") if isinstance(item, dict) else None
            try:
                pattern = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError as exc:
                raise FilterError(f"{where}.Filters[{index}]: not JSON: {exc}") from None
            _check_pattern(pattern, f"{where}.Filters[{index}]")
            if isinstance(pattern, dict):  # always, once checked
                self.patterns.append(pattern)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def passes(self, record: dict[str, Any]) -> bool:
        return not self.patterns or any(matches(p, record) for p in self.patterns)

    def passes_sqs(self, record: dict[str, Any]) -> bool:
        """An SQS record, its body read as JSON where it is JSON."""
        if not self.patterns:
            return True
        body = record.get("body")
        try:
            parsed = json.loads(body) if isinstance(body, str) else body
        except json.JSONDecodeError:
            parsed = body
        return self.passes({**record, "body": parsed})
