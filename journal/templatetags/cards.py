"""``{% load cards %}``: entry cards and a round's days, written by ``journal.cards``."""

from django import template

from journal import cards

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_card(context, level=3, show_author=False, brief=False):
    """The card of ``entry`` (a model instance in the context): ``{% entry_card level=2
    show_author=True brief=True %}``."""
    entry = context["entry"]
    round = entry.round
    author = None
    if show_author:
        author = (round.user.get_absolute_url(), round.user.name, round.number)
    return cards.entry_card(
        cards.card_of(entry, brief=brief),
        url=entry.get_absolute_url(),
        target=round.target,
        level=int(level),
        author=author,
        brief=brief,
    )


@register.simple_tag
def seo_tags(seo):
    """The canonical URL, robots, Open Graph and Twitter card tags of ``seo`` (``share.page_meta``)."""
    return cards.seo_tags(seo)


@register.simple_tag(takes_context=True)
def share_box(context):
    """The "Share this day" links of ``share_links`` (``share.share_links``), or nothing."""
    return cards.share_box(context.get("share_links"))


@register.simple_tag(takes_context=True)
def grid_cells(context):
    return cards.grid_cells(context["round"], context["summary"])
