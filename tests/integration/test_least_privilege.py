"""The policy check the integration suite runs on every AWS call (tests/integration/iam.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from infra.local.runtime import function_specs
from tests.conftest import FakeContext
from tests.integration.conftest import Stack
from tests.integration.iam import Call, Recorder, attributed


def test_the_check_allows_what_a_policy_names_and_nothing_else(stack: Stack) -> None:
    provisioner = stack.provisioner
    check = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    posts = str(provisioner.resolver.get_att("PostsTable", "Arn"))
    bucket = f"arn:aws:s3:::{stack.ref('MediaBucket')}"
    feed_jobs = str(provisioner.resolver.get_att("FeedJobsQueue", "Arn"))
    assert check.allows(Call("PostsFunction", "dynamodb:PutItem", posts))
    assert check.allows(Call("PostsFunction", "dynamodb:Query", f"{posts}/index/ByAuthor"))
    assert check.allows(Call("PostsFunction", "dynamodb:UpdateItem", posts))  # an author's edit
    assert not check.allows(Call("FeedFunction", "dynamodb:UpdateItem", posts))  # counted
    assert not check.allows(Call("PostsFunction", "dynamodb:Scan", posts))
    assert not check.allows(Call("PostsFunction", "dynamodb:Query", f"{posts}/index/ByActor"))
    assert not check.allows(Call("FeedFunction", "dynamodb:PutItem", posts))
    assert not check.allows(Call("GraphFunction", "sqs:SendMessage", feed_jobs))  # events now
    assert check.allows(Call("FanoutFunction", "sqs:SendMessage", feed_jobs))
    assert check.allows(Call("ThumbnailerFunction", "s3:GetObject", f"{bucket}/uploads/u/m"))
    assert not check.allows(Call("ThumbnailerFunction", "s3:GetObject", f"{bucket}/originals/m"))
    # a statement limited to some partition keys allows those only
    sessions = str(provisioner.resolver.get_att("SessionsTable", "Arn"))
    spend = Call("AuthFunction", "dynamodb:DeleteItem", sessions, "TOTP#ab12")
    assert check.allows(spend)
    assert not check.allows(Call("AuthFunction", "dynamodb:DeleteItem", sessions, "USER#u1"))
    assert not check.allows(Call("AuthFunction", "dynamodb:DeleteItem", sessions))


def test_a_download_link_is_signed_by_a_function_that_may_read_the_archive(stack: Stack) -> None:
    """Presigning calls nothing, so the recorder never sees it: the link works only if the
    signer's policy lets it read the object, and nothing else of the bucket."""
    provisioner = stack.provisioner
    check = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    bucket = f"arn:aws:s3:::{stack.ref('MediaBucket')}"
    archive = f"{bucket}/exports/u1/01JD0Z8Q5M3S4V6X7Y8Z9A0B3E.zip"
    assert check.allows(Call("ExportsFunction", "s3:GetObject", archive))
    assert not check.allows(Call("ExportsFunction", "s3:GetObject", f"{bucket}/originals/u1/m"))
    assert not check.allows(Call("ExportsFunction", "s3:PutObject", archive))
    assert check.allows(Call("ExporterFunction", "s3:PutObject", archive))
    assert not check.allows(Call("ExporterFunction", "s3:PutObject", f"{bucket}/originals/u1/m"))


def test_calls_are_attributed_to_the_function_whose_handler_runs(stack: Stack) -> None:
    from functions.users import app as users
    from tests.integration.conftest import as_user
    from tests.integration.social import make_user

    provisioner = stack.provisioner
    recorder = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    with recorder.installed():
        user = make_user()  # outside any handler: not attributed
        users.lambda_handler(as_user("users/get_me", user.id, user.username), FakeContext())
    table = str(provisioner.resolver.get_att("UsersTable", "Arn"))
    sessions = str(provisioner.resolver.get_att("SessionsTable", "Arn"))  # a new account: read
    assert recorder.calls == {
        Call("UsersFunction", "dynamodb:GetItem", table, f"USER#{user.id}"),
        Call("UsersFunction", "dynamodb:GetItem", sessions, f"USER#{user.id}"),
    }
    assert recorder.refused() == []


