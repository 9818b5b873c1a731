"""Reproducible performance scripts; their latest figures, each with the command that produced
it, are in docs/benchmarks.md."""
