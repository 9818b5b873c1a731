"""Glimpse's shared package, shipped to every function as the common Lambda layer."""
