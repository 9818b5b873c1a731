"""Reproducible performance scripts; their latest figures are quoted in the README."""
