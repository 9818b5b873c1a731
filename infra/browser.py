"""Which Chromium the browser tests drive: `python -m infra.browser` says, or says what to install.

In order: `GLIMPSE_CHROMIUM` (a path), the Chromium Playwright downloads for itself
(`playwright install chromium`, where a machine may download it), then the system's
(`/usr/bin/chromium`, Debian's package `chromium`; `chromium-browser`, `google-chrome`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SYSTEM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags known to work headless in containers and CI (no sandbox as root, no GPU, nothing
# fetched in the background).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_INSTALL = """No Chromium for the browser tests (tests/e2e/test_web_client.py).
Install one of:
  Debian/Ubuntu:  sudo apt-get install -y chromium
  any machine:    .venv/bin/playwright install chromium   (Playwright's own build)
or point GLIMPSE_CHROMIUM at a Chromium or Chrome binary."""


def playwright_chromium() -> str | None:
    """Playwright's own Chromium, if it was downloaded (no process started)."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache/ms-playwright")
    builds = sorted(cache.glob("chromium-*/chrome-linux*/chrome"), reverse=True)
    return str(builds[0]) if builds else None


def find() -> str | None:
    """The path of the Chromium to launch, or None."""
    chosen = os.environ.get("GLIMPSE_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    found = playwright_chromium()
    if found:
        return found
    for name in SYSTEM:
        path = shutil.which(name)
        if path:
            return path
    return None


def main() -> int:
    path = find()
    if path is None:
        print(HOW_TO_INSTALL, file=sys.stderr)
        return 1
    print(f"Browser tests use {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