def test_an_upload_form_is_recorded_as_a_write_of_its_key_by_its_signer(stack: Stack) -> None:
    """A presigned POST is used later, with the signer's permissions: S3 refuses the upload
    (403) unless the signer may put the form's key. Video forms name `video-uploads/`."""
    from tests.integration.test_media import ALICE, create

    provisioner = stack.provisioner
    recorder = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    bucket = f"arn:aws:s3:::{stack.ref('MediaBucket')}"
    with recorder.installed():
        photo = create(ALICE, {"kind": "post", "content_type": "image/jpeg", "size_bytes": 10})
        video = create(ALICE, {"kind": "post", "content_type": "video/mp4", "size_bytes": 10})
    assert (photo[0], video[0]) == (201, 201)
    signed = {c for c in recorder.calls if c.action == "s3:PutObject"}
    assert signed == {
        Call("MediaFunction", "s3:PutObject", f"{bucket}/{photo[1]['upload']['fields']['key']}"),
        Call("MediaFunction", "s3:PutObject", f"{bucket}/{video[1]['upload']['fields']['key']}"),
    }
    assert recorder.refused() == []


def test_a_download_link_is_recorded_as_a_read_of_its_key(stack: Stack) -> None:
    from glimpse.adapters import media_bucket

    provisioner = stack.provisioner
    recorder = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    bucket = f"arn:aws:s3:::{stack.ref('MediaBucket')}"
    with recorder.installed(), attributed("ExportsFunction"):
        media_bucket.presigned_download("exports/u1/a.zip", 60, "a.zip")
    assert recorder.calls == {Call("ExportsFunction", "s3:GetObject", f"{bucket}/exports/u1/a.zip")}
    assert recorder.refused() == []


def test_calls_made_in_threads_a_handler_starts_are_the_handler_s(
    stack: Stack, tmp_path: Path
) -> None:
    """s3transfer uploads from worker threads (an MP4 under `upload_file`); a thread the
    function starts itself acts for it too."""
    from glimpse.adapters import media_bucket

    provisioner = stack.provisioner
    recorder = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    name = str(stack.ref("MediaBucket"))
    video = tmp_path / "720.mp4"
    video.write_bytes(b"\0" * 1024)
    with recorder.installed(), attributed("TranscoderFunction"):
        media_bucket.put_video(name, "renditions/m1/720.mp4", video)
        worker = threading.Thread(target=media_bucket.open_object, args=("video-uploads/u1/m1",))
        worker.start()
        worker.join()
    assert recorder.calls == {
        Call("TranscoderFunction", "s3:PutObject", f"arn:aws:s3:::{name}/renditions/m1/720.mp4"),
        Call("TranscoderFunction", "s3:GetObject", f"arn:aws:s3:::{name}/video-uploads/u1/m1"),
    }


def test_search_requests_are_checked_against_the_role_and_the_domain_policy(
    stack: Stack,
) -> None:
    """Each OpenSearch HTTP request is `es:ESHttp<Method>` on the domain's path: allowed only
    when the function's policy and the domain's access policy (naming its role) both allow."""
    from glimpse.adapters import search
    from glimpse.config import get_settings
    from infra import opensearch
    from infra.local.fronts.search import SearchFront

    provisioner = stack.provisioner
    recorder = Recorder(provisioner, function_specs(provisioner.template, provisioner.resolver))
    front = SearchFront.serving(opensearch.templates())
    saved = os.environ.get("OPENSEARCH_ENDPOINT", "")
    os.environ["OPENSEARCH_ENDPOINT"] = front.url
    get_settings.cache_clear()
    search.client.cache_clear()
    try:
        with recorder.installed():
            with attributed("SearchFunction"):
                search.search("users", {"query": {"match_all": {}}})
            with attributed("IndexerFunction"):
                search.search("posts", {"query": {"match_all": {}}})
    finally:
        os.environ["OPENSEARCH_ENDPOINT"] = saved
        get_settings.cache_clear()
        search.client.cache_clear()
        front.stop()
    domain = recorder.domain
    assert domain.endswith(f":domain/glimpse-{stack.ref('Stage')}")
    assert recorder.calls == {
        Call("SearchFunction", "es:ESHttpPost", f"{domain}/users/_search"),
        Call("IndexerFunction", "es:ESHttpPost", f"{domain}/posts/_search"),
    }
    assert recorder.refused() == [
        Call("IndexerFunction", "es:ESHttpPost", f"{domain}/posts/_search")
    ]
    # the domain's access policy alone decides too: the role's policy allows, the domain not
    recorder.domain_policies["SearchFunction"] = []
    assert not recorder.allows(Call("SearchFunction", "es:ESHttpPost", f"{domain}/users/_search"))
