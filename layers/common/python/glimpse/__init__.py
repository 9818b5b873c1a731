"""Glimpse's shared package, shipped to every function as the common Lambda layer."""

from glimpse import lazy

lazy.install()  # before a function's first Powertools import (see glimpse.lazy)
