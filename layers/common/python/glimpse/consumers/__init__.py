"""Consumers: which aggregates' reaction tables each queue's function runs (glimpse.reactions).

The one place that joins aggregates: a domain package never imports another at its own level,
so the tables of feed, stories, posts and graph meet here, above all of them.
"""
