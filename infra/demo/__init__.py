"""`make demo`: a world worth looking at on the running local cloud (docs/demo.md)."""
