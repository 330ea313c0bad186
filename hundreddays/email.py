"""Every email the site sends: a plain-text part and an HTML part, in the recipient's language.

The HTML part is made from the text (escaped, paragraphs kept, addresses linked) inside one
layout, ``templates/emails/message.html``, so the two parts always say the same thing.
The site's name and address come from settings (``SITE_NAME``, ``SITE_URL``), never from
the host a request happened to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, format_html, urlize
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class Site:
    """What allauth's templates call ``current_site``: a name and a domain."""

    name: str
    domain: str


def site() -> Site:
    return Site(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL)


def html_body(text: str, subject: str, language: str | None = None) -> str:
    """The HTML part for ``text``: paragraphs, line breaks and linked addresses, in the layout."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    blocks = [
        format_html("<p>{}</p>", mark_safe(urlize(escape(p), nofollow=False).replace("\n", "<br>\n")))  # nosec: escaped first
        for p in paragraphs
    ]
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        return render_to_string(
            "emails/message.html",
            {"subject": subject, "blocks": blocks, "site": site(), "SITE_URL": settings.SITE_URL},
        )


def message(
    subject: str, text: str, to: list[str], from_email: str | None = None, language=None, headers=None
):
    """An EmailMultiAlternatives with the text and its HTML part."""
    email = EmailMultiAlternatives(
        subject, text, from_email or settings.DEFAULT_FROM_EMAIL, to, headers=headers
    )
    email.attach_alternative(html_body(text, subject, language), "text/html")
    return email


def send_mail(subject, text, from_email, recipient_list, language=None) -> int:
    """Like django.core.mail.send_mail, with the HTML part."""
    return message(subject, text, list(recipient_list), from_email, language).send()
