"""Places: shared, named points (`POST /places`), de-duplicated by name and distance."""
