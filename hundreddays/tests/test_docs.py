"""The README and docs/ stay a usable front door: links that resolve, a README that stays short,
measured blocks that the checks can rewrite, every setting documented, and no work-item numbers."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [README, *DOCS]
MEASURED = ["performance.md", "reliability.md", "security.md"]

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
# "issue 12", "Issue #4", "stop 3", "PR 7", or a bare "#16"; not "#100DaysOfCode", an HTML entity
# "&#123;" or a URL fragment "page#12". A bare number of exactly 3 or 6 digits reads as a colour
# ("#333", "#123456"), so it is left alone.
WORK_ITEM = re.compile(
    r"\b(?:issue|stop|ticket|PR)\s*#?\d+\b|(?<![\w&/#])#(?!\d{3}\b|\d{6}\b)\d{1,5}\b(?![\w-])", re.I
)


def prose(text):
    """The text without fenced code blocks or inline code, where links and numbers are literal."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path):
    seen, result = {}, set()
    for match in HEADING.finditer(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def relative_links(path):
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            continue  # http(s), mailto: checked by nobody here, on purpose (no network in tests)
        yield target


def test_there_are_docs_pages_beside_the_readme():
    names = {path.name for path in DOCS}
    assert set(MEASURED) <= names
    assert "architecture.md" in names


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(path):
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{path.name}: " + "; ".join(broken)


def test_the_readme_stays_a_front_door():
    assert README.stat().st_size < 15_000


@pytest.mark.parametrize("name", MEASURED)
def test_each_measured_page_has_exactly_one_block_the_check_can_rewrite(name):
    text = (REPO / "docs" / name).read_text(encoding="utf-8")
    begin = text.count("<!-- measured:begin -->")
    end = text.count("<!-- measured:end -->")
    assert (begin, end) == (1, 1)
    block = text[text.index("<!-- measured:begin -->") : text.index("<!-- measured:end -->")]
    assert "|" in block, "the block holds the measured table"


@pytest.mark.parametrize("path", [*PAGES, REPO / "cli" / "README.md"], ids=lambda p: p.name)
def test_no_doc_names_a_work_item(path):
    found = [m.group(0) for m in WORK_ITEM.finditer(prose(path.read_text(encoding="utf-8")))]
    assert not found, f"{path.name} names work items: {found}"


@pytest.mark.parametrize(
    "text",
    ["see issue 12", "Issue #4 says", "fixed in #16.", "(#3)", "#1234", "stop 3 of the plan", "PR 7"],
)
def test_the_work_item_pattern_finds_work_items(text):
    assert WORK_ITEM.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "the #100DaysOfCode challenge",
        "colours #1e90ff, #123456 and #333",
        "an entity &#123;",
        "a fragment page#12 in a URL",
        "https://example.com/a/#12",
        "issues with 3 rounds",
        "R1D30~32",
    ],
)
def test_the_work_item_pattern_leaves_ordinary_text_alone(text):
    assert not WORK_ITEM.search(text)


def test_code_is_not_prose():
    assert prose("a `#12` b\n```\nissue 3\n```\nc") == "a  b\n\nc"


def test_anchors_follow_github():
    assert slug("Deploy with `Docker`") == "deploy-with-docker"
    assert slug("API and the `hd` command line") == "api-and-the-hd-command-line"
    assert slug("Backup, restore & upgrade") == "backup-restore--upgrade"


def _settings_read():
    """Every environment variable the app, its image and its compose file read."""
    names = set()
    settings = (REPO / "hundreddays" / "settings.py").read_text(encoding="utf-8")
    names |= set(re.findall(r"\benv_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", settings))
    gunicorn = (REPO / "docker" / "gunicorn.conf.py").read_text(encoding="utf-8")
    names |= set(re.findall(r"(?:_int|os\.environ\.get)\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']", gunicorn))
    for name in ("docker-compose.yml", "docker/entrypoint.sh"):
        text = (REPO / name).read_text(encoding="utf-8")
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", text))
    return names


def test_the_readme_names_every_environment_variable_the_app_reads():
    names = _settings_read()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "GUNICORN_WORKERS", "POSTGRES_PASSWORD"} <= names
    readme = README.read_text(encoding="utf-8")
    missing = sorted(name for name in names if not re.search(rf"\b{name}\b", readme))
    assert not missing, f"not in the README's configuration: {missing}"
