"""The claims report's pages: Markdown and a standalone HTML page from analyses already made.

``report_pages(entries, directory)`` renders [(experiment, scale, Analysis or the error
text)] whose figures are saved in ``directory/figures``; ``superdyn.verify.claims_report.write_report``
makes the analyses, saves the figures and writes the files. Verdicts come from
:class:`superdyn.verify.analyse.claims.Claim`; nothing here decides one.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np

from ..analyse.claims import Analysis, tally_verdicts

__all__ = ["FIGURE_KEY", "format_value", "report_pages"]

#: how every figure encodes data (superdyn.verify.present.plots.style)
FIGURE_KEY = "measured solid (or markers with error bars), theory dashed, fits dotted, fit windows shaded."
#: figures are saved at 200 dpi and shown at 150 CSS px per inch (a one-column figure: 510 px)
_CSS_PX_PER_PNG_PX = 150 / 200


def format_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return "nan" if not np.isfinite(value) else f"{value:.4g}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def _bound(claim, value) -> str:
    text = format_value(value)
    return f"{text} ({claim.kind.replace('_', ' ')})" if claim.kind != "value" else text


def _paper_cell(claim) -> str:
    """The paper's number, or "—" and its words where it states none."""
    if claim.paper is None:
        return f"— ({claim.paper_quote})"
    return _bound(claim, claim.paper)


def _blocks(entries, provenance=None) -> list:
    """The report as neutral blocks: (kind, payload)."""
    claims = [c for _, _, a in entries if isinstance(a, Analysis) for c in a.claims]
    blocks = _summary_blocks(claims)
    if provenance:
        blocks.insert(2, ("p", _provenance_text(provenance)))
    for experiment, scale, analysis in entries:
        blocks += _experiment_blocks(experiment, scale, analysis)
    return blocks


def _summary_blocks(claims) -> list:
    """The heading, how verdicts are reached, the table of every claim and the paper's words."""
    counts = tally_verdicts(c.verdict for c in claims)
    blocks = [
        ("h1", "superdyn: the paper's claims, measured"),
        (
            "p",
            "Verdicts follow from the numbers and criteria fixed before measuring: a claim is reproduced "
            "when |measured - reference| <= max(tolerance, 2 sigma) (or the bound holds with that "
            "allowance). The reference is the paper's number where the paper states one; where it states "
            "none (the paper column shows '—' and the paper's words), it is superdyn's threshold, and the "
            "criterion says why. Exponents are the paper's Eq. 9 form c t^-alpha + L0 fitted on a window "
            "set by the configuration's physics (superdyn.verify.analyse.measure); the Eq. 9 fit on "
            "Appendix A.3's "
            "window [1e3, 1e4] and pure power laws on both windows stand beside it, in that order, as the "
            "conditions of a 'reproduced only if' verdict.",
        ),
        (
            "p",
            "Verdicts: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + f" (of {len(claims)}).",
        ),
    ]
    header = [
        "experiment",
        "claim",
        "paper",
        "superdyn's threshold",
        "theory",
        "measured",
        "method",
        "verdict",
    ]
    rows = [
        [
            c.experiment,
            c.statement,
            _paper_cell(c),
            _bound(c, c.threshold) if c.paper is None else "",
            format_value(c.theory),
            f"{format_value(c.measured)} ± {format_value(c.uncertainty)}",
            c.method,
            c.verdict,
        ]
        for c in claims
    ]
    blocks.append(("table", header, rows))
    if claims:
        blocks.append(("h2", "What the paper says, and how superdyn tests it"))
        blocks.append(
            ("list", [f"{c.experiment}, {c.key}: {c.paper_quote} — criterion: {c.criterion}" for c in claims])
        )
    explained = [(c, c.explanation) for c in claims if c.explanation]
    if explained:
        blocks.append(("h2", "Why claims differ"))
        blocks.append(("list", [f"{c.experiment}, {c.key}: {text}" for c, text in explained]))
    return blocks


