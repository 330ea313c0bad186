"""Markdown to sanitized HTML, done once when an entry is saved: GitHub Flavored Markdown.

The parser is GitHub's own cmark-gfm (C, linear time), reached through the shared
library that the ``cmarkgfm`` package ships. Its Python wrapper has no way to keep raw
HTML as text (it either passes it through or replaces it with a comment) and leaks the
document and the output of every render, so this module declares the few functions it
needs itself (cffi, ABI mode) and:

- parses with the GFM extensions (tables, strikethrough, autolinks, task lists);
- turns every raw-HTML node into text, so ``<div>`` typed in a log shows as ``<div>``;
- renders, frees everything it allocated, demotes headings below the entry's own
  ``<h3>`` and passes the result through nh3 with a fixed allow-list.

Nothing is shared between renders but the extension table and the lock around cmark's
parse (see _PARSING): a failed render leaves nothing behind for the next one.
"""

from __future__ import annotations

import functools
import re
import threading

import cmarkgfm._cmark
import nh3
from cffi import FFI
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from journal import limits

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "input",
    "label",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
    # Task-list checkboxes, always disabled (see _keep_attribute).
    "input": {"type", "checked", "disabled"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener ugc"
EXTENSIONS = ("table", "strikethrough", "autolink", "tasklist")

_LANGUAGE_CLASS = re.compile(r"language-[\w#+.-]{1,40}")
# Markdown headings sit under the entry's <h3>: # → h4, ## → h5, the rest → h6.
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_NESTED = re.compile(r"<(/?)(?:ul|ol|blockquote)\b")
# Raw HTML (a tag, comment, declaration or processing instruction) starts like this.
_RAW_HTML_START = re.compile(r"<[A-Za-z/!?]")
_CHECKBOX = r'(<input type="checkbox"(?: checked="")? disabled="" />)'
_LOOSE_TASK = re.compile(_CHECKBOX + r" \n<p>")
# A task's text ends where its item, paragraph or first block inside it does.
_TASK = re.compile(_CHECKBOX + r"(.*?)(?=</li>|</p>|\n<(?:ul|ol|p|blockquote|pre|table|h[1-6]|hr)\b)", re.S)
_DELIMITER_ROW_CHARS = "|:- \t>*+.)0123456789"
_DEMOTED = {"1": "4", "2": "5", "3": "6", "4": "6", "5": "6", "6": "6"}

_ffi = FFI()
_ffi.cdef(
    """
    typedef struct cmark_node cmark_node;
    typedef struct cmark_parser cmark_parser;
    typedef struct cmark_iter cmark_iter;
    typedef struct cmark_syntax_extension cmark_syntax_extension;
    typedef struct _cmark_llist cmark_llist;
    void cmark_gfm_core_extensions_ensure_registered(void);
    cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
    cmark_parser *cmark_parser_new(int options);
    int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *ext);
    void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
    cmark_node *cmark_parser_finish(cmark_parser *parser);
    cmark_llist *cmark_parser_get_syntax_extensions(cmark_parser *parser);
    void cmark_parser_free(cmark_parser *parser);
    char *cmark_render_html(cmark_node *root, int options, cmark_llist *extensions);
    void cmark_node_free(cmark_node *node);
    int cmark_node_get_type(cmark_node *node);
    const char *cmark_node_get_literal(cmark_node *node);
    int cmark_node_set_literal(cmark_node *node, const char *content);
    cmark_node *cmark_node_new(int type);
    int cmark_node_replace(cmark_node *oldnode, cmark_node *newnode);
    int cmark_node_append_child(cmark_node *node, cmark_node *child);
    cmark_iter *cmark_iter_new(cmark_node *root);
    int cmark_iter_next(cmark_iter *iter);
    cmark_node *cmark_iter_get_node(cmark_iter *iter);
    void cmark_iter_free(cmark_iter *iter);
    void free(void *ptr);
    """
)
_lib = _ffi.dlopen(cmarkgfm._cmark.__file__)
_libc = _ffi.dlopen(None)

# cmark.h: node types and iterator events (stable across cmark-gfm releases).
_BLOCK, _INLINE = 0x8000, 0x8000 | 0x4000
HTML_BLOCK, PARAGRAPH = _BLOCK | 6, _BLOCK | 8
TEXT, LINEBREAK, HTML_INLINE = _INLINE | 1, _INLINE | 3, _INLINE | 5
_EVENT_DONE, _EVENT_ENTER = 1, 2
# cmark.h: CMARK_OPT_VALIDATE_UTF8 (1 << 9) replaces invalid UTF-8; raw HTML is never passed
# through (no CMARK_OPT_UNSAFE), and is turned into text before rendering anyway.
_OPTIONS = 1 << 9

_lib.cmark_gfm_core_extensions_ensure_registered()
# cmark-gfm adds the extensions' characters (~ for strikethrough, : and w for autolinks) to a
# process-wide table when a parse starts and takes them out when it ends (blocks.c,
# cmark_manage_extensions_special_characters): two threads parsing at once lose each
# other's strikethroughs and links. Parsing is the short C part of a render; one at a time.
_PARSING = threading.Lock()
_EXTENSIONS = [_lib.cmark_find_syntax_extension(name.encode()) for name in EXTENSIONS]
assert _ffi.NULL not in _EXTENSIONS, "cmark-gfm lacks a GFM extension"


class MarkdownRefused(ValueError):
    """The text would cost too much to keep or to show; ``message`` says why, for a form."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def render(text: str) -> str:
    """Render user Markdown as GitHub does; raw HTML in it shows as text; the result is sanitized.

    Raises MarkdownRefused when the HTML would be longer than ``limits.html_cap`` or its
    lists and quotes nested deeper than ``limits.NESTING`` (checked before sanitizing,
    whose cost grows with the depth).
    """
    if not text:
        return ""
    return _render(text)


# A saved text is checked by the form, checked again by the service and then rendered for
# storage: the same text, so the same HTML. Keep the last few results (the output depends on
# nothing but the text; a refusal raises and is never kept, its message being translated).
@functools.lru_cache(maxsize=16)
def _render(text: str) -> str:
    cells = _table_cells(text)
    if cells > limits.TABLE_CELLS:
        raise MarkdownRefused(
            _("The tables here would have about %(cells)s cells; at most %(max)s are kept.")
            % {"cells": cells, "max": limits.TABLE_CELLS}
        )
    html = _cmark_html(text)
    cap = limits.html_cap(len(text))
    if len(html) > cap:
        raise MarkdownRefused(
            _(
                "This text turns into too much HTML to keep (more than %(cap)s characters). "
                "Shorten it, or repeat fewer links and list markers."
            )
            % {"cap": cap}
        )
    if _nesting(html) > limits.NESTING:
        raise MarkdownRefused(
            _("Lists and quotes are nested more than %(n)s levels deep here. Flatten them a little.")
            % {"n": limits.NESTING}
        )
    if "<input " in html:
        html = _label_tasks(html)
    return policy(html)


def _label_tasks(html: str) -> str:
    """Put each task's checkbox and its text in a <label>: a checkbox needs a name (WCAG 4.1.2).

    cmark-gfm writes ``<li><input …/> text`` (or, in a loose list, the checkbox before the
    item's first paragraph, which is moved into it). Raw HTML is text by now, so every
    ``<input`` here is cmark's.
    """
    html = _LOOSE_TASK.sub(r"\n<p>\1 ", html)
    return _TASK.sub(r"<label>\1\2</label>", html)


def refusal(text: str) -> str | None:
    """Why ``text`` cannot be kept (the message of MarkdownRefused), or None when it renders."""
    try:
        render(text)
    except MarkdownRefused as refused:
        return str(refused.message)
    return None


def validate_markdown(text: str) -> None:
    """A field validator (models, forms, the admin): the text renders within journal.limits."""
    message = refusal(text)
    if message:
        raise ValidationError(message, code="markdown_refused")


def _table_cells(text: str) -> int:
    """At least how many cells the tables of ``text`` would have, once cmark fills short rows.

    cmark-gfm pads every row to the header's width, so a wide header over many short rows
    makes megabytes of HTML and takes long to render: count before parsing. A delimiter
    row (``|---|:-:|``, maybe after list or quote markers) has that many columns, and its
    table lasts at most until the next blank line.
    """
    if "|" not in text or "-" not in text:
        return 0
    lines = text.split("\n")
    cells = 0
    end = len(lines)
    for number in range(len(lines) - 1, -1, -1):
        line = lines[number]
        if not line.strip():
            end = number
        elif "|" in line and "-" in line and not line.strip(_DELIMITER_ROW_CHARS):
            cells += (line.count("|") + 1) * (end - number)
    return cells


def _nesting(html: str) -> int:
    """How deep the lists and quotes of cmark's HTML go (raw HTML is text by then)."""
    depth = deepest = 0
    for closing in _NESTED.findall(html):
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    return deepest


def policy(html: str) -> str:
    """What the site keeps of any HTML: headings demoted, then sanitized.

    The conformance tests pass the GFM spec's expected HTML through this too.
    """
    return sanitize(_HEADING.sub(lambda m: f"<{m[1]}h{_DEMOTED[m[2]]}", html)).strip()


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "code":  # only the language of a fenced block
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    if tag == "input":  # only a disabled checkbox
        if attribute == "type":
            return value if value == "checkbox" else None
        return ""
    return value


def _cmark_html(text: str) -> str:
    data = text.encode("utf-8", "surrogatepass")
    parser = _lib.cmark_parser_new(_OPTIONS)
    root = output = _ffi.NULL
    try:
        for extension in _EXTENSIONS:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        with _PARSING:
            _lib.cmark_parser_feed(parser, data, len(data))
            root = _lib.cmark_parser_finish(parser)
        if _RAW_HTML_START.search(text):
            _raw_html_as_text(root)
        output = _lib.cmark_render_html(root, _OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
        return _ffi.string(output).decode("utf-8", "replace")
    finally:
        if output != _ffi.NULL:
            _libc.free(output)
        if root != _ffi.NULL:
            _lib.cmark_node_free(root)
        _lib.cmark_parser_free(parser)


def _raw_html_as_text(root) -> None:
    """Replace every raw-HTML node by text nodes with the same characters (escaped when rendered)."""
    found = []
    walk = _lib.cmark_iter_new(root)
    try:
        while (event := _lib.cmark_iter_next(walk)) != _EVENT_DONE:
            if event == _EVENT_ENTER:
                node = _lib.cmark_iter_get_node(walk)
                if _lib.cmark_node_get_type(node) in (HTML_INLINE, HTML_BLOCK):
                    found.append(node)
    finally:
        _lib.cmark_iter_free(walk)
    for node in found:
        literal = _ffi.string(_lib.cmark_node_get_literal(node))
        if _lib.cmark_node_get_type(node) == HTML_INLINE:
            new = _text(literal)
        else:
            # A block keeps its lines: a paragraph of text nodes separated by line breaks.
            new = _lib.cmark_node_new(PARAGRAPH)
            for number, line in enumerate(literal.rstrip(b"\n").split(b"\n")):
                if number:
                    _lib.cmark_node_append_child(new, _lib.cmark_node_new(LINEBREAK))
                _lib.cmark_node_append_child(new, _text(line))
        _lib.cmark_node_replace(node, new)
        _lib.cmark_node_free(node)


def _text(literal: bytes):
    node = _lib.cmark_node_new(TEXT)
    _lib.cmark_node_set_literal(node, literal)
    return node
