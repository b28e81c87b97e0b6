"""Rich display in Jupyter: the small HTML tables that tasks and claims show themselves as."""

from __future__ import annotations

import html

__all__ = ["html_table"]


def html_table(caption: str, rows) -> str:
    """An HTML table of (name, value) rows; names may hold markup, values are escaped."""
    cell = "style='text-align:left'"
    body = "".join(
        f"<tr><th {cell}>{name}</th><td {cell}>{html.escape(str(value))}</td></tr>" for name, value in rows
    )
    return f"<table><caption>{html.escape(caption)}</caption>{body}</table>"
