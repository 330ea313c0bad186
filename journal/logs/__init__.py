"""Log formats: parse and write Markdown and JSON logs (plain data in, plain data out).

No models, no database: the import service turns this data into rows.
"""

from .data import EntryData, LinkData, LogData, LogError, RoundData
from .json_io import FORMAT, VERSION, parse_json, write_json
from .markdown_in import parse_markdown, parse_markdown_log
from .markdown_out import format_date, write_markdown
from .upload import parse_upload

__all__ = [
    "FORMAT",
    "VERSION",
    "EntryData",
    "LinkData",
    "LogData",
    "LogError",
    "RoundData",
    "format_date",
    "parse_json",
    "parse_markdown",
    "parse_markdown_log",
    "parse_upload",
    "write_json",
    "write_markdown",
]
