"""hd: log #100DaysOfCode days to a Hundred Days server. Standard library only.

Every failure prints one line (``hd: …``) and exits with status 1; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from hd import __version__, i18n
from hd.i18n import gettext as _

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT = 15  # seconds, for a command typed by a person
HOOK_TIMEOUT = 5  # seconds, for the background hook
HOOK_MARK = "# hundreddays: hd hook"
MAX_QUEUE = 500  # lines kept while offline


class Failure(Exception):
    """A failure to report as one line."""


class Offline(Failure):
    """The server could not be reached (or failed on its side): worth trying again later."""


class TokenRefused(Failure):
    """401: the token is revoked, expired or unknown."""


# --- configuration ---------------------------------------------------------------------


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hundreddays"


def config_path() -> Path:
    return config_dir() / "config.json"


def queue_path() -> Path:
    return config_dir() / "queue.jsonl"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the user only (0600), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_config() -> dict:
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Failure(_("Not signed in: run `hd login` first.")) from None
    except (OSError, ValueError):
        raise Failure(
            _("The configuration file %(path)s cannot be read; run `hd login` again.") % {"path": path}
        ) from None
    if not isinstance(data, dict) or not data.get("url") or not data.get("token"):
        raise Failure(
            _("The configuration file %(path)s cannot be read; run `hd login` again.") % {"path": path}
        )
    return data


# --- HTTP ------------------------------------------------------------------------------


class Client:
    def __init__(self, url: str, token: str, timeout: float = TIMEOUT):
        if not url.startswith(("http://", "https://")):
            raise Failure(_("The address must start with http:// or https://."))
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict | None = None):
        """(status, JSON body or None). Raises Failure with the server's own message."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + "/api/v1" + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "Accept-Language": i18n.language(),
                "User-Agent": f"hd/{__version__}",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # nosec B310 - http(s) only, checked above
                return resp.status, _json(resp.read(), resp.status)
        except urllib.error.HTTPError as error:
            status = error.code
            payload = _json(error.read(), status, strict=False)
            if status == 401:
                raise TokenRefused(
                    _(
                        "The server refused the token (revoked, expired or unknown); create a new one and run `hd login`."
                    )
                ) from None
            if status == 404 and method == "GET":
                return status, payload
            detail = (payload or {}).get("detail") or error.reason
            message = _("The server answered %(status)s: %(detail)s") % {"status": status, "detail": detail}
            if status >= 500 or status == 429:
                raise Offline(message) from None
            raise Failure(message) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise Offline(
                _("Cannot reach %(url)s: %(reason)s") % {"url": self.url, "reason": reason}
            ) from None


def _json(raw: bytes, status: int, strict: bool = True):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        if strict:
            raise Failure(
                _("The server did not answer with JSON (status %(status)s).") % {"status": status}
            ) from None
        return None


def client(timeout: float = TIMEOUT) -> Client:
    config = load_config()
    return Client(config["url"], config["token"], timeout)


# --- commands --------------------------------------------------------------------------


def cmd_login(args) -> int:
    url = args.url or os.environ.get("HD_URL") or ""
    if not url and sys.stdin.isatty():
        url = input(_("Server address [%(url)s]: ") % {"url": DEFAULT_URL}).strip()
    url = (url or DEFAULT_URL).rstrip("/")
    if not re.match(r"^https?://[^\s/]+", url):
        raise Failure(_("The address must start with http:// or https://."))
    token = args.token
    if token is None:
        prompt = _("Token (from %(url)s/account/tokens/): ") % {"url": url}
        token = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    token = (token or "").strip()
    if not token:
        raise Failure(_("No token given."))
    if not token.startswith("hd_"):
        raise Failure(_("A token starts with hd_."))
    _status, me = Client(url, token).request("GET", "/me")
    write_private(config_path(), json.dumps({"url": url, "token": token}, indent=2) + "\n")
    print(
        _("Signed in as @%(handle)s on %(url)s. The token is stored in %(path)s.")
        % {"handle": me["handle"], "url": url, "path": config_path()}
    )
    return 0


