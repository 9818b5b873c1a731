"""The home feed: fan-out on write for most authors, merge on read for celebrity accounts."""
