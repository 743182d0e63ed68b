"""The values machines compute with: small integers, booleans, `Digits` — a number as the
digits of a tape, least significant first, exactly as written (leading zeros kept) — and
`Text`, the characters of a text tape as written (`45+67=`)."""
from __future__ import annotations

from .errors import OperandError


def barred(digits: str) -> str:
    """The paper's tape rendering: `|` before every digit (the tape "54" of 45 is `|5|4`)."""
    return "|" + "|".join(digits) if digits else ""


class Digits(str):
    """A number as tape cells, least significant digit first: 45 is Digits("54")."""

    __slots__ = ()

    @classmethod
    def of(cls, value: "int | Digits") -> "Digits":
        if isinstance(value, Digits):
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OperandError(f"expected a non-negative integer, got {value!r}")
        return cls(str(value)[::-1])

    @property
    def number(self) -> int:
        return int(self[::-1]) if self else 0

    @property
    def decimal(self) -> str:
        """The number as people write it, leading zeros dropped ("0" when empty)."""
        return self[::-1].lstrip("0") or "0"

    @property
    def barred(self) -> str:
        return barred(self)

    def __repr__(self) -> str:
        return f"Digits({self.decimal})"


class Text(str):
    """A text tape's cells, first character first: the expression `45+67=` as typed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Text({str(self)!r})"


def text_operand(value, alphabet: str) -> Text:
    """A text given by a user as a text tape: characters of `alphabet` only."""
    if not isinstance(value, str):
        raise OperandError(f"a text operand is text, got {value!r}")
    text = "".join(value.split())
    wrong = sorted(set(text) - set(alphabet))
    if wrong:
        raise OperandError(f"{value!r} holds {''.join(wrong)!r}: a text tape holds digits and {alphabet[10:]}")
    return Text(text)


def operand(value) -> Digits:
    """An operand given by a user (int, decimal string, or Digits) as a tape."""
    if isinstance(value, Digits):
        return value
    if isinstance(value, bool):
        raise OperandError(f"operand {value!r} is not a non-negative integer")
    if isinstance(value, int):
        if value < 0:
            raise OperandError(f"operand {value} is negative; machines take non-negative integers")
        return Digits(str(value)[::-1])
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or not text.isascii():
            raise OperandError(f"operand {value!r} is not a non-negative integer")
        text = text.lstrip("0") or "0"
        return Digits(text[::-1])
    raise OperandError(f"operand {value!r} is not a non-negative integer")


def as_number(value) -> int | bool:
    """Arithmetic sees digit tapes as the integers they spell."""
    return value.number if isinstance(value, Digits) else value


def display(value) -> str:
    """A value as a command or head line shows it: `7`, `True`, `|5|4`; unset is empty."""
    if value is None:
        return ""
    if isinstance(value, Digits):
        return value.barred
    return str(value)  # a Text value as written: `112`
