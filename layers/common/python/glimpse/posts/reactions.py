"""What the posts aggregate does when events arrive (on the feed-jobs queue,
glimpse.consumers). Its counts are the counters consumer's (glimpse.counters.reactions)."""

from glimpse import events
from glimpse.posts import cleanup
from glimpse.reactions import Table

REACTIONS = Table(
    owner="posts",
    reactions={
        events.PostDeleted: (cleanup.post_deleted,),
        events.CommentDeleted: (cleanup.comment_deleted,),
    },
    jobs={cleanup.PostCleanup: cleanup.clean_up, cleanup.CommentCleanup: cleanup.clean_comment},
)