def cmd_logout(args) -> int:
    try:
        config_path().unlink()
    except FileNotFoundError:
        print(_("No token is stored."))
        return 0
    print(_("The stored token is removed."))
    return 0


def current_round(api: Client) -> dict:
    _status, rounds = api.request("GET", "/rounds")
    number = rounds.get("current")
    if number is None:
        raise Failure(_("You have no round yet: start one on the website."))
    return next(r for r in rounds["items"] if r["number"] == number)


def site(api: Client, path: str) -> str:
    return api.url + path


def cmd_log(args) -> int:
    api = client()
    body = {
        "progress": args.text,
        "links": [{"url": url} for url in args.link],
        "tags": args.tag,
        "minutes": args.minutes,
    }
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise Failure(_("The date must be YYYY-MM-DD.")) from None
        number = current_round(api)["number"]
        status, _entry = api.request("GET", f"/rounds/{number}/entries/{day.isoformat()}")
        if status != 404:
            raise Failure(
                _("%(date)s is already logged; edit it on the website.") % {"date": day.isoformat()}
            )
        status, entry = api.request("PUT", f"/rounds/{number}/entries/{day.isoformat()}", body)
    else:
        body["mode"] = "append" if args.append else "create"
        status, entry = api.request("POST", "/today", body)
    message = "Added to day %(day)s: %(url)s" if status == 200 else "Day %(day)s is logged: %(url)s"
    print(_(message) % {"day": entry["day"], "url": site(api, entry["url"])})
    return 0


def print_summary(round: dict) -> None:
    s = round["summary"]
    print(_("R%(number)s · %(title)s") % {"number": round["number"], "title": round["title"]})
    if s["status"] == "broken":
        message = i18n.ngettext(
            "Broke on %(date)s after %(n)s day.", "Broke on %(date)s after %(n)s days.", s["logged"]
        )
        print(message % {"date": s["broken_on"], "n": s["logged"]})
        return
    if s["status"] == "completed":
        print(_("Completed: %(n)s of %(target)s days.") % {"n": s["logged"], "target": s["target"]})
        return
    if s["status"] == "finished":
        print(
            _("Finished on %(date)s: %(n)s of %(target)s days logged.")
            % {"date": s["finish"], "n": s["logged"], "target": s["target"]}
        )
        return
    print(
        _("Day %(day)s of %(target)s · streak %(streak)s · longest %(longest)s · missed %(missed)s")
        % {
            "day": s["day"],
            "target": s["target"],
            "streak": s["current_streak"],
            "longest": s["longest_streak"],
            "missed": s["missed"],
        }
    )
    if s["at_risk"]:
        print(_("Yesterday was missed: log today to keep the round."))


def cmd_status(args) -> int:
    api = client()
    round = current_round(api)
    print_summary(round)
    if round["summary"].get("finish") and round["summary"]["status"] == "active":
        print(_("Projected finish: %(date)s.") % {"date": round["summary"]["finish"]})
    return 0


def cmd_today(args) -> int:
    api = client()
    round = current_round(api)
    today = round["summary"]["today"]
    print_summary(round)
    status, entry = api.request("GET", f"/rounds/{round['number']}/entries/{today}")
    if status == 404:
        print(_("Nothing logged today (%(date)s) yet.") % {"date": today})
        return 0
    print(_("Today (%(date)s):") % {"date": today})
    print(entry["progress"])
    print(site(api, entry["url"]))
    return 0


# --- git hook --------------------------------------------------------------------------


def git(*args, cwd=None) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True)
    return out.stdout.strip()


def hook_path() -> Path:
    try:
        hooks = git("rev-parse", "--git-path", "hooks")
    except (subprocess.CalledProcessError, FileNotFoundError, subprocess.TimeoutExpired):
        raise Failure(_("This is not a git repository.")) from None
    return Path(hooks).resolve() / "post-commit"


