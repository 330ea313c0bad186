"""The API's request and response shapes. Lengths come from the entry form, so the
schema, the form and the API refuse the same things."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from journal.forms import EntryForm
from journal.limits import MAX_LINKS, MAX_TAGS

_form = EntryForm.base_fields


def _max(name):
    return _form[name].max_length


class ProblemError(Schema):
    field: str = Field(description="The field that failed ('' for the request as a whole).")
    message: str


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] = Field(default_factory=list)


class TokenInfo(Schema):
    name: str
    scopes: list[Literal["read", "write"]]
    expires_at: datetime | None


class MeOut(Schema):
    handle: str
    name: str
    time_zone: str
    rollover_hour: int
    language: str
    today: date = Field(description="The user's today: their time zone and rollover hour.")
    profile_url: str
    token: TokenInfo


class SummaryOut(Schema):
    status: str = Field(description="active, completed, broken…, as on the dashboard.")
    today: date
    day: int | None = Field(description="Day N of the target; null once the round is broken.")
    target: int
    logged: int
    percent: int
    current_streak: int
    longest_streak: int
    missed: int
    finish: date | None = Field(description="Projected (official) or last (calendar) day.")
    broken_on: date | None
    at_risk: bool
    logged_today: bool


class RoundOut(Schema):
    number: int
    title: str
    start_date: date
    target: int
    rule: str
    visibility: str
    url: str
    summary: SummaryOut


class RoundListOut(Schema):
    current: int | None = Field(description="The round the dashboard shows (the latest started).")
    items: list[RoundOut]


class LinkIn(Schema):
    url: str = Field(max_length=500, description="http:// or https://")
    label: str = Field("", max_length=120)


class LinkOut(Schema):
    url: str
    label: str


class EntryOut(Schema):
    round: int
    date: date
    day: int
    title: str
    progress: str
    progress_html: str
    thoughts: str
    thoughts_html: str
    links: list[LinkOut]
    minutes: int | None
    tags: list[str]
    url: str
    created_at: datetime
    updated_at: datetime


class EntryPageOut(Schema):
    items: list[EntryOut]
    next: str | None = Field(description="Pass as ?cursor= for the next page; null on the last one.")


class EntryIn(Schema):
    progress: str = Field(min_length=1, max_length=_max("progress"), description="Markdown.")
    title: str = Field("", max_length=_max("title"))
    thoughts: str = Field("", max_length=_max("thoughts"), description="Markdown.")
    links: list[LinkIn] = Field(default_factory=list, max_length=MAX_LINKS)
    minutes: int | None = Field(None, ge=0, le=1440)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)


class TodayIn(EntryIn):
    mode: Literal["create", "append"] = Field(
        "create",
        description="create: 409 when today is already logged. append: add to today's entry "
        "(the progress on a new line, links and tags added), or create it.",
    )
