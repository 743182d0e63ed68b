"""Bad input never produces a traceback: mutated .tm texts either parse and check or fail
with the project's own error, positioned; bad operands, unknown machines and missing files
are clear one-line errors with exit code 2."""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from caef_dsl.check import check
from caef.cli import main
from caef_dsl.errors import CaefError, SourceError
from caef_dsl.machine_set import MACHINES_DIR
from caef_dsl.syntax import parse

SOURCES = {p.name: p.read_text() for p in sorted(MACHINES_DIR.glob("*.tm"))}
TOKENS = ["machine", "head", "on", "register", "in", "output", "result", "start", "halt", "->",
          "call", "put", "move", "left", "right", "finish", "let", ":=", ";", ":", "(", ")", ",",
          "=", "_", "^", "*", "if", "else", "and", "or", "not", "//", "%", "0", "9", "99999",
          "q1", "qH", "HEAD1", "OUTPUT", "C", "x", '"', '"text"', "render", "as", "state", "\n",
          "#", "\t", "  ", "ADD", "fill(", "len(", "€", "\\", "\x00"]


MACHINES = {m.name: m for source in SOURCES.values() for m in parse(source)}


def parse_and_check(text: str):
    checked = {name: m for name, m in MACHINES.items() if name in ("ADD", "LESS_THAN")}
    try:
        machines = parse(text, "fuzz.tm")
    except SourceError as e:
        assert e.diagnostic.line >= 1 and "fuzz.tm" in str(e)
        return
    for m in machines:
        checked[m.name] = m
    for diagnostic in check(checked):
        assert diagnostic.line >= 1 and diagnostic.message


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(sorted(SOURCES.values())))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 30)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "swap_lines"]))
        if action == "delete":
            text = text[:i] + text[j:]
        elif action == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif action == "replace":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
        else:
            lines = text.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated())
def test_mutated_sources_fail_cleanly(text):
    parse_and_check(text)


def test_an_unknown_function_is_reported_where_rules_are_compared_and_divided():
    # Found by the mutation test: "if len(a)" with two letters dropped reads "if en(a)".
    text = ("machine F(a, b)\n  register A\n  result A\n  start q0\n  halt qH\n"
            "  q0 if len(a) >= len(b): A := a; -> qH\n"
            "  q0 if en(a) < len(b): A := b // en(a); -> qH\n")
    problems = check({m.name: m for m in parse(text, "f.tm")})
    assert [(p.line, p.column, p.message.split(" (")[0]) for p in problems] == [
        (7, 9, "unknown function en"), (7, 35, "unknown function en")]


@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.sampled_from(TOKENS + [" "]), max_size=40).map(" ".join))
def test_token_soup_fails_cleanly(text):
    parse_and_check("machine F(a)\n" + text)


def test_syntax_error_shows_line_column_and_caret():
    with pytest.raises(SourceError) as info:
        parse("machine F(a)\n  head H on a\n  q0: move H sideways; -> qH\n", "f.tm")
    message = str(info.value)
    assert message.startswith("f.tm:3:")
    assert "q0: move H sideways; -> qH" in message and "^" in message


def test_check_reports_every_problem_at_once(tmp_path, capsys):
    bad = tmp_path / "bad.tm"
    bad.write_text(
        "machine BAD(a, b)\n"
        "  head H on a\n"
        "  register R\n"
        "  register D in 0..3\n"
        "  output O\n"
        "  result O\n"
        "  start q0\n"
        "  halt qH\n"
        "  q0: move G right; -> q1\n"                      # unknown head G
        "  q1 (H = x): R := x // D; -> q1\n"               # D can be 0; q1 never halts
        "  q1 (H = 3): -> qH\n"                            # overlaps with the rule above
        "  q5: call NOPE(a) -> R; -> qH\n"                 # unreachable, unknown machine
        "  q6: call ADD(a) -> R; -> q9\n")                 # arity, unknown state
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    for expected in ["unknown head G", "can divide by zero", "can both fire", "unknown machine NOPE",
                     "ADD takes 2 operand(s)", "unknown state q9", "unreachable"]:
        assert expected in err, expected
    assert f"{bad}:9:" in err and "^" in err


def test_recursive_calls_are_reported(tmp_path, capsys):
    loop = tmp_path / "loop.tm"
    loop.write_text("machine PING(a)\n  register R\n  result R\n  start q0\n  halt qH\n"
                    "  q0: call PONG(a) -> R; -> qH\n\n"
                    "machine PONG(a)\n  register R\n  result R\n  start q0\n  halt qH\n"
                    "  q0: call PING(a) -> R; -> qH\n")
    assert main(["check", str(loop)]) == 2
    assert "recursive call" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["trace", "add", "-5", "3"], "not a non-negative integer"),
    (["trace", "add", "1.5", "3"], "not a non-negative integer"),
    (["trace", "add", "abc", "3"], "not a non-negative integer"),
    (["trace", "add", "1"], "takes 2 operand(s)"),
    (["trace", "nope", "1", "2"], "no machine 'nope'"),
    (["trace", "missing.tm", "1", "2"], "no such .tm file"),
    (["check", "missing.tm"], "no such file"),
    (["trace", "div", "5", "0"], "division by zero"),
    (["trace", "sub", "3", "5"], "a >= b"),
    (["trace", "add", "5", "5", "--max-steps", "2"], "more than 2 steps"),
])
def test_bad_arguments_are_one_line_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_no_rule_fires_names_state_and_symbols(tmp_path, capsys):
    stuck = tmp_path / "stuck.tm"
    stuck.write_text("machine STUCK(a)\n  head H on a\n  output O\n  result O\n  start q0\n  halt qH\n"
                     "  q0: move H right; -> q1\n  q1 (H = 7): -> qH\n")
    assert main(["trace", str(stuck), "5"]) == 2
    err = capsys.readouterr().err
    assert "no rule fires in state q1" in err and "H reads '5'" in err


def test_call_depth_limit(capsys):
    assert main(["trace", "sub", "5", "3", "--max-depth", "1"]) == 0
    assert main(["trace", "mul", "5", "3", "--max-depth", "1"]) == 0


def test_errors_are_caef_errors():
    assert issubclass(SourceError, CaefError)


def test_conditional_goto_must_be_readable(tmp_path, capsys):
    bad = tmp_path / "amb.tm"
    bad.write_text("machine AMB(a)\n  register R\n  result R\n  start q0\n  halt qH\n"
                   "  q0 if a == 0: call ADD(a, 1) -> R; -> q1 if R else qH\n"
                   "  q0 if a != 0: -> q1\n  q1: -> qH\n")
    assert main(["check", str(bad)]) == 2
    assert "their commands read the same" in capsys.readouterr().err
