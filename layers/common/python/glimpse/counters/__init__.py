"""Counters added up from domain events."""
