"""What the feed does when events arrive (on the feed-jobs queue, glimpse.consumers)."""

from glimpse import events
from glimpse.feed import fanout
from glimpse.reactions import FOLLOWS_ONLY, Table

REACTIONS = Table(
    owner="feed",
    reactions={
        events.PostCreated: (fanout.post_created,),
        events.PostDeleted: (fanout.post_deleted,),
        events.FollowCreated: (fanout.followed,),
        events.RequestApproved: (fanout.followed,),
        events.FollowRemoved: (fanout.unfollowed,),
    },
    when=FOLLOWS_ONLY,
    jobs={fanout.PostSpread: fanout.spread_post},
)
