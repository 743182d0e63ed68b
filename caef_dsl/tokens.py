"""The symbols of trace text: what a word-level tokenizer makes one token each.

Bracket markers (`[HEAD1]`), tape cells (a bar and its digit, `|7`), words (`CMD`, `RIGHT`,
`q1`), every other digit, every space or newline, and every other character are tokens of their
own — a space is never folded into the next symbol (see ../shared/notes/first-measurements.md).
A cell is one token so that the symbol under a head is the token right after its marker
(`[HEAD1]|7`): the tape view then asks the model to look one token past a marker, not two, and
state lines are ~40 % shorter (docs/results.md, tape mode). The dataset compiler lists a dataset's
alphabet with it, `caef cost` counts executor tokens with it, and the trainer's tokenizer
splits text with the same pattern.
"""
from __future__ import annotations

import re

MARKER, CELL, WORD_START, WORD_REST = r"\[[A-Za-z0-9_]+\]", r"\|[0-9]", "[A-Za-z_]", "[A-Za-z0-9_]"
TOKEN_PATTERN = rf"{MARKER}|{CELL}|{WORD_START}{WORD_REST}*|[0-9]|\s|[^\sA-Za-z0-9]"
TOKEN = re.compile(TOKEN_PATTERN)
# Every token is one character except markers, cells and words of 2+ characters.
LONG_TOKEN = re.compile(rf"{MARKER}|{CELL}|{WORD_START}{WORD_REST}+")
# The long tokens that are not cells: a few per line, where cells are most of a tape.
NAMED_TOKEN = re.compile(rf"{MARKER}|{WORD_START}{WORD_REST}+")
_DIGITS_AS_0 = str.maketrans("123456789", "000000000")


def count_tokens(text: str) -> int:
    """len(TOKEN.findall(text)), fast: traces of 100-digit operands hold ~10^7 characters.
    Each long token counts one where its characters count len; a cell is a bar before a digit
    (no marker or word holds a bar), counted in C without a match per cell."""
    named = NAMED_TOKEN.findall(text)
    cells = text.translate(_DIGITS_AS_0).count("|0")
    return len(text) - cells - sum(map(len, named)) + len(named)


def alphabet_of(texts: list[str]) -> set[str]:
    """The distinct tokens of `texts`: the long tokens, and every character between them
    (each one a token), in one pass over their distinct lines joined by newlines (no token
    spans a line; in a dataset most lines come back: a step's lines are the next step's
    prompt, and commands repeat — 2.5x less to scan in the full mode)."""
    lines: set[str] = set()
    for text in texts:
        lines.update(text.split("\n"))
    joined = "\n".join(lines)
    tokens = set(LONG_TOKEN.findall(joined)) | set("".join(LONG_TOKEN.split(joined)))
    tokens.discard("\n")
    if any("\n" in t for t in texts):
        tokens.add("\n")
    return tokens
