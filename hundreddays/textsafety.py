"""Characters that XML 1.0 forbids, removed from every text people write and every XML we send.

XML 1.0 allows tab, LF, CR and everything from U+0020 up, except the surrogates and U+FFFE/U+FFFF
(its ``Char`` production). Anything else (NUL, the bell, an ANSI escape pasted from a terminal, a
form feed from an old text file, a lone surrogate from a JSON ``"\\ud800"``) breaks an Atom feed or
an SVG for every reader, cannot be stored by PostgreSQL (NUL), and is invisible on a page.

They are *stripped*, not refused: nobody types them on purpose and nobody can see them to remove
them, so an error message about them would only block a pasted entry or a whole imported log.
Stripping changes nothing a reader can see. C1 controls (U+0080–U+009F) are allowed by XML 1.0
and left alone.

This module is neutral (no app imports): accounts and journal both use it.
"""

from __future__ import annotations

import re

from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; the rest goes.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(value):
    """``value`` without the characters XML 1.0 forbids; anything that is not a string unchanged."""
    if isinstance(value, str) and FORBIDDEN.search(value):
        return FORBIDDEN.sub("", value)
    return value


def is_clean(value: str) -> bool:
    return not FORBIDDEN.search(value)


class StripControlCharacters:
    """A form mixin: the submitted text loses its forbidden characters before any field sees it.

    Put it first among the bases (``class EntryForm(StripControlCharacters, forms.Form)``), the
    admin's forms and inlines included. Password fields are left as typed: they are never shown
    or sent anywhere, and changing them would lock their owner out.
    """

    def full_clean(self):
        if self.is_bound:
            passwords = {
                self.add_prefix(name)
                for name, field in self.fields.items()
                if getattr(field.widget, "input_type", "") == "password"
            }
            self.data = _cleaned_data(self.data, passwords)
        super().full_clean()


def _cleaned_data(data, keep):
    """A copy of the submitted data (a QueryDict or a dict) with clean text, or ``data`` itself."""
    lists = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    dirty = {
        key: [clean(v) for v in values]
        for key, values in lists
        if key not in keep and any(isinstance(v, str) and not is_clean(v) for v in values)
    }
    if not dirty:
        return data
    data = data.copy()
    for key, values in dirty.items():
        if hasattr(data, "setlist"):
            data.setlist(key, values)
        else:
            data[key] = values[0]
    return data


class _XmlSafeGenerator(SimplerXMLGenerator):
    """Django's feed writer, which raises on a control character: here the character is dropped."""

    def characters(self, content):
        super().characters(clean(content))

    def startElement(self, name, attrs):
        super().startElement(name, {key: clean(value) for key, value in (attrs or {}).items()})


class XmlSafeAtom1Feed(Atom1Feed):
    """An Atom feed that is well-formed XML whatever text is stored."""

    def write(self, outfile, encoding):
        # Atom1Feed.write with the safe generator.
        handler = _XmlSafeGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


def xml_text(value) -> str:
    """Text for an XML document written by hand (the badge): forbidden characters dropped, escaped."""
    return escape(clean(str(value)))
