"""Plain-text tables for the terminal (`demo_logins`, `bench`), aligned for Chinese text.

A CJK character takes two columns in a terminal, so padding counts display width, not `len`.
"""

import unicodedata


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if align == ">" else text + gap


def render_table(headers: list[str], rows: list[list[str]], align: str = "") -> str:
    """`align` has one character per column: "<" (default) or ">"."""
    cells = [headers, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    aligns = align.ljust(len(headers), "<")

    def line(row):
        padded = (_pad(cell, widths[i], aligns[i]) for i, cell in enumerate(row))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in cells[1:])])
