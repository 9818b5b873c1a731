"""Profiles: reading and editing users."""
