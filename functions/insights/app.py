"""Insights: a post's, a story's and the caller's own (the author only; API.md "Insights")."""

from typing import Annotated

from glimpse.api.identity import caller
from glimpse.api.resolver import create_app
from glimpse.insights import service
from glimpse.insights.schemas import AccountInsights, PostInsights, StoryInsights
from glimpse.plumbing import Plumbing

from aws_lambda_powertools.event_handler.openapi.params import Query

# The settings (glimpse.config) this function reads; tests check template.yaml gives them.
SETTINGS = (
    "insights_table",
    "media_table",
    "posts_table",
    "sessions_table",
    "stories_table",
    "users_table",
)

plumbing = Plumbing.of("insights")
app = create_app()


@app.get("/posts/<post_id>/insights", tags=["insights"], summary="Your post's insights")
def post_insights(post_id: str) -> PostInsights:
    return service.post_insights(caller(app).user_id, post_id)


@app.get("/stories/<story_id>/insights", tags=["insights"], summary="Your story's insights")
def story_insights(story_id: str) -> StoryInsights:
    return service.story_insights(caller(app).user_id, story_id)


@app.get("/me/insights", tags=["insights"], summary="Your account's last 7 or 30 days")
def account_insights(
    days: Annotated[int, Query(description="The window: 7 or 30 days.")] = 7,
) -> AccountInsights:
    return service.account_insights(caller(app).user_id, days)


lambda_handler = plumbing.http(app)
