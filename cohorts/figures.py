"""The one place where a member's round summary becomes a cohort status.

``journal.rules`` says how a round stands (active, completed, broken, and, for a
calendar round whose last day has passed, finished); a cohort adds "at risk" (one
more missed day breaks it) and "not started" (the shared start is still ahead).
Every cohort page, the CSV, the badge and the nudge read statuses through
``member_status`` only.
"""

from journal import rules

UPCOMING = "upcoming"
ACTIVE = "active"
AT_RISK = "at_risk"
BROKEN = "broken"
FINISHED = "finished"
COMPLETED = "completed"

STATUSES = (UPCOMING, ACTIVE, AT_RISK, BROKEN, FINISHED, COMPLETED)
# Statuses a nudge can help: the round is still going.
GOING = (ACTIVE, AT_RISK)


def member_status(summary: rules.Summary) -> str:
    if summary.today < summary.start:
        return UPCOMING
    if summary.status == rules.BROKEN:
        return BROKEN
    if summary.status == rules.FINISHED:
        return FINISHED
    if summary.status == rules.COMPLETED:
        return COMPLETED
    if summary.at_risk:
        return AT_RISK
    return ACTIVE
