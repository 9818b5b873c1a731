"""The Stories table's stream: each story item removed (expired, or deleted by its owner)
takes its media with it, and an owner's delete leaves `story_removed` for the fan-out
(glimpse.stories.reaper).

The event source's FilterCriteria pass only REMOVE records of story items; anything else is
skipped here too. A record that fails is reported alone and retried; after the retries the
batch's description goes to the failure queue.
"""

from typing import Any

from glimpse.models.stories import story_id_of
from glimpse.models.streams import read
from glimpse.plumbing import Plumbing
from glimpse.stories.reaper import ended, reap

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = ("events_table", "media_bucket", "media_table")

plumbing = Plumbing.of("story_reaper")
logger, metrics = plumbing.logger, plumbing.metrics
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    change = read(record.raw_event)
    if change.event_name != "REMOVE" or story_id_of(change.pk, change.sk) is None:
        return
    with plumbing.record(change.sequence_number):
        story = ended(change)
        objects = reap(story)
        logger.info("story ended", extra={"expired": story.expired, "objects_deleted": objects})
        metrics.add_metric(name="StoriesEnded", unit=MetricUnit.Count, value=1)


def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


lambda_handler = plumbing.consumer(handle)
