"""The JSON API at /api/v1/ (django-ninja; why ninja: docs/api.md).

Every operation authenticates with a personal token (``Authorization: Bearer hd_…``),
never with the session cookie, so it is exempt from CSRF by design. Reads go
through journal.selectors, writes through journal.services (the functions the
forms call), figures through journal.rules; errors are problem details
(api/problems.py).
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import date

from django.core.exceptions import RequestDataTooBig
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from api import problems, ratelimit, services
from api.figures import summary_data
from api.schemas import (
    EntryIn,
    EntryOut,
    EntryPageOut,
    MeOut,
    ProblemOut,
    RoundListOut,
    RoundOut,
    TodayIn,
)
from journal import limits, selectors
from journal import services as journal
from journal.clock import today_for
from journal.forms import EntryForm, format_links
from journal.limits import LinkInput
from journal.models import Entry, Round
from journal.services import RuleError

logger = logging.getLogger("api")

READ, WRITE, ANY = "read", "write", "any"
MAX_NUMBER = 32767  # round numbers are small integers


class TokenAuth(HttpBearer):
    """A usable personal token with ``scope``; counts the request against the token's limit."""

    def __init__(self, scope):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, key):
        token = services.authenticate(key)
        if token is None:
            return None
        if token.user.language:
            translation.activate(token.user.language)
            request.LANGUAGE_CODE = token.user.language
        if (self.scope == READ and not token.can_read) or (self.scope == WRITE and not token.can_write):
            raise problems.Problem(
                403,
                _("This token does not have the “%(scope)s” scope.") % {"scope": self.scope},
                code="insufficient-scope",
            )
        wait = ratelimit.check(token.pk, WRITE if self.scope == WRITE else READ)
        if wait:
            raise problems.Problem(
                429,
                _("Too many requests with this token; try again in %(n)s seconds.") % {"n": wait},
                code="rate-limited",
                headers={"Retry-After": str(wait)},
            )
        return token


read_auth, write_auth, any_auth = TokenAuth(READ), TokenAuth(WRITE), TokenAuth(ANY)


class HundredDaysAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Ninja's schema, saying what the handlers send: problem+json for every error,
        and Retry-After with a 429."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "application/json" in response.get("content", {}):
                        response["content"] = {problems.CONTENT_TYPE: response["content"]["application/json"]}
                    if int(status) == 429:
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait before the next request.",
                                "schema": {"type": "integer", "minimum": 1},
                                "required": True,
                            }
                        }
        return schema


api = HundredDaysAPI(
    title="Hundred Days API",
    version="1",
    description="Log your #100DaysOfCode days from anywhere. Authenticate with a personal "
    "token from /account/tokens/: `Authorization: Bearer hd_…`. Errors are RFC 9457 problem details.",
    urls_namespace="api",
    docs_url="/docs",
)

# Responses every authenticated operation can give.
COMMON = {400: ProblemOut, 401: ProblemOut, 403: ProblemOut, 429: ProblemOut}
WITH_ROUND = {**COMMON, 404: ProblemOut, 422: ProblemOut}
WRITES = {**WITH_ROUND, 409: ProblemOut, 413: ProblemOut}


# --- errors -----------------------------------------------------------------------------


