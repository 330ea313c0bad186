"""The header and footer of every page, rendered once per language and kind of visitor.

They hold no per-page data but, in the footer's language form, the page's own path and, for a
signed-in visitor only, their CSRF token: the rest (a dozen URLs, the translated labels) is the
same on every page, so it is rendered from its template once per process and joined with those
two at each request. The output is what ``{% include %}`` of the same template would give.
"""

import secrets
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Unguessable and made per process: nothing a template could print by chance.
_TOKEN = f"csrf-{secrets.token_hex(8)}"
_PATH = f"path-{secrets.token_hex(8)}"
_FIELD = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
_TOKEN_FIELD = _FIELD.format(_TOKEN)


@lru_cache(maxsize=16)
def _segments(name: str, language: str, signed_in: bool) -> tuple[tuple[str, str], ...]:
    """The fragment cut at the token and path markers: ``((text, marker after it), ...)``."""
    # Only a signed-in visitor's forms carry a CSRF token (accounts.views.set_language): the
    # templates put {% csrf_token %} inside {% if signed_in %}.
    html = render_to_string(name, {"signed_in": signed_in, "csrf_token": _TOKEN, "next_path": _PATH})
    segments, rest = [], html.rstrip("\n")
    while True:
        cuts = [(rest.find(m), m) for m in (_TOKEN_FIELD, _PATH) if m in rest]
        if not cuts:
            return (*segments, (rest, ""))
        at, marker = min(cuts)
        segments.append((rest[:at], marker))
        rest = rest[at + len(marker) :]


def _fragment(context, name: str) -> str:
    if settings.DEBUG:  # development: an edited template shows on the next request
        _segments.cache_clear()
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    values = {_PATH: escape(request.get_full_path()) if request is not None else ""}
    if signed_in:  # the token is made only then: an anonymous visitor's page has none
        token = context.get("csrf_token")
        # What {% csrf_token %} writes: nothing without a token.
        values[_TOKEN_FIELD] = format_html(_FIELD, token) if token and token != "NOTPROVIDED" else ""
    return mark_safe(
        "".join(text + values.get(marker, "") for text, marker in _segments(name, get_language(), signed_in))
    )


@lru_cache(maxsize=32)
def _asset(path: str) -> str:
    return static(path)


@register.simple_tag
def asset(path: str) -> str:
    """``{% static path %}``, looked up once per process: the storage's manifest is read at start."""
    return _asset(path)


@register.simple_tag(takes_context=True)
def site_header(context):
    return _fragment(context, "includes/site_header.html")


@register.simple_tag(takes_context=True)
def site_footer(context):
    return _fragment(context, "includes/site_footer.html")
