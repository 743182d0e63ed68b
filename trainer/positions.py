"""Position schemes: the position ids a run reads its tokens at, in training (`PadCollator`) and
at inference (the runtime), so that both read a line alike. The model still reads and writes the
paper's exact text; a scheme only says where each token sits (docs/design.md, "Positions").

  plain    0, 1, 2, … (the model's own default; no ids are passed)
  random   `--random-positions N`: a sorted random draw from 0..N-1 (Ruoss et al. 2023), or with
           `--varied-density` consecutive positions of a draw of random size; several draws at
           inference, the most common completion wins
  heads    `--head-positions`: every token but the cells away from the heads counts 0, 1, 2, …,
           and those cells count on in a region of their own far beyond, so every state line,
           of any length, lays out like a short one around its heads (a form of position
           coupling, Cho et al. 2024); with `--tape-regions`, each tape of a line has a region
           of its own there, a cell at its index on the tape; with `--two-axes`, a cell away from
           the heads also carries the count near the heads where it stands, as a second rotary
           axis (`two_axis_id`, `trainer.model.TwoAxisRotary`)

A scheme at inference is `draw(text, tokens, draw)`: the position ids of a prompt's tokens and of
`completion_tokens` more, a function of the prompt (the runtime's memo stays exact).
"""
from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from caef_dsl.tokens import CELL, MARKER
from trainer.errors import TrainerError
from trainer.run_file import RunFile

_MARKER, _CELL = re.compile(MARKER), re.compile(CELL)
_NEWLINES = ("\n", "Ċ", "<0x0A>")  # a newline token: word-level, byte-level BPE, sentencepiece
_SPACES = (" ", "Ġ", "▁")


def random_positions(rows: int, width: int, span: int, generator: torch.Generator, *,
                     varied_density: bool = False) -> torch.Tensor:
    """Per row, `width` distinct position ids drawn from 0..span-1, in increasing order.

    A draw of `width` positions spaces them by about span/width, so a model trained on short
    lines only meets sparse positions, and a long line at inference is denser than any it saw.
    With `varied_density`, each row is instead `width` consecutive positions of a draw of a
    random count between `width` and `span`: every spacing a line up to `span` tokens has.
    """
    if not varied_density:
        return torch.rand(rows, span, generator=generator).topk(width, dim=1).indices.sort(dim=1).values
    counts = torch.randint(width, span + 1, (rows,), generator=generator).tolist()
    rows_drawn = []
    for count in counts:
        drawn = torch.rand(span, generator=generator).topk(count).indices.sort().values
        first = int(torch.randint(0, count - width + 1, (1,), generator=generator))
        rows_drawn.append(drawn[first:first + width])
    return torch.stack(rows_drawn)


# Where `head_positions` puts the cells away from the heads: from FAR on, at an offset drawn from
# 0..FAR_SPAN-1 in training and FAR_SPAN // 4 at inference, so the cells of long lines (up to
# ~3,000 of them) still sit where training put cells.
FAR, FAR_SPAN = 1024, 4096
READ_OFFSET = FAR_SPAN // 4
# `--tape-regions`: tape t's region starts t·TAPE_REGION on at inference; in training the spacing
# is drawn per example from the shortest that holds its tapes to 2·TAPE_REGION (`spaced_head_positions`).
TAPE_REGION = 1024


def two_axis_id(far: int, near: int) -> int:
    """`--two-axes`: the one position id that carries a cell's place away from the heads (`far`,
    FAR or more) and the count near the heads where it stands (`near`, below FAR); a token near
    the heads keeps its count, its place away from them 0 (`trainer.model.TwoAxisRotary` reads
    both back)."""
    return far * FAR + near