def _experiment_blocks(experiment, scale, analysis) -> list:
    """One experiment's section: its scale, figures, tables and notes (or why it has none)."""
    blocks = [
        ("h2", f"{experiment.name}: {experiment.title}"),
        ("p", f"Scale {scale}: {experiment.describe(scale)}."),
    ]
    if not isinstance(analysis, Analysis):
        return [*blocks, ("p", analysis)]
    for stem in analysis.figures:
        caption = f"{stem} ({experiment.title}): {FIGURE_KEY}"
        blocks.append(("img", f"figures/{stem}.png", stem, caption))
    for title, table in analysis.tables.items():
        if table:
            keys = list(table[0])
            blocks.append(("h3", title))
            blocks.append(("table", keys, [[format_value(r.get(k)) for k in keys] for r in table]))
    if analysis.notes:
        blocks.append(("list", analysis.notes))
    return blocks


def _markdown(blocks) -> str:
    lines = []
    for kind, *payload in blocks:
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + payload[0], ""]
        elif kind == "p":
            lines += [payload[0], ""]
        elif kind == "list":
            lines += [f"- {item}" for item in payload[0]] + [""]
        elif kind == "img":
            lines += [f"![{payload[1]}]({payload[0]})", "", f"*{payload[2]}*", ""]
        elif kind == "table":
            header, rows = payload
            cell = lambda v: str(v).replace("|", "\\|")  # noqa: E731
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows] + [""]
    return "\n".join(lines)


def _html(blocks, directory: Path) -> str:
    body = []
    for kind, *payload in blocks:
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{html.escape(payload[0])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{html.escape(payload[0])}</p>")
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in payload[0]) + "</ul>")
        elif kind == "img":
            raw = (directory / payload[0]).read_bytes()
            width = round(int.from_bytes(raw[16:20], "big") * _CSS_PX_PER_PNG_PX)  # PNG header: IHDR width
            data = base64.b64encode(raw).decode()
            body.append(
                f'<figure><img alt="{html.escape(payload[1])}" style="width:{width}px" '
                f'src="data:image/png;base64,{data}"/><figcaption>{html.escape(payload[2])}</figcaption></figure>'
            )
        elif kind == "table":
            header, rows = payload
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
            cells = "".join(
                "<tr>" + "".join(f"<td{_verdict_class(v)}>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                for row in rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;font-size:0.85em;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:3px 6px;vertical-align:top;overflow-wrap:anywhere}th{background:#f3f3f3}"
        ".ok{background:#e6f4e6}.no{background:#fbe3e3}.cond{background:#fdf5dc}img{max-width:100%;height:auto}"
        "figure{margin:1em 0}figcaption{font-size:0.85em;color:#444;max-width:60em}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>superdyn report</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>"
    )


def _verdict_class(value) -> str:
    text = str(value)
    if text == "reproduced":
        return ' class="ok"'
    if text in ("not reproduced", "inconclusive"):
        return ' class="no"'
    return ' class="cond"' if text.startswith("reproduced only if") else ""


def _provenance_text(provenance: dict) -> str:
    text = (
        f"Runs: trained by training revision {provenance['training_revision']} of superdyn's trainer "
        f"(a run's id includes it, so no run of other training code is used); report written by "
        f"superdyn {provenance['superdyn']}."
    )
    stale = provenance.get("stale_runs", 0)
    if stale:
        text += f" {stale} stale run(s) of another training revision in the store were not used."
    return text


def report_pages(entries, directory, provenance=None) -> tuple[str, str]:
    """(Markdown, HTML) of the report of ``entries``; the HTML embeds ``directory/figures/*.png``.

    ``provenance`` ({"training_revision", "superdyn", "stale_runs"}) adds a line that names the
    training revision of the runs and the version that wrote the report.
    """
    blocks = _blocks(entries, provenance)
    return _markdown(blocks), _html(blocks, Path(directory))
