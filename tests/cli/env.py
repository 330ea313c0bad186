"""Running the installed `hd` with a home of its own (shared by tests/cli and the e2e journey)."""

import os
import subprocess
import sys
from pathlib import Path

HD = Path(sys.executable).with_name("hd")  # the virtualenv's (Debian's /usr/bin/hd is hexdump)


def cli_env(tmp_path) -> dict:
    """A HOME and XDG_CONFIG_HOME under ``tmp_path``, English, and a git identity."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "LANG": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }


def run(args, env, cwd=None, input=None):
    return subprocess.run(args, env=env, cwd=cwd, input=input, capture_output=True, text=True, timeout=60)
