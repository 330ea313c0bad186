"""How much a participant may write, in one place: field lengths and the rendered-HTML cap.

Forms, the admin, the importer and the models read these numbers, so every way in is
bounded the same way. The accounts app keeps its own (it never imports journal).
"""

# Text fields (characters).
ROUND_TITLE = 120
ROUND_DESCRIPTION = 5_000
ENTRY_TITLE = 120
ENTRY_PROGRESS = 20_000
ENTRY_THOUGHTS = 20_000
LINK_LABEL = 120
LINK_URL = 500
TAG = 40
TAGS_FIELD = 400

# Rendered HTML: at most this many times the Markdown it comes from (plus a small floor,
# so that a one-character quote or list still renders), and never more than HTML_MAX.
HTML_RATIO = 20
HTML_FLOOR = 2_000
HTML_MAX = 500_000
# Lists and quotes inside each other: GitHub shows a few levels; sanitizing costs grow with depth.
NESTING = 50
# Table cells in one text (cmark-gfm pads short rows to the header's width).
TABLE_CELLS = 5_000


def html_cap(text_length: int) -> int:
    """The most HTML (characters) a Markdown text of ``text_length`` characters may become."""
    return min(HTML_MAX, max(HTML_FLOOR, HTML_RATIO * text_length))
