"""Trust and safety: reports, the moderators' queue, actions and log (API.md, Safety).

A report counts in its target's case through the counters consumer; moderators read the
open cases and decide. A removal is a mark on the content item that every read path applies
(glimpse.graph.access.removed_for); a suspension hides the account as a deletion does.
"""
