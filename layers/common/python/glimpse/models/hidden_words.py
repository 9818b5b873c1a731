"""An account's hidden words (glimpse.users.hidden_words).

One item per account in the Users table, `USER#<user_id>` / `HIDDEN_WORDS`: the words and
phrases as the account wrote them (text of one form, glimpse.inputs) and whether the built-in
list of offensive words is hidden too. No item: nothing is hidden. Erased with the account.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from glimpse.models.base import Model, table_meta
from glimpse.models.users import user_pk

HIDDEN_WORDS = "HIDDEN_WORDS"

__all__ = ["HIDDEN_WORDS", "HiddenWords", "user_pk"]


class HiddenWords(Model):
    Meta = table_meta("users_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=HIDDEN_WORDS)
    words = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    hide_offensive = BooleanAttribute(default=False)
    updated_at = UTCDateTimeAttribute()
