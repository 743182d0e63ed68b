"""The toolkit's error hierarchy. Everything raised on purpose is a `CaefError`; messages
that point into a .tm file show `file:line:col: error: …`, the source line and a caret."""
from __future__ import annotations

from dataclasses import dataclass


class CaefError(Exception):
    """Base of every error the toolkit raises on purpose (never an internal exception)."""


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    message: str
    source_line: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        head = f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if not self.source_line:
            return head
        caret = " " * (max(self.column, 1) - 1) + "^"
        return f"{head}\n    {self.source_line}\n    {caret}"


def source_line(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].expandtabs(1) if 0 < line <= len(lines) else ""


class SourceError(CaefError):
    """One problem at one place in a .tm file."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


class TmSyntaxError(SourceError):
    """The text is not a .tm program (lexing or parsing failed): `diagnostics` holds every
    syntax error found, `diagnostic` the first."""

    def __init__(self, *diagnostics: Diagnostic):
        super().__init__(diagnostics[0])
        self.diagnostics = list(diagnostics)
        self.args = ("\n".join(str(d) for d in diagnostics),)


class CheckError(CaefError):
    """Static checks failed; `diagnostics` holds every problem found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


class MachineNotFound(CaefError):
    """No .tm file or machine of that name."""


class OperandError(CaefError):
    """An operand is not a non-negative integer, or the machine got the wrong number of them."""


class RunError(CaefError):
    """The interpreter could not finish a run."""


class StepBudgetExceeded(RunError):
    pass


class CallDepthExceeded(RunError):
    pass


class NoRuleFires(RunError):
    pass


class RequirementFailed(RunError):
    """A machine's `require` declaration does not hold for the operands (e.g. division by 0)."""


class TextParseError(CaefError):
    """A rendered state or command line could not be read back (e.g. a malformed model output)."""


class OutOfRange(RunError):
    """A register declared `in LO..HI` was given a value outside it. `apply` raises it where
    the value is written; the run loop that took the step adds the step and the rule
    (`locate`), so every path that carries out a step reports it alike."""

    def __init__(self, machine: str, register: str, value, domain: tuple[int, int], state: str):
        self.step: int | None = None
        self.what = (f"{machine}: {register} = {value} is outside its range "
                     f"{domain[0]}..{domain[1]}")
        self.state = state
        super().__init__(f"{self.what}, in state {state}")

    def locate(self, step: int, rule: str) -> None:
        """Name the step (numbered as the trace numbers it) and the rule that wrote the value."""
        self.step = step
        self.args = (f"{self.what}, at step {step} in state {self.state} ({rule})",)


class LoopDetected(RunError):
    """A configuration repeated: the machine is deterministic, so it never halts."""
