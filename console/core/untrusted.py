"""Untrusted text made safe to draw: the one helper every view passes wire text through.

Titles, addresses, notes, names and codes come from the backend (in the end from citizens and
departments): they must never reorder, fake or push away the console's own text around them.

``one_line(text)`` is for a field meant to be one line (a title, an address, a name, a code);
``block(text)`` for free text of several lines (a case's description, a note shown whole).
Both:

- remove the bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and other
  invisible format characters (word joiners, BOM, tags, interlinear annotation, …), and drop the
  other control characters: their U+2400 pictures are in none of the wall's fonts, and a box
  tells the operator nothing;
- isolate text that holds right-to-left characters: LRM + FSI … PDI. FSI…PDI keeps the text from
  reordering its neighbours (Qt's bidi algorithm and Chromium's honour isolates, checked by
  rendering in ``tests/test_untrusted_text.py``); the LRM before it is needed because Qt chooses a
  paragraph's direction from its first strong character *without* skipping isolates
  (``QTextBlock::textDirection``), so a label or tooltip starting with an Arabic title would
  otherwise turn right-to-left as a whole and reorder the console's own digits and punctuation;
- collapse runs of spaces (so padding cannot place a fake field at a wrap), cap floods of
  combining marks (so "zalgo" text cannot draw over the rows above and below), and give long
  unbroken runs a break opportunity (U+200B) every ``RUN`` characters, so a 4,000-character word
  wraps instead of pushing the fields off-screen (``wrap=False`` where the renderer breaks long
  words itself, as the map page's CSS does);
- optionally truncate with an ellipsis.

``one_line`` turns every line break (``\\n``, ``\\r``, ``\\v``, ``\\f``, U+001C–U+001E, U+0085, U+2028,
U+2029; a run of them counts as one) into ``⏎`` (U+23CE, in the wall's Noto Sans CJK): a visible
mark rather than a space, so the operator sees that the sender broke the line — text after it that
looks like one of the console's fields ("位置：…", "时限 已结案") is seen as part of the title.

``rich(text)`` escapes already cleaned text for Qt rich text (tooltips); ``tooltip(text)`` is a whole
tooltip of untrusted free text: Qt treats a tooltip that merely *looks* like HTML as rich text
(``Qt::mightBeRichText``), so untrusted text never goes into a tooltip unescaped.

Pure functions of their arguments, cached: the queue calls them for every visible cell it paints.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import Final

LINE_MARK: Final = "\u23ce"  # ⏎
ELLIPSIS: Final = "\u2026"  # …
ZWSP: Final = "\u200b"
LRM: Final = "\u200e"
FSI: Final = "\u2068"
PDI: Final = "\u2069"
RUN: Final = 30  # characters of an unbroken run between two break opportunities
MAX_MARKS: Final = 4  # combining diacritics kept on one base character

BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LINE_BREAKS: Final = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

# Removed: bidi controls, invisible operators and joiners that hide or glue text, the BOM, the
# deprecated format controls, interlinear annotation, tag characters; C0/C1 controls and DEL except
# tab (a space) and the line breaks (handled on their own). ZWJ/ZWNJ and the soft hyphen stay:
# scripts and emoji need them.
_DROPPED: Final = (
    (
        BIDI_CONTROLS
        | {chr(c) for c in range(0x2060, 0x2065)}
        | {chr(c) for c in range(0x206A, 0x2070)}
        | {"\ufeff", "\u180e", "\ufff9", "\ufffa", "\ufffb"}
        | {chr(c) for c in range(0xE0000, 0xE0080)}
        | {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
    )
    - LINE_BREAKS
    - {"\t"}
)
_CLEAN: Final = str.maketrans({**dict.fromkeys(_DROPPED), "\t": " "})

# Strong right-to-left (R, AL) and Arabic-number (AN) characters all lie in these blocks (the
# tests check every code point against ``unicodedata``); unassigned ones there default to R/AL.
_RTL: Final = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff"
_HAS_RTL: Final = re.compile(f"[{_RTL}]")
_SPACES: Final = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Where a line may break anyway: breaking spaces, ZWSP, and ideographs (breakable between any two).
_IDEOGRAPHS: Final = "\u2e80-\u2fdf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_BREAKS: Final = " \u1680\u2000-\u2006\u2008-\u200a\u200b\u205f\u3000\n" + _IDEOGRAPHS
_LONG_RUN: Final = re.compile(f"[^{_BREAKS}]{{{RUN + 1},}}")
_MARK_FLOOD: Final = re.compile(
    f"([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{{{MAX_MARKS}}})"
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)
_BREAK_RUN: Final = re.compile(
    r"(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])(?:["
    + _SPACES
    + r"\t]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]))*"
)
_ONE_BREAK: Final = re.compile(r"\r\n|[\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_BLANK_LINES: Final = re.compile(r"\n(?:[" + _SPACES + r"]*\n)+")
_SPACE_RUN: Final = re.compile(f"[{_SPACES}]{{2,}}")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# Anything at all that needs work; text without it (most titles) is returned as it is.
_SUSPECT: Final = re.compile(
    "["
    + "".join(re.escape(c) for c in sorted(_DROPPED | LINE_BREAKS | {"\t"}))
    + _RTL
    + "\ud800-\udfff\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
    + f"|[{_SPACES}]{{2,}}|^[{_SPACES}]|[{_SPACES}]$"
)


@functools.lru_cache(maxsize=32768)  # a busy district's open cases' titles, shown on the map at each jump
def one_line(text: str, max_chars: int | None = None, *, wrap: bool = True) -> str:
    """``text`` safe to draw as one line of a field: no line breaks (each run of them is ``⏎``), no
    bidi or other controls, right-to-left text isolated, at most ``max_chars`` characters of it (the
    last one ``…``), and with ``wrap`` a break opportunity in every run longer than ``RUN``."""
    plain = not _SUSPECT.search(text) and not (wrap and _LONG_RUN.search(text))
    if plain and (max_chars is None or len(text) <= max_chars):
        return text
    s = _BREAK_RUN.sub(LINE_MARK, _clean(text).strip())
    s = _SPACE_RUN.sub(_first, s).strip()
    return _finish(_truncate(s, max_chars), wrap)


@functools.lru_cache(maxsize=512)
def block(text: str, max_chars: int | None = None, max_lines: int | None = None, *, wrap: bool = True) -> str:
    """Free text of several lines, safe to draw: line breaks of every kind become ``\\n`` (blank lines
    collapse to one), each line is treated as ``one_line`` treats its text, at most ``max_lines`` lines
    and ``max_chars`` characters are kept (what is cut ends in ``…``)."""
    s = _ONE_BREAK.sub("\n", _clean(text))
    s = _BLANK_LINES.sub("\n\n", s)
    lines = [_SPACE_RUN.sub(_first, line).strip() for line in s.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    if max_lines is not None and len(lines) > max(1, max_lines):
        lines = [*lines[: max(1, max_lines) - 1], ELLIPSIS]
    if max_chars is not None:
        lines = _truncate("\n".join(lines), max_chars).split("\n")
    return "\n".join(_finish(line, wrap) for line in lines)


def rich(cleaned: str) -> str:
    """Text already made safe (``one_line``/``block``) as Qt rich text: escaped, lines as ``<br>``."""
    return html.escape(cleaned).replace("\n", "<br>")


def tooltip(text: str, max_chars: int | None = 1000) -> str:
    """A whole tooltip of untrusted free text: always rich text (so never *taken* for HTML), escaped."""
    return f"<qt>{rich(block(text, max_chars=max_chars))}</qt>"


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds right-to-left or Arabic-number characters (and needs isolating)."""
    return _HAS_RTL.search(text) is not None


