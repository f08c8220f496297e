"""The self-contained HTML report: an overview table of every claim, then one section per experiment."""
from __future__ import annotations

import base64
import html
from pathlib import Path

from ..data.skipped import read_all as read_skipped
from .sections import skipped_inputs_section

MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}

CSS = """
body{font-family:system-ui,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;font-size:0.88em}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}
.reproduced{background:#d9f2d9}.not-reproduced{background:#f8d7d7}.inconclusive{background:#fff3cd}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:0.9em;color:#444}
.num{font-variant-numeric:tabular-nums;white-space:nowrap}
#claims .claim-text{min-width:16em}#claims .rule{font-size:0.8em;color:#444;min-width:18em}
"""


def _img(results_dir: Path, rel: str) -> str:
    path = results_dir / rel
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(rel)}" src="data:{MIME[path.suffix.lower()]};base64,{data}">'


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.4g}"


def _table(rows: list[dict]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r.get(k)))}</td>" for k in keys) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return "—" if v is None else str(v)


def _controls_cell(ctl: dict | None) -> str:
    """✓ when the claim's metric and rule gave "reproduced" on every positive control and "not reproduced"
    on every negative one (aecopy.controls), with the scenarios' names on hover."""
    if not ctl:
        return "—"
    names = "; ".join([*(f"+ {n}" for n in ctl["positive"]), *(f"− {n}" for n in ctl["negative"]),
                       *(f"guard {n}" for n in ctl.get("guards", []))])
    mark = "✓" if ctl["ok"] else "✗ failed"
    return (f'<span title="{html.escape(names)}">{mark} ({len(ctl["positive"])}+, {len(ctl["negative"])}−)</span>')


def controls_section(controls: dict) -> dict:
    """The report's Controls section: every scenario's expected and obtained verdict per claim."""
    rows = [{"claim": r["id"], "scenario": r["scenario"], "expected": r["expected"], "got": r["verdict"],
             "value": r.get("value"), "interval": f"[{_fmt(r.get('ci_low'))}, {_fmt(r.get('ci_high'))}]",
             "constructed case": r["description"]} for r in controls["records"]]
    bad = sorted({r["id"] for r in controls["records"] if not r["ok"]})
    text = ("Each claim's metric, guards and rule run on constructed cases where the claim is true by construction "
            "(expected: reproduced), false by construction (expected: not reproduced), or where a guard must stop it "
            "(expected: inconclusive), through the experiment's own code (aecopy.controls). "
            + (f"Controls that did not give the expected verdict: {', '.join(bad)}." if bad else
               "Every control gave the expected verdict."))
    return {"id": "controls", "title": "Controls", "text": text, "table": rows}


def _figure(results_dir: Path, fig: dict) -> str:
    return f"<figure>{_img(results_dir, fig['path'])}<figcaption>{html.escape(fig['caption'])}</figcaption></figure>"


def render(claims: list[dict], results_dir: str | Path, title: str, intro: str, experiments: dict[str, str],
           sections: list[dict] = (), skipped: list[dict] | None = None) -> str:
    """HTML text; figures are read from `results_dir` and embedded as data URIs.

    `sections` are extra claim-free sections ({id, title, text, table, figures}), shown after the claims,
    followed by a Data section listing the inputs `on_bad_data: skip` left out (`skipped`: the records
    of `aecopy.data.skipped`; None reads them from data/prepared/), when there are any records.
    """
    results_dir = Path(results_dir)
    rows = []
    for c in claims:
        cls = c["verdict"].replace(" ", "-")
        rows.append(
            f'<tr class="claim {cls}"><td><a href="#{html.escape(c.get("experiment", c["id"]))}">{html.escape(c["id"])}</a></td>'
            f"<td class=claim-text>{html.escape(c['claim'])}</td><td>{html.escape(c['metric'])}</td>"
            f"<td class=num>{_fmt(c['value'])}</td><td class=num>[{_fmt(c['ci_low'])}, {_fmt(c['ci_high'])}]</td>"
            f"<td class=rule>{html.escape(c['rule'])}</td><td><b>{html.escape(c['verdict'])}</b></td>"
            f"<td>{_controls_cell(c.get('controls'))}</td>"
            f"<td>{html.escape(c['scale'])}</td><td>{html.escape(c['data'])}</td>"
            f"<td>{html.escape(', '.join(map(str, c.get('seeds', []))))}</td></tr>")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1><p>{intro}</p>",
             "<h2>Claims</h2><table id=claims><thead><tr><th>id</th><th>claim</th><th>metric</th><th>value</th>"
             "<th>95% interval</th><th>rule</th><th>verdict</th><th>controls</th><th>scale</th><th>data</th><th>seeds</th>"
             "</tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>"]
    by_exp: dict[str, list[dict]] = {}
    for c in claims:
        by_exp.setdefault(c.get("experiment", c["id"]), []).append(c)
    for exp, group in by_exp.items():
        parts.append(f"<h2 id='{html.escape(exp)}'>{html.escape(exp)}</h2>")
        if exp in experiments:
            parts.append(f"<p>{experiments[exp]}</p>")
        paper = {c.get("paper_figure") for c in group if c.get("paper_figure")}
        if paper:
            parts.append(f"<p>The post's figure(s): <i>{html.escape('; '.join(sorted(paper)))}</i>.</p>")
        parts.append("<ul>" + "".join(
            f"<li><b>{html.escape(c['id'])}</b> ({html.escape(c['data'])}): {html.escape(c['metric'])} = "
            f"{_fmt(c['value'])} [{_fmt(c['ci_low'])}, {_fmt(c['ci_high'])}], n = {c.get('n')} → "
            f"<b>{html.escape(c['verdict'])}</b></li>" for c in group) + "</ul>")
        seen = set()
        for c in group:
            for fig in c.get("figures", []):
                if fig["path"] in seen:
                    continue
                seen.add(fig["path"])
                parts.append(_figure(results_dir, fig))
    data = skipped_inputs_section(read_skipped() if skipped is None else skipped)
    for sec in [*sections, *([data] if data else [])]:
        parts.append(f"<h2 id='{html.escape(sec['id'])}'>{html.escape(sec['title'])}</h2><p>{html.escape(sec['text'])}</p>")
        parts.append(_table(sec.get("table", [])))
        parts.extend(_figure(results_dir, fig) for fig in sec.get("figures", []))
    parts.append("</body></html>\n")
    return "\n".join(parts)