class HeadLayout:
    """`--head-positions`, token by token: a tape cell right after a marker is the cell under a head
    (`[HEAD1]|7`); it and every token that is not a cell count 0, 1, 2, …; the other cells of a
    line count FAR + offset, FAR + offset + 1, … in their order, from the offset again on each line.

    So a 100-digit state line has the positions of a 1-digit one around its heads, and the cells a
    decision reads sit at the same distance from the command at any length: a Turing machine's
    decision reads nothing else. The cells away from the heads keep their order, one position
    each, at distances from the command that training met (its offsets are drawn from
    0..FAR_SPAN-1): many tokens at one position would outweigh the few a decision reads. And a
    line written after another (the full view's next state line) gives each cell away from a
    head the position of the same cell in the line before, except next to a head that moved. A
    token's position depends on it and the tokens before it only, so it is given as text is
    written.

    With `tapes` (`--tape-regions`), a line's cells are read as tapes: a run of cells that no
    space interrupts (a head's marker inside a tape does not) is one tape, the line's tapes are
    numbered 0, 1, 2, …, and tape t's cells away from the heads count from
    FAR + offset + t·spacing (TAPE_REGION at inference). So no cell sits right after a tape's last
    one: in the full view a copy that runs off the end of a tape finds nothing there to go on
    with. Training draws the spacing per example (`spaced_head_positions`), so the model meets cells of
    other tapes at every distance and learns to copy from the same position only, not from one
    at a distance that it never met between the cells of a short tape (docs/design.md,
    "Positions").

    With `axes` (`--two-axes`), a cell away from the heads also carries the count of the token
    near the heads before it (`two_axis_id`): every step between a cell and a token near the
    heads, either way, is then a fixed offset on that axis at any length, where on one axis it
    spans however many cells a tape holds.
    """

    def __init__(self, offset: int = READ_OFFSET, tapes: bool = False, spacing: int = TAPE_REGION,
                 axes: bool = False):
        self.offset, self.tapes, self.spacing, self.axes = offset, tapes, spacing, axes
        self.near, self.far, self.previous = -1, 0, ""
        self.tape, self.between_tapes = -1, True
        self.strict = True  # a text that does not fit is an error (`WrittenPositions` counts on)

    def position(self, token: str) -> int:
        if _CELL.fullmatch(token):
            if self.between_tapes:
                self.tape, self.far, self.between_tapes = self.tape + 1, 0, False
            under_head = _MARKER.fullmatch(self.previous)
            at = self._near() if under_head else self._far()
            if not under_head:
                self.far += 1
                if self.axes:
                    at = two_axis_id(at, max(self.near, 0))
        else:
            at = self._near()
            if any(newline in token for newline in _NEWLINES):
                self.far, self.tape, self.between_tapes = 0, -1, True
            elif self.tapes and any(space in token for space in _SPACES):
                self.between_tapes = True
        self.previous = token
        return at

    def _near(self) -> int:
        self.near += 1
        if self.near >= FAR and self.strict:
            raise TrainerError(f"a text of more than {FAR:,} tokens near the heads (every token but the cells "
                               f"away from them) does not fit --head-positions: those cells count from {FAR:,}")
        return self.near

    def _far(self) -> int:
        if not self.tapes:
            return FAR + self.offset + self.far
        if self.far >= self.spacing and self.strict:
            raise TrainerError(f"a tape of more than {self.spacing:,} cells does not fit --tape-regions")
        return FAR + self.offset + self.tape * self.spacing + self.far

    def positions(self, tokens: Sequence[str]) -> list[int]:
        return [self.position(token) for token in tokens]


def head_positions(prompt: Sequence[str], completion: int = 0, offset: int = READ_OFFSET,
                   tapes: bool = False, spacing: int = TAPE_REGION, axes: bool = False) -> list[int]:
    """The position ids of `prompt`'s tokens under `--head-positions` (`HeadLayout`; `tapes`:
    `--tape-regions`, `spacing` apart; `axes`: `--two-axes`), then of `completion` more tokens
    that hold no cell (a command, or padding), counting on."""
    layout = HeadLayout(offset, tapes, spacing, axes)
    ids = layout.positions(prompt)
    return ids + list(range(layout.near + 1, layout.near + 1 + completion))


_UNSPACED = 1 << 20  # a spacing no tape fills: in `unspaced_layout` a cell's position holds its tape and index


def unspaced_layout(tokens: Sequence[str], completion: int = 0, axes: bool = False) -> list[int]:
    """A training example laid out as `--tape-regions` does at offset 0, with no bound on a tape's
    region: `spaced_head_positions` spaces its tapes and `far_tapes` reads them off it, one layout
    for both."""
    return head_positions(tokens, completion, 0, tapes=True, spacing=_UNSPACED, axes=axes)


def spaced_head_positions(layout: Sequence[int], offset: int, draw: float, axes: bool = False) -> list[int]:
    """A training example's `--tape-regions` positions (`axes`: `--two-axes`) from its
    `unspaced_layout`, its tape regions spaced `draw` (0..1) of the way from the least that leaves
    a gap after its longest tape to 2·TAPE_REGION."""
    places = _tape_places(layout, axes)
    least = 2 + max((index for _, index in filter(None, places)), default=0)  # a gap after every tape
    spacing = least + int(draw * (2 * TAPE_REGION - least))

    def spaced(at: int, place: tuple[int, int] | None) -> int:
        if place is None:
            return at
        far = FAR + offset + place[0] * spacing + place[1]
        return two_axis_id(far, at % FAR) if axes else far
    return [spaced(at, place) for at, place in zip(layout, places)]