def hook_line() -> str:
    # The interpreter that has hd installed, so the hook works whatever the commit's PATH.
    # In the background, output discarded: the commit never waits and never fails.
    # The commit is named now (HEAD moves on if the next commit comes before this one is sent).
    python = sys.executable.replace("'", "'\\''")
    return (
        f"( '{python}' -m hd hook run \"$(git rev-parse HEAD 2>/dev/null)\" </dev/null >/dev/null 2>&1 & )"
        f" {HOOK_MARK}"
    )


def cmd_hook_install(args) -> int:
    path = hook_path()
    line = hook_line()
    if path.exists():
        text = path.read_text(encoding="utf-8", errors="replace")
        if HOOK_MARK in text:
            lines = [line if HOOK_MARK in old else old for old in text.splitlines()]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(_("The hook was already installed."))
            return 0
        raise Failure(
            _("A post-commit hook already exists at %(path)s; add this line to it: %(line)s")
            % {"path": path, "line": line}
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{line}\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)
    print(_("The hook is installed: each commit's subject goes to today's entry."))
    return 0


def cmd_hook_uninstall(args) -> int:
    path = hook_path()
    if not path.exists() or HOOK_MARK not in path.read_text(encoding="utf-8", errors="replace"):
        raise Failure(_("There is no hd hook in this repository."))
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if HOOK_MARK not in line]
    if [line for line in kept if line.strip() and not line.startswith("#!") and line.strip() != "exit 0"]:
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    else:
        path.unlink()
    print(_("The hook is removed."))
    return 0


FORGES = {"github.com": "/commit/", "gitlab.com": "/-/commit/", "codeberg.org": "/commit/"}


