"""Two-factor authentication (glimpse.auth.totp): an account's factor and the sign-ins that
wait for a code.

- `USER#<user_id>` / `TOTP` in the Users table: the shared secret (base32), when the account
  turned it on (0 while an enrolment waits for its first code), the last 30-second step a
  code was accepted for (a code works once), and the wrong codes of the last minutes (the
  guessing limit). Erased with the account's partition.
- `TOTP#<digest of the session>` in the Sessions table: a password sign-in waiting for its
  code. It holds the sign-in's tokens sealed with a key derived from the session, which only
  the client holds: the table alone opens nothing. It lasts 3 minutes (TTL removes it later).
"""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute

from glimpse.models.base import Model, table_meta
from glimpse.models.users import user_pk

TOTP = "TOTP"

__all__ = ["TOTP", "TotpChallenge", "TotpFactor", "challenge_pk", "user_pk"]


class TotpFactor(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=TOTP)
    secret = UnicodeAttribute()
    created_at = NumberAttribute()  # epoch seconds
    enabled_at = NumberAttribute(default=0)  # epoch seconds; 0: the enrolment waits for a code
    last_step = NumberAttribute(default=0)  # the newest time step a code was accepted for
    wrong_codes = NumberAttribute(default=0)  # since `wrong_since`
    wrong_since = NumberAttribute(default=0)  # epoch seconds


def challenge_pk(digest: str) -> str:
    return f"TOTP#{digest}"


class TotpChallenge(Model):
    Meta = table_meta("sessions_table")

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    sealed = BinaryAttribute(legacy_encoding=False)  # nonce + AES-GCM of the sign-in's tokens
    valid_until = NumberAttribute()  # epoch seconds
    expires_at = NumberAttribute()  # DynamoDB TTL
