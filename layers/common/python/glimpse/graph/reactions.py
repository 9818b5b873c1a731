"""What the graph does when events arrive (on the feed-jobs queue, glimpse.consumers)."""

from glimpse import events
from glimpse.graph import celebrities, service
from glimpse.reactions import Table

REACTIONS = Table(
    owner="graph",
    reactions={
        events.CelebrityReached: (celebrities.celebrity_reached,),
        events.AccountMadePublic: (service.account_made_public,),
    },
    jobs={
        celebrities.CelebritySpread: celebrities.spread_celebrity,
        service.PendingApprovals: service.approve_pending,
    },
)
