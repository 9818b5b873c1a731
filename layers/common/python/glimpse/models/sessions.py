"""The Sessions table: where an account's sessions were cut off.

One item per account that ever ended its sessions (`pk` = `USER#<user_id>`): sign-ins older
than `cutoff` are over, except the sessions named in `kept` (by Cognito's `origin_jti`, the id
a sign-in's tokens share through every refresh). The item expires once every token it could
refuse has expired (refresh tokens live 30 days). While the account waits to be erased
(`DELETE /me`), `erase_after` says until when: such an account may only restore itself.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from glimpse.models.base import Model, table_meta
from glimpse.models.users import user_pk

__all__ = ["SessionCutoff", "user_pk"]


class SessionCutoff(Model):
    Meta = table_meta("sessions_table")

    pk = UnicodeAttribute(hash_key=True)
    cutoff = NumberAttribute()  # epoch seconds (fractional): the moment sessions ended
    kept = UnicodeSetAttribute(null=True)  # origin_jti of sessions that outlive the cutoff
    expires_at = NumberAttribute()  # DynamoDB TTL
    erase_after = NumberAttribute(null=True)  # epoch seconds: deleted, erased then
