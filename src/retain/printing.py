"""A practice test on paper: HTML for the browser's print, or PDF (fpdf2, pure Python).

Both have the same layout, the one a teacher hands out: the deck's title, lines for the
name, date and score, short instructions, then the numbered questions (lines to write on,
lettered options, True / False to circle, two columns to match), and the answer key
starting on a page of its own.

The PDF's text is set in DejaVu Sans where a copy of it is found (most systems have one;
matplotlib ships one too), which covers the accents, Greek and Cyrillic letters and
symbols of most decks. Elsewhere it is set in the PDF's built-in Helvetica, which holds
only Western European letters: a character outside them is printed as "?".
"""

from __future__ import annotations

import html
from pathlib import Path

from retain.practice import PracticeTest, TestItem, letter

__all__ = ["render_html", "render_pdf"]

_INSTRUCTIONS = (
    "Answer every question. Write your answers in the space given; for a choice, circle "
    "one letter; for true or false, circle one word; to match, write a letter beside each "
    "number."
)
_HEADING = {
    "written": "Write the answer.",
    "choice": "Circle the letter of the right answer.",
    "truefalse": "True or false? Circle one.",
    "match": "Match each question with its answer: write the letter beside the number.",
}


_KINDS = {"written": "written", "choice": "choice", "truefalse": "true or false", "match": "match"}


