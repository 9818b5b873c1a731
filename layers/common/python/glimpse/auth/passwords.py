"""The one password rule: sign-up, reset and change all call `check`.

8 to 256 characters, not containing the username or the email, and not weak by zxcvbn (score 3
or more of 4, the user's own username and email counted as known words). zxcvbn rates the
first 72 characters (its own bound on the work it does); a longer password is rated on them.
A refusal is a 400 whose `details` carry zxcvbn's warning and suggestions.
"""

from __future__ import annotations

from glimpse.errors import BadRequest, field_error

MIN_LENGTH, MAX_LENGTH = 8, 256
MIN_SCORE = 3
RATED_LENGTH = 72  # zxcvbn's max_length: longer inputs are refused by it


def problems(password: str, username: str, email: str) -> list[str]:
    """What is wrong with `password` for this account (empty when it is acceptable)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return [f"use {MIN_LENGTH} to {MAX_LENGTH} characters"]
    lowered = password.lower()
    found = [
        f"do not use your {name} in your password"
        for name, value in (("username", username), ("email", email))
        if value and value.lower() in lowered
    ]
    if found:
        return found
    from zxcvbn import zxcvbn  # ~25 ms of import: only on the routes that set a password

    rating = zxcvbn(password[:RATED_LENGTH], user_inputs=[v for v in (username, email) if v])
    if int(rating["score"]) >= MIN_SCORE:
        return []
    feedback = rating.get("feedback") or {}
    said = [str(feedback.get("warning") or ""), *map(str, feedback.get("suggestions") or [])]
    return [text for text in said if text] or ["choose a longer, less common password"]


def check(password: str, username: str, email: str, field: str = "password") -> None:
    """400 `bad_request` unless `password` follows the rule for this account."""
    found = problems(password, username, email)
    if found:
        raise BadRequest(
            "Choose a stronger password.", [field_error(field, text) for text in found]
        )
