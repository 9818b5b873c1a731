"""The policy check the integration suite runs on every AWS call (tests/integration/iam.py)."""

from __future__ import annotations

from infra.local.runtime import function_specs
from tests.conftest import FakeContext
from tests.integration.conftest import Stack
from tests.integration.iam import Call, Recorder


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