@api.exception_handler(problems.Problem)
def _problem(request, exc):
    return problems.from_exception(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problems.response(
        401,
        _("Send a valid personal token: Authorization: Bearer hd_…"),
        code="unauthenticated",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problems.response(404, _("There is nothing here, or it is not yours."), code="not-found")


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ())]
        # ("body", "payload", "links", 0, "url") → "links.0.url"; ("path", "number") → "number"
        field = ".".join(loc[2:] if loc[:1] == ["body"] else loc[1:])
        errors.append({"field": field, "message": str(error.get("msg", ""))})
    return problems.response(
        422, _("Some fields are not valid."), code="invalid", title=_("Invalid request"), errors=errors
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problems.response(exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problems.response(413, _("The request body is too large."), code="too-large")


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("API error on %s %s", request.method, request.path_info)
    return problems.response(500, _("Something went wrong on our side. Please try again later."))


def rule_problem(error: RuleError):
    status = 409 if error.code == "duplicate" else 422
    return problems.Problem(
        status,
        error.message,
        code="date-taken" if status == 409 else error.code,
        errors=[{"field": error.field or "", "message": error.message}],
    )


# --- helpers ----------------------------------------------------------------------------


def round_data(round: Round, summary) -> dict:
    return {
        "number": round.number,
        "title": round.title,
        "start_date": round.start_date,
        "target": round.target,
        "rule": round.rule,
        "visibility": round.visibility,
        "url": round.get_absolute_url(),
        "summary": summary_data(summary),
    }


def entry_data(entry: Entry, round: Round) -> dict:
    entry.round = round
    return {
        "round": round.number,
        "date": entry.date,
        "day": entry.day,
        "title": entry.title,
        "progress": entry.progress,
        "progress_html": entry.progress_html,
        "thoughts": entry.thoughts,
        "thoughts_html": entry.thoughts_html,
        "links": [{"url": link.url, "label": link.label} for link in entry.links.all()],
        "minutes": entry.minutes,
        "tags": [tag.name for tag in entry.tags.all()],
        "url": entry.get_absolute_url(),
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def load_entry(round, d) -> Entry:
    entry = Entry.objects.filter(round=round, date=d).prefetch_related(*selectors.ENTRY_LIST_PREFETCH).first()
    if entry is None:
        raise Http404
    return entry


def written(entry: Entry) -> Entry:
    """The entry a service just saved, with its tags and links for the answer (2 queries)."""
    prefetch_related_objects([entry], *selectors.ENTRY_LIST_PREFETCH)
    return entry


def clean_entry(payload: EntryIn, round, d, today, entry=None) -> dict:
    """The entry form's own validation (dates, lengths, links), so the API and the pages
    refuse the same input with the same messages. Returns the service's keyword arguments."""
    links = [LinkInput(url=link.url, label=link.label) for link in payload.links]
    form = EntryForm(
        {
            "date": d.isoformat(),
            "progress": payload.progress,
            "title": payload.title,
            "thoughts": payload.thoughts,
            "links": format_links(links),
            "minutes": "" if payload.minutes is None else str(payload.minutes),
            "tags": "",  # a list here, normalised by the service as the form's text is
        },
        round=round,
        today=today,
        entry=entry,
    )
    if not form.is_valid():
        errors = [
            {"field": "" if name == "__all__" else name, "message": str(message)}
            for name, messages in form.errors.items()
            for message in messages
        ]
        duplicate = any(e.code == "duplicate" for e in form.errors.as_data().get("date", ()))
        raise problems.Problem(
            409 if duplicate else 422,
            errors[0]["message"] if len(errors) == 1 else _("Some fields are not valid."),
            code="date-taken" if duplicate else "invalid",
            errors=errors,
        )
    data = form.cleaned_data
    data["tags"] = payload.tags
    return data


def encode_cursor(d: date) -> str:
    return base64.urlsafe_b64encode(f"after:{d.isoformat()}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> date:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("after:"):
            raise ValueError
        return date.fromisoformat(raw.removeprefix("after:"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise problems.Problem(
            400,
            _("This cursor is not one the API gave; start again without it."),
            code="bad-cursor",
            errors=[{"field": "cursor", "message": _("Unknown cursor.")}],
        ) from None


Since = Query(None, description="Only entries dated on or after this date.")
Cursor = Query(None, max_length=100, description="From the previous page's `next`.")
Limit = Query(50, ge=1, le=100, description="Entries per page.")
RoundNumber = Path(..., ge=1, le=MAX_NUMBER, description="The round's number (R1, R2…).")


# --- operations -------------------------------------------------------------------------


@api.get(
    "/me", response={200: MeOut, **COMMON}, auth=any_auth, tags=["me"], summary="Who the token belongs to"
)
def me(request):
    """Any usable token may ask, whatever its scopes. One query (the token and its user)."""
    token = request.auth
    user = token.user
    return {
        "handle": user.handle,
        "name": user.name,
        "time_zone": user.time_zone,
        "rollover_hour": user.rollover_hour,
        "language": user.language,
        "today": today_for(user),
        "profile_url": user.get_absolute_url(),
        "token": {"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at},
    }


@api.get(
    "/rounds", response={200: RoundListOut, **COMMON}, auth=read_auth, tags=["rounds"], summary="My rounds"
)
def round_list(request):
    """Each round with its figures. Queries: the token, the rounds, the dates of all their entries."""
    user = request.auth.user
    today = today_for(user)
    rounds = list(Round.objects.for_user(user).order_by("-number"))
    dates: dict[int, list] = {r.pk: [] for r in rounds}
    for round_id, d in Entry.objects.filter(round__in=rounds).values_list("round_id", "date"):
        dates[round_id].append(d)
    items = []
    for round in rounds:
        round.user = user
        items.append(round_data(round, selectors.round_summary(round, today, dates=dates[round.pk])))
    current = min(rounds, key=lambda r: (-r.start_date.toordinal(), -r.number), default=None)
    return {"current": current.number if current else None, "items": items}


@api.get(
    "/rounds/{number}",
    response={200: RoundOut, **WITH_ROUND},
    auth=read_auth,
    tags=["rounds"],
    summary="A round",
)
def round_detail(request, number: int = RoundNumber):
    """The round's figures, from the same selector as the dashboard. Queries: the token, the round
    with its dates."""
    user = request.auth.user
    round, dates = selectors.own_round_with_dates(user, number)
    return round_data(round, selectors.round_summary(round, dates=dates))


@api.get(
    "/rounds/{number}/entries",
    response={200: EntryPageOut, **WITH_ROUND},
    auth=read_auth,
    tags=["entries"],
    summary="A round's entries, oldest first",
)
def entry_list(
    request,
    number: int = RoundNumber,
    since: date | None = Since,
    cursor: str | None = Cursor,
    limit: int = Limit,
):
    round = selectors.own_round(request.auth.user, number)
    qs = Entry.objects.filter(round=round).order_by("date")
    if since:
        qs = qs.filter(date__gte=since)
    if cursor:
        qs = qs.filter(date__gt=decode_cursor(cursor))
    page = list(qs.prefetch_related(*selectors.ENTRY_LIST_PREFETCH)[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [entry_data(e, round) for e in page],
        "next": encode_cursor(page[-1].date) if more else None,
    }


@api.get(
    "/rounds/{number}/entries/{date}",
    response={200: EntryOut, **WITH_ROUND},
    auth=read_auth,
    tags=["entries"],
    summary="One day's entry",
)
def entry_get(request, date: date, number: int = RoundNumber):
    round = selectors.own_round(request.auth.user, number)
    return entry_data(load_entry(round, date), round)


@api.put(
    "/rounds/{number}/entries/{date}",
    response={200: EntryOut, 201: EntryOut, **WRITES},
    auth=write_auth,
    tags=["entries"],
    summary="Create or replace one day's entry (idempotent)",
)
def entry_put(request, date: date, payload: EntryIn, number: int = RoundNumber):
    """201 when the day is new, 200 when it replaced the entry. Fields left out are emptied."""
    user = request.auth.user
    round = selectors.own_round(user, number)
    today = today_for(user)
    existing = Entry.objects.filter(round=round, date=date).first()
    fields = clean_entry(payload, round, date, today, entry=existing)
    try:
        if existing is None:
            entry = journal.create_entry(round, today=today, **fields)
            status = 201
        else:
            entry = journal.update_entry(existing, today=today, **fields)
            status = 200
    except RuleError as error:
        raise rule_problem(error) from None
    return Status(status, entry_data(written(entry), round))


@api.delete(
    "/rounds/{number}/entries/{date}",
    response={204: None, **WITH_ROUND},
    auth=write_auth,
    tags=["entries"],
    summary="Delete one day's entry (later days are renumbered)",
)
def entry_delete(request, date: date, number: int = RoundNumber):
    round = selectors.own_round(request.auth.user, number)
    entry = Entry.objects.filter(round=round, date=date).first()
    if entry is None:
        raise Http404
    journal.delete_entry(entry)
    return Status(204, None)


@api.post(
    "/today",
    response={200: EntryOut, 201: EntryOut, **WRITES},
    auth=write_auth,
    tags=["entries"],
    summary="Log today in the current round, or append to today's entry",
)
def log_today(request, payload: TodayIn):
    """Today is the user's date (time zone and rollover hour), the round the dashboard's.
    201 when today's entry is created, 200 when appended to; 409 when today is logged
    and ``mode`` is ``create``."""
    user = request.auth.user
    round = selectors.active_round(user)
    if round is None:
        raise problems.Problem(409, _("Start a round first."), code="no-round")
    today = today_for(user)
    existing = Entry.objects.filter(round=round, date=today).first()
    if existing is not None and payload.mode == "create":
        raise rule_problem(
            RuleError("duplicate", limits.date_error_message("duplicate", round, today), "date")
        )
    fields = clean_entry(payload, round, today, today, entry=existing)
    try:
        if existing is None:
            try:
                entry = journal.create_entry(round, today=today, **fields)
                status = 201
            except RuleError as error:
                # Logged meanwhile by another request: append to it when asked to.
                if error.code != "duplicate" or payload.mode != "append":
                    raise
                existing = Entry.objects.get(round=round, date=today)
        if existing is not None:
            entry = journal.append_to_entry(
                existing, max_length=EntryForm.base_fields["progress"].max_length, **fields
            )
            status = 200
    except RuleError as error:
        raise rule_problem(error) from None
    return Status(status, entry_data(written(entry), round))
