"""What the stories aggregate does when events arrive (on the feed-jobs queue,
glimpse.consumers): the tray. A story's end (the Stories table's stream) is the story
reaper's (glimpse.stories.reaper); its view count is the counters consumer's."""

from glimpse import events
from glimpse.reactions import FOLLOWS_ONLY, Table
from glimpse.stories import tray

REACTIONS = Table(
    owner="stories",
    reactions={
        events.StoryCreated: (tray.story_created,),
        events.StoryRemoved: (tray.story_removed,),
        events.FollowCreated: (tray.followed,),
        events.RequestApproved: (tray.followed,),
        events.FollowRemoved: (tray.unfollowed,),
    },
    when=FOLLOWS_ONLY,
    jobs={tray.StorySpread: tray.spread_story},
)
