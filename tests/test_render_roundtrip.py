"""Rendering and reading back are inverse: text → configuration/command → the same text,
and configuration → text → the same visible configuration, for every machine and step."""
import pytest
from hypothesis import given, settings, strategies as st

from caef_dsl.errors import TextParseError
from caef_dsl.interpreter import run
from caef_dsl.render import HALT_COMMAND, renderer
from support import assert_round_trips

TWO_OPERANDS = ["ADD", "EQUAL", "GREATER_THAN", "LESS_THAN"]


def traces(machines, a, b):
    yield run(machines.executables, "LEFT_MASK", [a])
    for name in TWO_OPERANDS:
        yield run(machines.executables, name, [a, b])
    hi, lo = max(a, b), min(a, b)
    yield run(machines.executables, "SUB", [hi, lo])
    yield run(machines.executables, "REFLECTION", [10 ** len(str(hi)) - 1, lo])
    yield run(machines.executables, "MUL", [a, b % 7])
    yield run(machines.executables, "DIV", [a, b or 1] if a // (b or 1) < 8 else [b, a or 1])


@settings(max_examples=30, deadline=None)
@given(a=st.integers(0, 10 ** 25), b=st.integers(0, 10 ** 25))
def test_round_trip(machines, a, b):
    for trace in traces(machines, a, b):
        assert_round_trips(trace)


def test_halt_line_reads_as_no_command(machines):
    r = renderer(machines.executable("ADD"))
    assert r.parse_command("qH", HALT_COMMAND) is None


@pytest.mark.parametrize("text", [
    "CMD: [C] 1, [OUTPUT] 12, q1",          # an output cell holds one digit
    "CMD: [NOPE] RIGHT, q1",                 # unknown head
    "CMD [C] 1, q1",                         # wrong prefix for ADD
    "CMD: [C] 1, [OUTPUT] 2",                # no next state
    "garbage",
])
def test_malformed_commands_raise_text_parse_error(machines, text):
    r = renderer(machines.executable("ADD"))
    with pytest.raises(TextParseError):
        r.parse_command("q1", text)


@pytest.mark.parametrize("line", ["ADD, q7,  [HEAD1]|1 [HEAD2]|2 [C]0 [OUTPUT]",
                                  "ADD, q1, [HEAD1]|1 [HEAD2]|2 [C]0 [OUTPUT]", "", "MUL, q1"])
def test_malformed_state_lines_raise_text_parse_error(machines, line):
    with pytest.raises(TextParseError):
        renderer(machines.executable("ADD")).parse_state_line(line)