def commit_url(remote: str, sha: str) -> str | None:
    """The commit's web page when the remote is on GitHub, GitLab or Codeberg."""
    remote = remote.strip()
    match = re.match(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$", remote)  # scp-like: git@host:owner/repo.git
    if match:
        host, path = match[1], match[2]
    else:
        parts = urllib.parse.urlsplit(remote)
        if parts.scheme not in ("https", "http", "ssh", "git"):
            return None
        host, path = (parts.hostname or ""), parts.path
    host = host.lower()
    path = path.strip("/").removesuffix(".git")
    if host not in FORGES or path.count("/") < 1 or not re.fullmatch(r"[\w.\-/]+", path):
        return None
    return f"https://{host}/{path}{FORGES[host]}{sha}"


def commit_line(rev: str = "HEAD") -> dict | None:
    """The line for a commit, and its time (the queue is sent in commit order)."""
    if not re.fullmatch(r"[0-9a-f]{7,64}", rev):
        rev = "HEAD"
    sha, at, subject = git("log", "-1", "--format=%H%x00%ct%x00%s", rev, "--").split("\0", 2)
    if not subject:
        return None
    try:
        remote = git("remote", "get-url", "origin")
    except subprocess.CalledProcessError:
        remote = ""
    url = commit_url(remote, sha) if remote else None
    text = f"- {subject} ([{sha[:7]}]({url}))" if url else f"- {subject}"
    return {"text": text, "at": int(at)}


@contextlib.contextmanager
def queue_lock():
    """One hook run at a time sends the queue (two quick commits run two hooks)."""
    import fcntl

    config_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(config_dir() / "queue.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_queue() -> list[dict]:
    try:
        lines = queue_path().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for raw in lines:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            item = json.loads(raw)
            if item.get("text") and isinstance(item["text"], str):
                out.append({"text": item["text"], "at": int(item.get("at") or 0)})
    return out


def write_queue(items: list[dict]) -> None:
    if items:
        write_private(queue_path(), "".join(json.dumps(i) + "\n" for i in items[-MAX_QUEUE:]))
    else:
        with contextlib.suppress(FileNotFoundError):
            queue_path().unlink()


def send_queue(api: Client, items: list[dict]) -> list[dict]:
    """Send each line in commit order; returns what is left (all of it from the first offline
    failure, or when the token is refused). A line the server refuses for good (e.g. too long)
    is dropped, not retried for ever."""
    items = sorted(items, key=lambda item: item["at"])
    for i, item in enumerate(items):
        try:
            api.request("POST", "/today", {"progress": item["text"], "mode": "append"})
        except Offline:
            return items[i:]
        except TokenRefused:
            return items[i:]  # a new token (hd login) will send them
        except Failure:
            continue
    return []


def cmd_hook_run(args) -> int:
    """After a commit: queue the commit's line, then send the queue. Never raises."""
    if os.environ.get("GIT_REFLOG_ACTION", "").startswith("rebase"):
        return 0  # a rebase replays commits that were already logged
    try:
        line = commit_line(args.commit or "HEAD")
    except (subprocess.CalledProcessError, FileNotFoundError, subprocess.TimeoutExpired):
        line = None
    with queue_lock():
        items = read_queue() + ([line] if line else [])
        write_queue(items)  # kept first: a crash below loses nothing
        try:
            api = client(HOOK_TIMEOUT)
        except Failure:
            return 0
        write_queue(send_queue(api, items))
    return 0


def flush_queue() -> None:
    """Any command that can reach the server also sends what the hook queued offline."""
    if not queue_path().exists():
        return
    with contextlib.suppress(Failure, OSError), queue_lock():
        items = read_queue()
        if items:
            left = send_queue(client(HOOK_TIMEOUT), items)
            write_queue(left)
            if len(left) < len(items):
                print(_("%(n)s queued lines sent.") % {"n": len(items) - len(left)}, file=sys.stderr)


# --- the command line ------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    argparse._ = i18n.gettext  # argparse's own words ("usage:", "error:") in the locale's language
    argparse.ngettext = i18n.ngettext
    p = argparse.ArgumentParser(
        prog="hd", description=_("Log your #100DaysOfCode days to a Hundred Days server.")
    )
    p.add_argument("--version", action="version", version=f"hd {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar=_("command"))

    login = sub.add_parser("login", help=_("Store the server address and a personal token."))
    login.add_argument("--url", help=_("Server address (default: %(url)s)") % {"url": DEFAULT_URL})
    login.add_argument("--token", help=_("The token (else asked for, or read from standard input)."))
    login.set_defaults(func=cmd_login)

    sub.add_parser("logout", help=_("Forget the stored token.")).set_defaults(func=cmd_logout)

    log = sub.add_parser("log", help=_("Log a day (today unless --date)."))
    log.add_argument("text", help=_("What you did, in Markdown."))
    log.add_argument(
        "--link", action="append", default=[], metavar="URL", help=_("A link to your work (repeatable).")
    )
    log.add_argument("--tag", action="append", default=[], metavar="T", help=_("A tag (repeatable)."))
    log.add_argument("--minutes", type=int, metavar="N", help=_("Minutes coded."))
    log.add_argument("--date", metavar="D", help=_("The date, YYYY-MM-DD (default: today)."))
    log.add_argument("--append", action="store_true", help=_("Add to today's entry when it exists."))
    log.set_defaults(func=cmd_log)

    sub.add_parser("today", help=_("Today's entry, the day and the streak.")).set_defaults(func=cmd_today)
    sub.add_parser("status", help=_("The current round's figures.")).set_defaults(func=cmd_status)

    hook = sub.add_parser("hook", help=_("The git hook."))
    hook_sub = hook.add_subparsers(dest="hook_command", required=True, metavar=_("command"))
    hook_sub.add_parser("install", help=_("Add a post-commit hook to this repository.")).set_defaults(
        func=cmd_hook_install
    )
    hook_sub.add_parser("uninstall", help=_("Remove the hook from this repository.")).set_defaults(
        func=cmd_hook_uninstall
    )
    run = hook_sub.add_parser("run", help=_("Run by the hook after a commit."))
    run.add_argument("commit", nargs="?", default="", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_hook_run)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.func not in (cmd_hook_run, cmd_login, cmd_logout):
            flush_queue()
        return args.func(args)
    except Failure as error:
        print(f"hd: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"hd: {_('Interrupted.')}", file=sys.stderr)
        return 130
    except Exception as error:  # a bug or an odd answer: still one line, never a traceback
        if os.environ.get("HD_DEBUG"):
            raise
        print(f"hd: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
