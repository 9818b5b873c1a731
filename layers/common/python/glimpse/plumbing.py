"""What every Lambda handler sets up, written once.

`Plumbing.of("<name>")` in `functions/<name>/app.py` gives the function's Powertools logger,
tracer and metrics, all named `<name>`: the folder its `CodeUri` names in template.yaml. A test
holds the two equal; the name is written, not derived, because in Lambda the module is `app`.
`http(app)` is an API function's `lambda_handler` (the API Gateway request id as correlation
id); `consumer(handle)` an event consumer's, whose records each set their own correlation id
(`correlate`, or `record`, which also logs a record's failure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from glimpse import snapstart
from glimpse.idempotency import invocation

if TYPE_CHECKING:  # kept out of the import: the Cognito trigger needs neither
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

type Handler[R] = Callable[[dict[str, Any], LambdaContext], R]


@dataclass(frozen=True)
class Plumbing:
    service: str
    logger: Logger
    tracer: Tracer | None  # None: not traced
    metrics: Metrics

    @classmethod
    def of(
        cls, service: str, *, traced: bool = True, patch: tuple[str, ...] = ("botocore",)
    ) -> Plumbing:
        """For the function whose code is `functions/<service>/`. Functions that call no AWS
        service worth a trace (docs, the Cognito trigger) pass `traced=False`.

        The tracer patches `patch` only: botocore traces every AWS call (PynamoDB's too, which
        go through botocore), and a function that calls an HTTP service itself adds "httplib".
        Powertools' default patches every library the X-Ray SDK knows, which loads them at
        cold start and records each DynamoDB call three times (botocore, PynamoDB, httplib).
        """
        tracer = Tracer(service=service, patch_modules=patch) if traced else None
        snapstart.install()
        return cls(service, Logger(service=service), tracer, Metrics(service=service))

    def _wrap[R](self, handler: Handler[R], correlation_path: str | None = None) -> Handler[R]:
        wrapped = self.metrics.log_metrics(handler)
        if self.tracer is not None:
            wrapped = self.tracer.capture_lambda_handler(wrapped)
        inject = self.logger.inject_lambda_context(correlation_id_path=correlation_path)
        return inject(wrapped)

    def http(self, app: APIGatewayRestResolver) -> Handler[dict[str, Any]]:
        """An API function's handler: resolves the request through `app` (with the Lambda
        context kept for a create made safe to retry, glimpse.idempotency.created_once)."""

        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            with invocation(context):
                return app.resolve(event, context)

        return self._wrap(lambda_handler, correlation_paths.API_GATEWAY_REST)

    def consumer[R](
        self, handle: Handler[R], idempotency: IdempotencyConfig | None = None
    ) -> Handler[R]:
        """An event consumer's handler: `handle(event, context)`, with the Lambda context given
        to its Idempotency configuration (if any)."""

        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> R:
            self.logger.set_correlation_id(None)  # a warm start forgets the last record's id
            if idempotency is not None:
                idempotency.register_lambda_context(context)
            return handle(event, context)

        return self._wrap(lambda_handler)

    def correlate(self, record_id: str) -> None:
        """Log what follows under this record's id (an SQS message id, a stream sequence)."""
        self.logger.set_correlation_id(record_id)

    @contextmanager
    def record(self, record_id: str) -> Iterator[None]:
        """One record of a batch: logged under its id, and its failure logged with the
        traceback before the batch processor reports it (which logs nothing itself)."""
        self.correlate(record_id)
        try:
            yield
        except Exception:
            self.logger.exception("record failed; it comes back, then goes to the DLQ")
            raise
