"""The aligner: expression text ⇄ the machine's first and last step.

`45+67=` becomes the first step the executor reads (the q0 state line and q0 command), and
the halting state line becomes `45+67=112` again — the paper's `TMAligner`. The rule aligner
here is deterministic; a trained aligner (trainer side) learns the same pairs in one shot.
The text machines (`machines/align.tm`, `align_long.tm`) do the same on the finite control:
they read the expression as a text tape and print the result, one decision at a time
(docs/design.md, "Text in, text out").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import CaefError, OperandError
from .formulas import FormulaError, parse_formula, reads_formulas
from .executable import Executable
from .render import renderer, result_token

# Operator → machine file, per family: the paper's machines, or the long (scalable) ones.
FAMILIES = {
    "paper": {"+": "add", "-": "sub", "*": "mul", "//": "div", "==": "equal", ">": "greater_than",
              "<": "less_than"},
    "long": {"+": "add", "-": "sub", "*": "long_mul", "//": "long_div", "%": "long_mod", "==": "equal",
             ">": "greater_than", "<": "less_than"},
}
# The machine of each family that reads `A op B=` as text and prints the result.
TEXT_MACHINES = {"paper": "align", "long": "align_long"}
# The paper's Table 2 splits a run into aligner (I), executor and aligner (O). In a text
# machine's run: the machines that read the text, and where the printing is done (DECIMAL,
# and the text machines' states after the operator's call).
INPUT_ALIGNERS = ("ALIGN", "ALIGN_LONG", "LEFT_OPERAND", "RIGHT_OPERAND")
OUTPUT_ALIGNERS = ("DECIMAL",)
OUTPUT_STATES = ("number", "truth")
# Machine (file stem) → the operator of its expressions: the aligner data's and the runtime's.
OPERATORS = {stem: op for family in FAMILIES.values() for op, stem in family.items()}
EXPRESSION = re.compile(r"\s*(\d+)\s*(\+|-|\*|//|%|==|>|<)\s*(\d+)\s*=?\s*")


class ExpressionError(CaefError):
    """Text that is not `A op B=` with non-negative integers and a known operator."""


@dataclass(frozen=True)
class Expression:
    a: str
    op: str
    b: str

    @property
    def text(self) -> str:
        return f"{self.a}{self.op}{self.b}="

    def machine(self, family: str = "paper") -> str:
        if family not in FAMILIES:
            raise ExpressionError(f"unknown machine family {family!r} (known: {', '.join(FAMILIES)})")
        if self.op not in FAMILIES[family]:
            other = next(f for f in FAMILIES if self.op in FAMILIES[f])
            raise ExpressionError(f"{self.op} is not an operator of the {family} machines: use --family {other}")
        return FAMILIES[family][self.op]


def text_entries(machines, name: str) -> list[tuple[str, str]] | None:
    """What a machine with a text operand reads: (operator machine, operator) pairs whose
    problems, written `A op B=`, are its problems — its family's operators for a text machine
    (ALIGN: the paper's), every operator for another (LEFT_OPERAND); None for a machine of
    numbers."""
    machine = machines.machines[name]
    if not {t.name for t in machine.texts} & set(machine.operands):
        return None
    stem = machines.stems.get(name)
    family = next((f for f, text in TEXT_MACHINES.items() if text == stem), None)
    table = FAMILIES[family] if family else {op: s for f in FAMILIES.values() for op, s in f.items()}
    return [(machines.resolve(s), op) for op, s in table.items() if s in machines.by_file]


def check_text(machines, name: str, operands: list) -> None:
    """Raise a one-line error unless a machine that reads text is given a text it reads: `A op
    B=` with one of its operators, or for EVALUATE an expression without its closing `=`."""
    entries = text_entries(machines, name)
    if entries is None or len(operands) != 1:
        return
    text = str(operands[0])
    if reads_formulas(machines, name):
        if text.rstrip().endswith("="):
            raise FormulaError(f"{name} reads an expression without its closing '=': {text.rstrip()[:-1]!r}")
        parse_formula(text)
        return
    operators = [op for _, op in entries]
    if parse_expression(text).op not in operators:
        raise ExpressionError(f"{name} reads A op B= with op one of {' '.join(operators)}: {text!r}")


def family_of(stem: str) -> str:
    """The family whose text machine enters machine `stem` by its operator: the long one,
    except for the paper's own MUL and DIV."""
    return "long" if stem in FAMILIES["long"].values() else "paper"


def parse_expression(text: str) -> Expression:
    m = EXPRESSION.fullmatch(text)
    if not m:
        raise ExpressionError(f"not an expression of the form A op B= (op one of + - * // % == > <): {text!r}")
    a, op, b = m.groups()
    a, b = a.lstrip("0") or "0", b.lstrip("0") or "0"
    if op == "-" and int(a) < int(b):
        raise OperandError(f"{text.strip()}: subtraction needs a >= b (results are non-negative)")
    if op in ("//", "%") and int(b) == 0:
        raise OperandError(f"{text.strip()}: division by zero")
    return Expression(a, op, b)


def first_step(exe: Executable, operands) -> str:
    """What the executor reads first: the q0 state line and the q0 command, each + newline."""
    r = renderer(exe)
    config = exe.initial(operands)
    return r.state_line(config) + "\n" + r.command_line(exe.decide(config)) + "\n"


def read_result(halting_line: str, exe: Executable | None = None) -> str:
    """The result a halting line shows. Given its machine, the line is read back through the
    machine's own template (any layout: LONG_MUL's ends `[OUTPUT]|8|8|0|6|5`); without, by
    the paper's `tm_to_output`: the text after the last space, a barred tape (`|2|1|1`) read
    least significant digit first — what the reference's own lines need."""
    line = halting_line.rstrip("\n").split("\n")[0]
    if exe is not None:
        return result_token(renderer(exe).parse_state_line(line).result)
    token = line.rsplit(" ", 1)[-1]
    if "|" in token:
        token = token.replace("|", "")[::-1]
    return token


def result_text(expression: Expression, halting_line: str, exe: Executable | None = None) -> str:
    """`45+67=` and the halting line → `45+67=112`."""
    return expression.text + read_result(halting_line, exe)
