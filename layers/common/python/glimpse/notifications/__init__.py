"""Notifications: written from events, grouped, listed, read, set and pushed."""
