"""Insights answers (API.md "Insights")."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from glimpse.schema import Schema


class PostInsights(Schema):
    reach: int = Field(description="Distinct accounts served the post (approximate, within 2%).")
    impressions: int = Field(description="Times the post was served to someone but its author.")
    likes: int
    comments: int
    saves: int
    profile_visits: int = Field(
        description="Visits to the author's profile on the days (UTC, last 30) the post was served."
    )
    follows: int = Field(
        description="Followers the author gained on the days (UTC, last 30) the post was served."
    )


class StoryInsights(Schema):
    reach: int
    impressions: int
    likes: int
    replies: int
    sticker_taps: int = Field(description="Poll and slider votes and question answers.")


class DayInsights(Schema):
    date: date
    reach: int
    impressions: int


class AccountInsights(Schema):
    reach: int = Field(description="Distinct accounts served any of your posts or stories.")
    impressions: int
    profile_views: int
    followers_gained: int
    followers_lost: int
    by_day: list[DayInsights] = Field(description="Each UTC day of the window, oldest first.")
