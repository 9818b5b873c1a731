"""The search document versions of an account that is deleted and restored: the deletion's
delete outranks every version the account had, and the restored profile's outranks the
deletion (OpenSearch refuses a write at a version below one it has seen, external versioning)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from glimpse.models.users import DELETED, PROFILE, DeletedProfile, UserProfile, user_pk
from glimpse.search.documents import DELETED as GONE_FOR_GOOD
from glimpse.search.documents import deleted_version, user_version


def test_a_restored_account_outranks_its_deletion_which_outranks_its_past() -> None:
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    profile = UserProfile(
        user_pk("u1"), PROFILE, user_id="u1", username="ann", email="a@example.com",
        revision=5, created_at=moment, updated_at=moment,
    )  # fmt: skip
    aside = DeletedProfile(
        user_pk("u1"), DELETED, user_id="u1", username="ann", email="a@example.com",
        snapshot=json.dumps(profile.serialize()), deleted_at=moment, erase_after=moment,
        erasure_event_id="e1",
    )  # fmt: skip
    before, deletion, after = (
        user_version(profile),
        deleted_version(aside),
        user_version(aside.restored()),
    )
    assert before < deletion < after < GONE_FOR_GOOD
    assert aside.restored().username == "ann"
