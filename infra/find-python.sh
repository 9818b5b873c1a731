#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter: python3.13 on PATH, else pyenv's 3.13.
# Exits 1 with install advice when there is none.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' >/dev/null 2>&1; }
if command -v python3.13 >/dev/null 2>&1 && ok python3.13; then
  command -v python3.13; exit 0
fi
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for candidate in $(ls -d "$root"/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV); do
  if ok "$candidate"; then echo "$candidate"; exit 0; fi
done
for candidate in /usr/local/bin/python3.13 /usr/bin/python3.13; do
  if [ -x "$candidate" ] && ok "$candidate"; then echo "$candidate"; exit 0; fi
done
cat >&2 <<'MSG'
error: Glimpse needs Python 3.13 (the Lambda runtime python3.13) and none was found.
Install one of:
  - pyenv:   pyenv install 3.13          (found automatically, no need to make it global)
  - Debian:  apt-get install python3.13 python3.13-venv
  - macOS:   brew install python@3.13
then run the make command again.
MSG
exit 1
