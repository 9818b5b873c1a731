"""What the stories aggregate does when events arrive (on the feed-jobs queue,
glimpse.consumers): the tray. A story's end (the Stories table's stream) is the story
reaper's (glimpse.stories.reaper); its view count is the counters consumer's."""

from glimpse import events
from glimpse.reactions import FOLLOWS_ONLY, Table
from glimpse.stories import highlights, tray


def of_story(event: events.ContentRemoved | events.ContentRestored) -> bool:
    return event.target_type == "story"


REACTIONS = Table(
    owner="stories",
    reactions={
        events.StoryCreated: (tray.story_created,),
        events.StoryRemoved: (tray.story_removed,),
        # a story's (`when`): out of trays and highlights for all but its owner, and back
        events.ContentRemoved: (tray.story_removed, highlights.story_moderated),
        events.ContentRestored: (tray.story_created, highlights.story_moderated),
        events.FollowCreated: (tray.followed,),
        events.RequestApproved: (tray.followed,),
        events.FollowRemoved: (tray.unfollowed,),
    },
    when={**FOLLOWS_ONLY, events.ContentRemoved: of_story, events.ContentRestored: of_story},
    jobs={tray.StorySpread: tray.spread_story},
)
