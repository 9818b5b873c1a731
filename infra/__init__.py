"""Tooling around the application: the local cloud and build-time generators."""
