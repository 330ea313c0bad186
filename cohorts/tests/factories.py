"""Cohorts and members arranged through the same services the app uses."""

from datetime import date

from accounts.models import User
from cohorts import services
from journal import clock as journal_clock
from journal import services as journal_services


def make_cohort(organizer, *, name="Spring cohort", start=None, take_part=False, **fields):
    start = start or journal_clock.today_for(organizer)
    fields.setdefault("target", 100)
    fields.setdefault("rule", "official")
    fields.setdefault("visibility", "private")
    fields.setdefault("language", "en")
    return services.create_cohort(organizer, name=name, start_date=start, take_part=take_part, **fields)


def person(handle, time_zone="UTC", rollover_hour=0, **fields):
    fields.setdefault("language", "en")
    return User.objects.create_user(
        email=f"{handle}@example.com",
        handle=handle,
        display_name=fields.pop("display_name", handle.title()),
        time_zone=time_zone,
        rollover_hour=rollover_hour,
        **fields,
    )


def member(cohort, handle, *, logged=(), share_entries=False, **fields):
    """A new person who joins ``cohort`` and logs on the ``logged`` dates."""
    user = person(handle, **fields)
    membership = services.join(cohort, user, share_entries=share_entries)
    for d in logged:
        journal_services.create_entry(
            membership.round, date=d, progress=f"{handle} coded.", today=max(logged)
        )
    return user, membership


def dates(first: date, last: date, skip=()):
    out, d = [], first
    while d <= last:
        if d not in skip:
            out.append(d)
        d = date.fromordinal(d.toordinal() + 1)
    return out