def far_tapes(layout: Sequence[int], axes: bool = False) -> list[int]:
    """The tape of each token of an `unspaced_layout` that is a cell away from the heads (0, 1, 2,
    … along the line, as `--tape-regions` numbers them), -1 for every other token: `--tape-mass`
    weighs each tape's cells on their own."""
    return [-1 if place is None else place[0] for place in _tape_places(layout, axes)]


def _tape_places(layout: Sequence[int], axes: bool) -> list[tuple[int, int] | None]:
    """(tape, index on it) of each cell away from the heads in an `unspaced_layout` (`axes`: its
    place unpacked from `two_axis_id`); None for every other token."""
    return [divmod((at // FAR if axes else at) - FAR, _UNSPACED) if at >= FAR else None for at in layout]


class WrittenPositions:
    """The positions of a completion's tokens as a decoder writes them: `HeadLayout` going on from
    its prompt over the tokens accepted so far (`accept`), and over guesses without keeping them
    (`guess`: a draft the decoder checks, or the token it is about to feed). A model may write a
    line that does not fit the layout (a tape that runs on past its region): its tokens count on,
    and the comparison with the interpreter finds the step wrong."""

    def __init__(self, layout: HeadLayout, vocabulary: Sequence[str]):
        self.layout, self.vocabulary = layout, vocabulary
        layout.strict = False

    def accept(self, ids: Sequence[int]) -> list[int]:
        return [self.layout.position(self.vocabulary[i]) for i in ids]

    def guess(self, ids: Sequence[int]) -> list[int]:
        return WrittenPositions(copy.copy(self.layout), self.vocabulary).accept(ids)


@dataclass(frozen=True)
class RandomPositions:
    """How a run trained with `--random-positions span` reads a prompt at inference: at as many
    positions as its tokens and `completion_tokens` more (the longest completion trained on),
    drawn from 0..span-1 like a training example's, seeded by the prompt's text and the draw's
    number, so that a completion stays a function of its prompt (the runtime's memo is exact)."""
    span: int
    completion_tokens: int
    varied_density: bool = False  # draw as `--varied-density` training did (see `random_positions`)
    varies = True  # draws differ: the runtime votes over several

    def draw(self, text: str, tokens: Sequence[str], draw: int = 0) -> torch.Tensor:
        """The position ids of a prompt `text` of `tokens` (and of its completion's first
        `completion_tokens`) at draw number `draw`."""
        count = len(tokens) + self.completion_tokens
        if count > self.span:
            raise TrainerError(f"a prompt of {len(tokens)} tokens and a completion of {self.completion_tokens} do "
                               f"not fit the {self.span} positions the model was trained on "
                               f"(--random-positions {self.span})")
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=draw.to_bytes(16, "little"))
        seed = int.from_bytes(digest.digest(), "little")
        return random_positions(1, count, self.span, torch.Generator().manual_seed(seed),
                                varied_density=self.varied_density)[0]


@dataclass(frozen=True)
class HeadPositions:
    """How a run trained with `--head-positions` (`tapes`: and `--tape-regions`; `axes`: and
    `--two-axes`) reads a prompt:
    `head_positions` at the offset `READ_OFFSET`, with room for `completion_tokens` (the longest
    completion trained on). One reading: no draws to vote over."""
    completion_tokens: int
    tapes: bool = False
    axes: bool = False
    varies = False

    def draw(self, text: str, tokens: Sequence[str], draw: int = 0) -> torch.Tensor:
        return torch.tensor(head_positions(tokens, self.completion_tokens, tapes=self.tapes, axes=self.axes))

    def written(self, tokens: Sequence[str], vocabulary: Sequence[str]) -> WrittenPositions:
        """The positions of the completion of a prompt of `tokens`: the rule going on over the
        tokens as they are written (a next state line holds cells away from the heads too)."""
        layout = HeadLayout(tapes=self.tapes, axes=self.axes)
        layout.positions(tokens)
        return WrittenPositions(layout, vocabulary)


def positions_of_run(run: RunFile) -> RandomPositions | HeadPositions | None:
    """The scheme a run was trained with; None for positions 0, 1, 2, …"""
    positions = run.positions
    if not (positions.random_positions or positions.head_positions):
        return None
    if not positions.completion_tokens:
        raise TrainerError("the run was trained at positions of its own but does not say how long its "
                           "completions were (positions.completion_tokens): retrain it")
    if positions.head_positions:
        return HeadPositions(positions.completion_tokens, bool(positions.tape_regions), bool(positions.two_axes))
    return RandomPositions(positions.random_positions, positions.completion_tokens, bool(positions.varied_density))
