"""``{% load figures %}``: a round's figures in words (see ``journal.figures``)."""

from django import template

from journal import figures

register = template.Library()

register.filter("headline", figures.headline)
register.filter("compact", figures.compact)
register.filter("status_word", figures.status_word)
