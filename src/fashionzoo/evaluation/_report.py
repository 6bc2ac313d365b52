"""A self-contained HTML report: tables, text and PNG figures inlined as base64."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = ["figure_to_png", "render_html_report", "write_html_report"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.95em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #eef7ee; font-weight: 600; }
table.meta td, table.meta th { border: none; padding: 0.1em 0.8em 0.1em 0; }
table.meta th { background: none; color: #555; font-weight: normal; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 3em; color: #888; font-size: 0.85em; }
"""


def figure_to_png(figure: Any, *, dpi: int = 100) -> bytes:
    """Render a Matplotlib figure to PNG bytes.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to render.
    dpi : int, default=100
        Resolution.

    Returns
    -------
    png : bytes
        The PNG file's content.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _format_cell(value: Any) -> tuple[str, bool]:
    """Text of a table cell and whether it is a number (right-aligned)."""
    if isinstance(value, bool) or value is None:
        return html.escape(str(value if value is not None else "")), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):  # scores in [0, 1] get 4 decimals, the rest 1
        return (f"{value:.4f}" if abs(value) < 1 else f"{value:,.1f}"), True
    return html.escape(str(value)), False


def _table(rows: Sequence[Mapping[str, Any]], highlight: int | None) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for c in columns:
            text, numeric = _format_cell(row.get(c))
            cells.append(
                f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"
            )
        cls = ' class="best"' if i == highlight else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def render_html_report(
    *,
    title: str,
    meta: Mapping[str, Any] | None = None,
    summary: Sequence[Mapping[str, Any]] = (),
    highlight: int | None = None,
    figures: Mapping[str, Any] | None = None,
    texts: Mapping[str, str] | None = None,
) -> str:
    """Build one self-contained HTML page (no external files or scripts).

    Parameters
    ----------
    title : str
        Page title and heading.
    meta : mapping of str to object, default=None
        Key-value lines under the title (command, versions, data used).
    summary : sequence of mapping, default=()
        Rows of the summary table; the columns are the union of the keys,
        in order of first appearance. Floats below 1 (scores) show 4
        decimals, larger ones 1 (times).
    highlight : int, default=None
        Index of the summary row to highlight (the best model).
    figures : mapping of str to Figure or bytes, default=None
        Caption -> Matplotlib figure or PNG bytes; embedded as base64 PNG.
    texts : mapping of str to str, default=None
        Heading -> preformatted text (e.g. classification reports).

    Returns
    -------
    html : str
        The page.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if meta:
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in meta.items()
        )
        parts.append(f'<table class="meta">{rows}</table>')
    if summary:
        parts.append("<h2>Summary</h2>")
        parts.append(_table(summary, highlight))
    for caption, figure in (figures or {}).items():
        png = figure if isinstance(figure, bytes) else figure_to_png(figure)
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{html.escape(caption)}</h2>")
        parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"</figure>"
        )
    for heading, text in (texts or {}).items():
        parts.append(f"<h2>{html.escape(heading)}</h2><pre>{html.escape(text)}</pre>")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer>Generated by fashionzoo on {stamp}.</footer></body></html>")
    return "\n".join(parts)


def write_html_report(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`render_html_report` to ``path`` (UTF-8).

    Parameters
    ----------
    path : str or path-like
        The ``.html`` file to write; its folder must exist.
    **kwargs
        Passed to :func:`render_html_report`.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = Path(path)
    path.write_text(render_html_report(**kwargs), encoding="utf-8")
    return path
