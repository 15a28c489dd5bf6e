#!/usr/bin/python3
"""Minimal HTML building blocks for the reports: one static file that opens
from disk, with figures referenced by relative path (figures/*.png) so the
directory can be copied or archived as a whole."""

from html import escape

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 1.8em; }
.meta { color: #555; font-size: 0.9em; }
code { background: #f3f3f3; padding: 0 0.2em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
figure img { max-width: 100%; }
figcaption { color: #555; font-size: 0.85em; }
.note { color: #8a5a00; background: #fff8e6; border-left: 3px solid #e0a800; padding: 0.3em 0.6em; }
"""


def _cell(value, header=False):
    tag = "th" if header else "td"
    text = "" if value is None else str(value)
    # Right-align figures so digits and units line up.
    numeric = not header and (text[:1].isdigit() or (text[:1] in ("-", "−") and text[1:2].isdigit()))
    cls = ' class="num"' if numeric else ""
    return f"<{tag}{cls}>{escape(text)}</{tag}>"


def table(header, rows):
    head = "".join(_cell(h, header=True) for h in header)
    body = "\n".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>"


def figure(rel_path, caption):
    return (f'<figure><img src="{escape(rel_path)}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def note(text):
    return f'<p class="note">{escape(text)}</p>'


def heading(text, level=2):
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text):
    return f"<p>{escape(text)}</p>"


def meta(lines):
    return '<p class="meta">' + "<br>".join(escape(l) for l in lines) + "</p>"


def document(title, parts):
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")
