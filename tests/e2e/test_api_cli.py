"""Journey: a token made on the web page, `hd login`, a git hook logging two commits, a revoke.

The CLI is the installed `hd` (requirements-dev.txt installs ./cli), run as a subprocess with
a HOME and XDG_CONFIG_HOME of its own, against the live server over real HTTP.
"""

import stat
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.cli.env import HD, run
from tests.cli.env import cli_env as make_cli_env

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli_env(tmp_path):
    return make_cli_env(tmp_path)


def test_a_token_from_the_page_logs_two_commits_and_stops_working_once_revoked(
    app, member, page, sign_in, screenshot, cli_env, tmp_path
):
    from journal.clock import today_for
    from journal.models import Entry
    from journal.tests.factories import make_round

    make_round(member, days_ago=0, visibility="public")
    today = today_for(member)
    sign_in(page.context, member)

    # 1. A token made on the tokens page, shown once.
    page.goto(app + "/account/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    page.get_by_label("Name").fill("laptop git hook")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it is shown only once.")).to_be_visible()
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("hd_")
    screenshot(page, "api-01-token-created")

    # 2. hd login, the token read from standard input; kept readable by the user only.
    login = run([str(HD), "login", "--url", app], cli_env, input=token + "\n")
    assert login.returncode == 0, login.stderr
    assert "Signed in as @ada" in login.stdout
    config = Path(cli_env["XDG_CONFIG_HOME"]) / "hundreddays" / "config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert token in config.read_text()

    # 3. A throwaway repository on "GitHub", the hook installed, two commits.
    repo = tmp_path / "parser"
    repo.mkdir()
    for args in (["init", "-q", "-b", "main"], ["remote", "add", "origin", "git@github.com:ada/parser.git"]):
        assert run(["git", *args], cli_env, cwd=repo).returncode == 0
    install = run([str(HD), "hook", "install"], cli_env, cwd=repo)
    assert install.returncode == 0, install.stderr
    subjects = ["Parse ISO dates in the importer", "Add tests for leap years"]
    for i, subject in enumerate(subjects):
        (repo / f"file{i}.py").write_text(f"# {subject}\n")
        run(["git", "add", "."], cli_env, cwd=repo)
        started = time.monotonic()
        commit = run(
            ["git", "commit", "-q", "-m", subject, "-m", "Body text stays out of the log."], cli_env, cwd=repo
        )
        assert commit.returncode == 0, commit.stderr
        assert time.monotonic() - started < 5  # the hook runs in the background
    sha = run(["git", "rev-parse", "HEAD"], cli_env, cwd=repo).stdout.strip()

    # The hooks post in the background: wait for both lines to land.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        entry = Entry.objects.filter(round__user=member, date=today).first()
        if entry and all(s in entry.progress for s in subjects):
            break
        time.sleep(0.3)

    # 4. Today's permalink shows both subjects, each linking to its commit.
    page.goto(f"{app}/@ada/r1/{today.isoformat()}/")
    body = page.locator("article.entry .body")
    for subject in subjects:
        expect(body).to_contain_text(subject)
    expect(body).not_to_contain_text("Body text stays out")
    expect(page.locator(f'a[href="https://github.com/ada/parser/commit/{sha}"]')).to_have_text(sha[:7])
    screenshot(page, "api-02-permalink-with-commits")

    status = run([str(HD), "today"], cli_env)
    assert status.returncode == 0, status.stderr
    assert "Day 1 of 100" in status.stdout and subjects[1] in status.stdout

    # 5. Revoked on the page (with a confirmation): the next `hd today` fails with a clear line.
    page.goto(app + "/account/tokens/")
    page.get_by_role("link", name="Revoke laptop git hook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the token “laptop git hook”?")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.locator(".messages")).to_contain_text("The token “laptop git hook” is revoked.")
    screenshot(page, "api-03-token-revoked")

    after = run([str(HD), "today"], cli_env)
    assert after.returncode == 1
    assert after.stdout == ""
    assert after.stderr.strip() == (
        "hd: The server refused the token (revoked, expired or unknown); create a new one and run `hd login`."
    )
