"""The symbols of trace text: what a word-level tokenizer makes one token each.

Bracket markers (`[HEAD1]`), tape cells (a bar and its digit, `|7`), words (`CMD`, `RIGHT`,
`q1`), every other digit, every space or newline, and every other character are tokens of their
own — a space is never folded into the next symbol (a folded space made first steps unlike all others).
A cell is one token so that the symbol under a head is the token right after its marker
(`[HEAD1]|7`): the tape view then asks the model to look one token past a marker, not two, and
state lines are ~40 % shorter (docs/results.md, tape mode). The dataset compiler lists a dataset's
alphabet with it, `caef cost` counts executor tokens with it, and the trainer's tokenizer
splits text with the same pattern.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

MARKER, CELL, WORD_START, WORD_REST = r"\[[A-Za-z0-9_]+\]", r"\|[0-9]", "[A-Za-z_]", "[A-Za-z0-9_]"
TOKEN_PATTERN = rf"{MARKER}|{CELL}|{WORD_START}{WORD_REST}*|[0-9]|\s|[^\sA-Za-z0-9]"
TOKEN = re.compile(TOKEN_PATTERN)
# Every token is one character except markers, cells and words of 2+ characters. Cells are
# most of a tape and never overlap the others (no marker or word holds a bar), so the long
# tokens are found as the few named ones by a pattern and the cells by string operations in C.
NAMED_TOKEN = re.compile(rf"{MARKER}|{WORD_START}{WORD_REST}+")
CELLS = tuple(f"|{d}" for d in range(10))
_DIGITS_AS_0 = str.maketrans("123456789", "000000000")


def count_tokens(text: str) -> int:
    """len(TOKEN.findall(text)), fast: traces of 100-digit operands hold ~10^7 characters.
    Each long token counts one where its characters count len."""
    named = NAMED_TOKEN.findall(text)
    cells = text.translate(_DIGITS_AS_0).count("|0")
    return len(text) - cells - sum(map(len, named)) + len(named)


def alphabet_of(texts: Iterable[str]) -> set[str]:
    """The distinct tokens of `texts`: the long tokens, and every character between them
    (each one a token), over their distinct lines joined by newlines (no token spans a line;
    in a dataset most lines come back: a step's lines are the next step's prompt, and commands
    repeat). A long token found is replaced by a newline, which joins no neighbours."""
    texts = list(texts)
    lines: set[str] = set()
    for text in texts:
        lines.update(text.split("\n"))
    joined = "\n".join(lines)
    tokens = set(NAMED_TOKEN.findall(joined))
    rest = NAMED_TOKEN.sub("\n", joined)
    for cell in CELLS:
        if cell in rest:
            tokens.add(cell)
            rest = rest.replace(cell, "\n")
    tokens.update(rest)
    tokens.discard("\n")
    if any("\n" in t for t in texts):
        tokens.add("\n")
    return tokens
