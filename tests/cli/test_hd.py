"""The `hd` command line, installed from ./cli, run as a subprocess against the live server."""

import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
from hd.main import commit_url

from tests.cli.env import HD, cli_env, run

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("git@github.com:ada/parser.git", "https://github.com/ada/parser/commit/abc"),
        ("https://github.com/ada/parser.git", "https://github.com/ada/parser/commit/abc"),
        ("https://ada:secret@github.com/ada/parser", "https://github.com/ada/parser/commit/abc"),
        ("ssh://git@gitlab.com/group/sub/parser.git", "https://gitlab.com/group/sub/parser/-/commit/abc"),
        ("git@codeberg.org:ada/parser.git", "https://codeberg.org/ada/parser/commit/abc"),
        ("https://Codeberg.org/ada/parser/", "https://codeberg.org/ada/parser/commit/abc"),
        ("git@example.com:ada/parser.git", None),
        ("/home/ada/parser.git", None),
        ("https://github.com/ada", None),
        ('https://github.com/ada/pa"rser', None),
    ],
)
def test_a_commit_links_to_github_gitlab_or_codeberg_only(remote, url):
    assert commit_url(remote, "abc") == url


@pytest.fixture
def env(tmp_path):
    return cli_env(tmp_path)


def hd(env, *args, cwd=None, input=None):
    return run([str(HD), *args], env, cwd=cwd, input=input)


def configure(env, url, token="hd_" + "x" * 43):
    path = Path(env["XDG_CONFIG_HOME"]) / "hundreddays" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "token": token}))
    path.chmod(0o600)


def test_errors_are_one_line_and_follow_the_locale(env):
    result = hd(env, "today")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "hd: Not signed in: run `hd login` first.\n"
    result = hd({**env, "LANG": "es_ES.UTF-8"}, "status")
    assert result.stderr == "hd: No has iniciado sesión: ejecuta primero `hd login`.\n"
    configure(env, UNREACHABLE)
    result = hd(env, "status")
    assert result.returncode == 1 and result.stderr.startswith(f"hd: Cannot reach {UNREACHABLE}:")
    assert len(result.stderr.splitlines()) == 1
    result = hd({**env, "LC_ALL": "es_MX.UTF-8"}, "log")
    assert result.returncode == 2 and "faltan estos argumentos: text" in result.stderr


def test_login_checks_the_token_and_stores_it_for_the_user_only(
    env, live_server, transactional_db, make_user
):
    from api.services import create_token

    user = make_user("ada@example.com", handle="ada")
    _t, raw = create_token(user, name="laptop")
    refused = hd(env, "login", "--url", live_server.url, "--token", "hd_" + "y" * 43)
    assert refused.returncode == 1 and "refused the token" in refused.stderr
    assert not (Path(env["XDG_CONFIG_HOME"]) / "hundreddays" / "config.json").exists()
    assert hd(env, "login", "--url", live_server.url, "--token", "not-a-token").stderr == (
        "hd: A token starts with hd_.\n"
    )
    ok = hd(env, "login", "--url", live_server.url, input=raw + "\n")
    assert ok.returncode == 0, ok.stderr
    config = Path(env["XDG_CONFIG_HOME"]) / "hundreddays" / "config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700


def test_log_status_and_today(env, live_server, transactional_db, make_user):
    from api.services import create_token
    from journal.models import Entry
    from journal.tests.factories import make_round

    user = make_user("ada@example.com", handle="ada")
    make_round(user, days_ago=0)
    configure(env, live_server.url, create_token(user, name="laptop", can_write=True)[1])
    assert hd(env, "today").stdout.splitlines()[-1].startswith("Nothing logged today (")
    result = hd(
        env,
        "log",
        "Wrote the **parser**",
        "--tag",
        "python",
        "--minutes",
        "45",
        "--link",
        "https://example.com/pr/1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Day 1 is logged: ") and "/@ada/r1/" in result.stdout
    entry = Entry.objects.get()
    assert (entry.minutes, [t.name for t in entry.tags.all()], entry.links.get().url) == (
        45,
        ["python"],
        "https://example.com/pr/1",
    )
    again = hd(env, "log", "Twice")
    assert again.returncode == 1 and "is already logged in this round" in again.stderr
    assert hd(env, "log", "And more", "--append").stdout.startswith("Added to day 1: ")
    status = hd(env, "status")
    assert status.stdout.splitlines()[1] == "Day 1 of 100 · streak 1 · longest 1 · missed 0"
    today = hd({**env, "LANG": "es_ES.UTF-8"}, "today")
    assert "Día 1 de 100 · racha 1" in today.stdout and "Wrote the **parser**\n\nAnd more" in today.stdout
    future = hd(env, "log", "Tomorrow", "--date", "2999-01-01")
    assert future.returncode == 1 and "You can't log a day that hasn't happened yet." in future.stderr


def test_the_hook_never_fails_a_commit_offline_and_the_next_run_sends_the_queue(
    env, tmp_path, live_server, transactional_db, make_user
):
    from api.services import create_token
    from journal.models import Entry
    from journal.tests.factories import make_round

    user = make_user("ada@example.com", handle="ada")
    make_round(user, days_ago=0)
    raw = create_token(user, name="hook", can_write=True)[1]
    configure(env, UNREACHABLE, raw)
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, env=env, check=True)
    assert hd(env, "hook", "install", cwd=repo).returncode == 0
    assert hd(env, "hook", "install", cwd=repo).stdout == "The hook was already installed.\n"
    hook = repo / ".git" / "hooks" / "post-commit"
    assert os.access(hook, os.X_OK)
    started = time.monotonic()
    commit = subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", "Work offline on the train"], cwd=repo, env=env
    )
    assert commit.returncode == 0 and time.monotonic() - started < 5
    queue = Path(env["XDG_CONFIG_HOME"]) / "hundreddays" / "queue.jsonl"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not queue.exists():
        time.sleep(0.2)
    time.sleep(0.5)
    assert "Work offline on the train" in queue.read_text()
    assert stat.S_IMODE(queue.stat().st_mode) == 0o600
    assert not Entry.objects.exists()

    # Back online: the next command sends what waited, then does its own work.
    configure(env, live_server.url, raw)
    status = hd(env, "status")
    assert status.returncode == 0, status.stderr
    assert status.stderr == "1 queued lines sent.\n"
    assert not queue.exists()
    assert Entry.objects.get().progress == "- Work offline on the train"
    assert hd(env, "hook", "uninstall", cwd=repo).returncode == 0 and not hook.exists()
    outside = hd(env, "hook", "install", cwd=tmp_path)
    assert outside.returncode == 1 and outside.stderr == "hd: This is not a git repository.\n"
