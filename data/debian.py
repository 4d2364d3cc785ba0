"""What the build scripts of this folder ask Debian: the version of an installed package.

The generated tables record the versions of the Debian packages they were built from, so a
rebuild can be checked against them (``data/SOURCES.md``).
"""

from __future__ import annotations

import subprocess


def package_version(name: str) -> str:
    """Return the installed version of Debian package ``name``, or ``"unknown"``."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", name],
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"
