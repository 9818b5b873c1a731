"""API.md's accounts and profiles, over HTTP against the local cloud."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from infra.local.cloud import LocalCloud
from tests.conftest import run_concurrently
from tests.e2e.conftest import PASSWORD, Client, new_username
from tests.e2e.waiting import HTTP_TIMEOUT


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def test_health_openapi_and_docs_are_open(anonymous: Client) -> None:
    assert anonymous.get("/health").json() == {"status": "ok"}
    document = anonymous.get("/openapi.json").json()
    assert "/users/{username}" in document["paths"]
    page = anonymous.get("/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "swagger" in page.text.lower()


def test_sign_up_log_in_refresh_and_profile(cloud: LocalCloud, anonymous: Client) -> None:
    username = new_username("Carol")
    created = anonymous.post(
        "/auth/signup",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert created.status_code == 201
    assert created.json()["user"]["username"] == username.lower()
    assert created.json()["confirmed"] is True  # AutoConfirmUsers=true on the local stack

    tokens = anonymous.post("/auth/login", json={"username": username, "password": PASSWORD}).json()
    me = Client(cloud.url, token=tokens["id_token"])
    profile = me.get("/me").json()
    assert profile["email"] == f"{username.lower()}@example.com"

    updated = me.patch("/me", json={"display_name": "Carol", "bio": "Film only."})
    assert updated.status_code == 200
    assert (updated.json()["display_name"], updated.json()["bio"]) == ("Carol", "Film only.")

    public = me.get(f"/users/{username.upper()}").json()
    assert public["display_name"] == "Carol"
    assert "email" not in public

    refreshed = anonymous.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    again = Client(cloud.url, token=refreshed.json()["id_token"])
    assert again.get("/me").json()["username"] == username.lower()


def test_login_failures_do_not_reveal_accounts(alice: Client, anonymous: Client) -> None:
    wrong = anonymous.post("/auth/login", json={"username": alice.username, "password": "Nope-123"})
    unknown = anonymous.post(
        "/auth/login", json={"username": new_username(), "password": "Nope-123"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)


def test_validation_errors_list_fields_and_change_nothing(alice: Client) -> None:
    before = alice.get("/me").json()
    response = alice.patch("/me", json={"bio": "b" * 151, "display_name": "ok"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert [d["field"] for d in error["details"]] == ["bio"]
    assert alice.get("/me").json() == before
    malformed = alice.patch("/me", data="{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert error_of(malformed)["code"] == "bad_request"


def test_unknown_route_is_a_json_404(anonymous: Client, alice: Client) -> None:
    for client in (anonymous, alice):
        response = client.get("/no/such/route")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert alice.request("PUT", "/me").status_code == 404  # a method /me is not served with


def test_cors_preflight(anonymous: Client) -> None:
    response = anonymous.request("OPTIONS", "/me", headers={"Origin": "https://app.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]


def _moto_key() -> RSAKey:
    return RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


def _forge(claims: dict[str, Any]) -> str:
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, _moto_key())


def test_routes_refuse_missing_expired_forged_and_foreign_tokens(
    cloud: LocalCloud, alice: Client
) -> None:
    assert alice.get("/me").status_code == 200
    assert alice.token
    claims = json.loads(base64.urlsafe_b64decode(alice.token.split(".")[1] + "=="))
    expired = _forge({**claims, "exp": int(time.time()) - 60})
    header, _payload, signature = alice.token.split(".")
    tampered_claims = {**claims, "sub": "someone-else"}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).rstrip(b"=")
    bad_signature = f"{header}.{tampered_payload.decode()}.{signature}"

    # a real token from another user pool (same key in moto, another issuer and audience)
    idp = cloud.provisioner.client("cognito-idp")
    pool = idp.create_user_pool(PoolName=f"other-{new_username()}")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    foreign_password = "Correct-Horse-1!"  # moto's default policy for a pool without one
    idp.sign_up(ClientId=client_id, Username=alice.username, Password=foreign_password)
    idp.admin_confirm_sign_up(UserPoolId=pool, Username=alice.username)
    foreign = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": alice.username, "PASSWORD": foreign_password},
    )["AuthenticationResult"]["IdToken"]
    access = alice.post("/auth/login", json={"username": alice.username, "password": PASSWORD})
    access_token = access.json()["access_token"]

    for token in (None, "garbage", expired, bad_signature, foreign, access_token):
        headers = {"Authorization": f"Bearer {token}"} if token else {"Authorization": ""}
        response = Client(cloud.url).get("/me", headers=headers)
        assert response.status_code == 401, token
        assert error_of(response)["code"] == "unauthorized"


def test_concurrent_sign_ups_for_one_name_make_one_account(cloud: LocalCloud) -> None:
    username = new_username("race")

    def attempt(i: int) -> int:
        response = requests.post(
            f"{cloud.url}/auth/signup",
            json={
                "username": username if i % 2 else username.upper(),
                "email": f"{i}-{username}@example.com",
                "password": PASSWORD,
            },
            timeout=HTTP_TIMEOUT,
        )
        return response.status_code

    statuses = run_concurrently(6, attempt)
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