# ---------------------------------------------------------------------- steps
def _clean(text: str) -> str:
    s = _SURROGATE.sub("\ufffd", text).translate(_CLEAN)
    return _MARK_FLOOD.sub(r"\1", s)


def _first(m: re.Match[str]) -> str:
    return m.group()[0]


def _truncate(s: str, max_chars: int | None) -> str:
    if max_chars is None or len(s) <= max_chars:
        return s
    cut = max(0, max_chars - 1)
    while 0 < cut < len(s) and unicodedata.combining(s[cut]):
        cut -= 1  # never part a character from its marks
    return s[:cut].rstrip() + ELLIPSIS


def _finish(s: str, wrap: bool) -> str:
    if wrap:
        s = _LONG_RUN.sub(_broken, s)
    return f"{LRM}{FSI}{s}{PDI}" if _HAS_RTL.search(s) else s


def _broken(m: re.Match[str]) -> str:
    """A long unbroken run with a ZWSP after every ``RUN`` characters (never before a mark or joiner)."""
    run = m.group()
    out: list[str] = []
    count = 0
    for i, ch in enumerate(run):
        out.append(ch)
        count += 1
        nxt = run[i + 1] if i + 1 < len(run) else ""
        if count >= RUN and nxt and not _glued(nxt):
            out.append(ZWSP)
            count = 0
    return "".join(out)


def _glued(ch: str) -> bool:
    """Belongs to the character before it: a combining mark, a joiner, a variation selector."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch in "\u200c\u200d" or "\ufe00" <= ch <= "\ufe0f"
