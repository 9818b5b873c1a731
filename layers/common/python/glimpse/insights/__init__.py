"""Insights: impressions, reach and what a post, a story or an account's days did (the
author's alone). The aggregator (`aggregator`) counts from the API functions' `served` log
lines; the routes (`service`) read what it and the counters consumer wrote."""
