"""The local Cognito's rules beyond moto's (infra/local/cognito.py, infra/local/provision.py):
an app client offers only its `ExplicitAuthFlows`, and a saved client whose flows changed in
the template is updated in place, as CloudFormation updates it, so a saved local state does
not refuse every sign-in after an upgrade."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.local.provision import Provisioner
from infra.local.template import Template
from tests.integration.conftest import Stack

PASSWORD = "Correct-horse-1"


def template(flows: list[str]) -> Template:
    body: dict[str, Any] = {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
            "Client": {
                "Type": "AWS::Cognito::UserPoolClient",
                "Properties": {
                    "UserPoolId": {"Ref": "Pool"},
                    "ClientName": "app",
                    "ExplicitAuthFlows": flows,
                },
            },
        }
    }
    return Template(Path("template.yaml"), body, {}, f"s{uuid.uuid4().hex[:8]}")


def test_a_saved_client_gets_the_templates_new_flows(stack: Stack) -> None:
    old = Provisioner(template(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]), None)
    saved = {lid: item.saved() for lid, item in old.provision().items()}
    pool, client = saved["Pool"]["ref"], saved["Client"]["ref"]
    idp = stack.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool, Username="ann", TemporaryPassword=PASSWORD)
    idp.admin_set_user_password(UserPoolId=pool, Username="ann", Password=PASSWORD, Permanent=True)
    sign_in = {"USERNAME": "ann", "PASSWORD": PASSWORD}

    def admin_sign_in() -> dict[str, Any]:
        return dict(
            idp.admin_initiate_auth(
                UserPoolId=pool,
                ClientId=client,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters=sign_in,
            )
        )

    with pytest.raises(ClientError, match="flow not enabled"):
        admin_sign_in()

    new = Provisioner(
        template(["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]), None
    )
    new.template.stack_name = old.template.stack_name
    new.provision(saved=saved)
    assert new.report.kept_as_saved == []
    assert new.resources["Client"].ref == client  # the same client, updated
    assert "AuthenticationResult" in admin_sign_in()
    with pytest.raises(ClientError, match="flow not enabled"):
        idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=sign_in)
