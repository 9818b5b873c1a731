"""Where an account has signed in from, for login alerts.

One item per account in the Users table, `USER#<user_id>` / `LOGINS`: `devices` maps a device
(a hash of the sign-in's user agent) to when it last signed in (epoch seconds). Written by the
login route; erased with the account.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from glimpse.models.base import Model, table_meta
from glimpse.models.users import user_pk

LOGINS = "LOGINS"

__all__ = ["LOGINS", "Logins", "user_pk"]


class Logins(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=LOGINS)
    devices = MapAttribute[str, float](default=dict)  # device hash -> last sign-in (epoch s)
    updated_at = NumberAttribute(default=0)
