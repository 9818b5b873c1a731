"""The template's resources on moto, in-process, for the benchmarks that need AWS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.local.provision import Provisioner

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def provisioned() -> Iterator[Provisioner]:
    """moto's `mock_aws`, every resource of template.yaml, and the functions' environment."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's fake credentials
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from moto import mock_aws

    from infra.local.runtime import function_specs, merged_environment
    from infra.local.template import Template

    with mock_aws():
        template = Template.load(ROOT / "template.yaml")
        provisioner = Provisioner(template, endpoint=None)
        provisioner.provision()
        os.environ.update(merged_environment(function_specs(template, provisioner.resolver)))
        yield provisioner