def _lines_for(item: TestItem) -> int:
    """Lines to write a written answer on: about one and a half per point."""
    return min(12, max(2, (3 * len(item.question.expected) + 1) // 2))


# --- HTML --------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; color: #000;
       max-width: 180mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
.meta { display: flex; gap: 12mm; margin: 6pt 0 8pt; }
.meta span { flex: 1; border-bottom: 1px solid #000; padding-bottom: 2pt; }
.instructions { font-style: italic; border: 1px solid #000; padding: 5pt 7pt; }
.question { margin: 12pt 0; page-break-inside: avoid; break-inside: avoid; }
.prompt { font-weight: bold; }
.how { font-size: 9pt; color: #333; margin: 2pt 0 4pt; }
.line { border-bottom: 1px solid #777; height: 18pt; }
.options { list-style: none; padding-left: 14pt; margin: 4pt 0; }
.options li { margin: 3pt 0; }
.statement { margin: 4pt 14pt; }
.circle { margin-left: 14pt; letter-spacing: 1pt; }
.match { display: flex; gap: 10mm; margin-left: 14pt; }
.match ol { margin: 0; padding-left: 0; list-style: none; flex: 1; }
.match li { margin: 4pt 0; }
.key { page-break-before: always; break-before: page; }
.key h2 { font-size: 14pt; }
.key li { margin: 4pt 0; }
"""


def render_html(test: PracticeTest) -> str:
    """The test as one HTML page, ready to print; the answer key starts a new page."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Practice test: {e(test.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Practice test: {e(test.title)}</h1>",
        '<div class="meta"><span>Name:</span><span>Date:</span>'
        f"<span>Score: &nbsp;&nbsp;&nbsp;&nbsp; / {len(test.items)}</span></div>",
        f'<p class="instructions">{e(_INSTRUCTIONS)}</p>',
    ]
    for item in test.items:
        q = item.question
        parts.append(f'<section class="question" id="q{item.number}">')
        parts.append(f'<div class="prompt">{item.number}. {e(_prompt(item))}</div>')
        parts.append(f'<div class="how">{e(_HEADING[item.kind])}</div>')
        if item.kind == "written":
            parts.append('<div class="line"></div>' * _lines_for(item))
        elif item.kind == "choice":
            options = "".join(
                f"<li>{letter(i)}. {e(option)}</li>" for i, option in enumerate(q.options)
            )
            parts.append(f'<ul class="options">{options}</ul>')
        elif item.kind == "truefalse":
            parts.append(f'<p class="statement">“{e(q.statement or "")}”</p>')
            parts.append('<p class="circle">True &nbsp;&nbsp;/&nbsp;&nbsp; False</p>')
        else:
            left = "".join(
                f"<li>____ {i + 1}. {e(question)}</li>" for i, (question, _) in enumerate(q.pairs)
            )
            right = "".join(
                f"<li>{letter(i)}. {e(option)}</li>" for i, option in enumerate(q.options)
            )
            parts.append(f'<div class="match"><ol>{left}</ol><ol>{right}</ol></div>')
        parts.append("</section>")
    parts.append('<section class="key"><h2>Answer key</h2><ol>')
    for item in test.items:
        answer = "; ".join(e(part) for part in item.key)
        parts.append(f'<li value="{item.number}">{answer}</li>')
    parts.append(f"</ol><p>Seed {test.seed}.</p></section></body></html>")
    return "\n".join(parts) + "\n"


def _prompt(item: TestItem) -> str:
    if item.kind == "match":
        return "Match each question with its answer."
    return item.question.prompt


# --- PDF ---------------------------------------------------------------------------------

_FONT_PLACES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)


def _dejavu() -> tuple[Path, Path] | None:
    """DejaVu Sans and its bold, from the system or from matplotlib's data, if present."""
    places = list(_FONT_PLACES)
    try:
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        places.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    for place in places:
        regular, bold = place / "DejaVuSans.ttf", place / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


_LATIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})


def render_pdf(test: PracticeTest) -> bytes:
    """The test as a PDF of A4 pages; the answer key starts a new page."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(f"Practice test: {test.title}")
    fonts = _dejavu()
    if fonts is not None:
        pdf.add_font("Body", "", str(fonts[0]))
        pdf.add_font("Body", "B", str(fonts[1]))
        family = "Body"

        def clean(text: str) -> str:
            return text

    else:
        family = "Helvetica"

        def clean(text: str) -> str:
            return text.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")

    width = pdf.epw
    line = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

    def text(
        value: str, size: float = 11, style: str = "", height: float = 5.6, indent: float = 0
    ) -> None:
        pdf.set_font(family, style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, height, clean(value), align="L", **line)  # type: ignore[arg-type]

    pdf.add_page()
    text(f"Practice test: {test.title}", size=16, style="B", height=7.5)
    pdf.ln(3)
    pdf.set_font(family, "", 11)
    third = width / 3
    y = pdf.get_y() + 6
    for i, label in enumerate(("Name:", "Date:", "Score:")):
        x = pdf.l_margin + i * third
        pdf.text(x, y, label)
        end = x + third - 6
        if label == "Score:":
            total = f"/ {len(test.items)}"
            end -= pdf.get_string_width(total) + 1
            pdf.text(end + 1, y, total)
        pdf.line(x + pdf.get_string_width(label) + 2, y + 1, end, y + 1)
    pdf.set_y(y + 6)
    pdf.set_font(family, "", 10)
    top = pdf.get_y()
    pdf.multi_cell(width, 5, clean(_INSTRUCTIONS), border=1, padding=2, **line)  # type: ignore[arg-type]
    pdf.set_y(max(pdf.get_y(), top) + 4)

    for item in test.items:
        q = item.question
        needed = 12 + 8 * (_lines_for(item) if item.kind == "written" else max(len(q.options), 2))
        if pdf.get_y() + min(needed, 90) > pdf.h - pdf.b_margin:
            pdf.add_page()
        text(f"{item.number}. {_prompt(item)}", style="B")
        text(_HEADING[item.kind], size=9, height=4.6, indent=5)
        pdf.ln(1)
        if item.kind == "written":
            for _ in range(_lines_for(item)):
                pdf.ln(7.5)
                if pdf.get_y() > pdf.h - pdf.b_margin:
                    pdf.add_page()
                pdf.set_draw_color(120)
                pdf.line(pdf.l_margin + 5, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
                pdf.set_draw_color(0)
        elif item.kind == "choice":
            for i, option in enumerate(q.options):
                text(f"{letter(i)}.  {option}", indent=8, height=6)
        elif item.kind == "truefalse":
            text(f"“{q.statement or ''}”", indent=8, height=6)
            text("True      /      False", indent=8, height=7, style="B")
        else:
            half = (width - 8) / 2
            start = pdf.get_y()
            pdf.set_font(family, "", 10)
            for i, (question, _) in enumerate(q.pairs):
                pdf.set_x(pdf.l_margin + 5)
                pdf.multi_cell(half - 4, 5.2, clean(f"____ {i + 1}. {question}"), align="L", **line)  # type: ignore[arg-type]
                pdf.ln(1.5)
            left_end = pdf.get_y()
            pdf.set_y(start)
            for i, option in enumerate(q.options):
                pdf.set_x(pdf.l_margin + 8 + half)
                pdf.multi_cell(half, 5.2, clean(f"{letter(i)}. {option}"), align="L", **line)  # type: ignore[arg-type]
                pdf.ln(1.5)
            pdf.set_y(max(left_end, pdf.get_y()))
        pdf.ln(5)

    pdf.add_page()
    text(f"Answer key: {test.title}", size=14, style="B", height=7)
    pdf.ln(3)
    for item in test.items:
        text(f"{item.number}. ({_KINDS[item.kind]})", style="B", height=5.6)
        parts = ["   ".join(item.key)] if item.kind == "match" else item.key
        for part in parts:
            text(f"•  {part}", indent=6, size=10, height=5)
        pdf.ln(1.5)
    text(f"Seed {test.seed}", size=8, height=4)
    return bytes(pdf.output())
