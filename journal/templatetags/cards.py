"""``{% load cards %}``: entry cards and a round's days, written by ``journal.cards``."""

from django import template

from journal import cards

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_card(context):
    """The card of ``entry`` (a model instance), with the include's ``level``, ``show_author``
    and ``brief`` from the context."""
    entry = context["entry"]
    brief = bool(context.get("brief"))
    round = entry.round
    author = None
    if context.get("show_author"):
        author = (round.user.get_absolute_url(), round.user.name, round.number)
    return cards.entry_card(
        cards.card_of(entry, brief=brief),
        url=entry.get_absolute_url(),
        target=round.target,
        level=int(context.get("level") or 3),
        author=author,
        brief=brief,
    )


@register.simple_tag(takes_context=True)
def grid_cells(context):
    return cards.grid_cells(context["round"], context["summary"])
