"""Bad input never produces a traceback: mutated .tm texts either parse and check or fail
with the project's own error, positioned; bad operands, unknown machines and missing files
are clear one-line errors with exit code 2."""

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from caef_dsl.check import check
from caef.cli import main
from caef_dsl.errors import CaefError, SourceError
from caef_dsl.machine_set import MACHINES_DIR
from caef_dsl.syntax import _parser, parse

SOURCES = {p.name: p.read_text() for p in sorted(MACHINES_DIR.glob("*.tm"))}
TOKENS = ["machine", "head", "on", "register", "in", "output", "result", "start", "halt", "->",
          "call", "put", "move", "left", "right", "finish", "let", ":=", ";", ":", "(", ")", ",",
          "=", "_", "^", "*", "if", "else", "and", "or", "not", "//", "%", "0", "9", "99999",
          "q1", "qH", "HEAD1", "OUTPUT", "C", "x", '"', '"text"', "render", "as", "state", "\n",
          "#", "\t", "  ", "ADD", "fill(", "len(", "€", "\\", "\\x", "\x00"]


MACHINES = {m.name: m for source in SOURCES.values() for m in parse(source)}


# The parser's names for its terminals (NAME, CIRCUMFLEX, __ANON_1, _NL, …): never in a message,
# except where the user's own text has that word (a register called OUTPUT).
# A name lowercased and quoted counts too ('circumflex'), unless the language spells a keyword so.
LITERALS = {t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}
TERMINALS = {form for t in _parser().terminals for form in (t.name, f"'{t.name.lower()}'")
             if form.strip("'") not in LITERALS} | {"$END"}


def assert_in_the_languages_words(message: str, text: str):
    assert "__anon" not in message.lower() and "_NL" not in message, message
    for name in TERMINALS:
        if re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", message):
            assert name.strip("'") in text, (name, message)  # the user's own word, quoted


def test_the_internal_name_check_catches_the_old_messages():
    for old in ["unexpected '='; expected '__anon_1'", "expected 'circumflex', 'star', a name"]:
        with pytest.raises(AssertionError):
            assert_in_the_languages_words(old, "machine F(a)\n")
    assert_in_the_languages_words("unexpected 'OUTPUT'; expected 'state', 'machine'", "OUTPUT")


def parse_and_check(text: str):
    checked = {name: m for name, m in MACHINES.items() if name in ("ADD", "LESS_THAN")}
    try:
        machines = parse(text, "fuzz.tm")
    except SourceError as e:
        assert e.diagnostic.line >= 1 and "fuzz.tm" in str(e)
        for diagnostic in getattr(e, "diagnostics", [e.diagnostic]):
            assert diagnostic.line >= 1 and "^" in str(diagnostic) or not diagnostic.source_line
            assert_in_the_languages_words(diagnostic.message, text)
        return
    for m in machines:
        checked[m.name] = m
    for diagnostic in check(checked):
        assert diagnostic.line >= 1 and diagnostic.message
        assert_in_the_languages_words(diagnostic.message, text)


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(sorted(SOURCES.values())))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 30)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "swap_lines", "swap_words"]))
        if action == "swap_words":  # two neighbouring tokens trade places
            words = re.split(r"([ \t]+)", text)
            k = draw(st.integers(0, max(0, len(words) - 3)))
            words[k:k + 3:2] = words[k:k + 3:2][::-1]
            text = "".join(words)
        elif action == "delete":
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


HEADER = "machine F(a)\n  head H on a\n  register R\n  result R\n  start q0\n  halt qH\n"


def syntax_errors(text: str) -> list[str]:
    with pytest.raises(SourceError) as info:
        parse(HEADER + text, "f.tm")
    return [f"{d.line}:{d.column}: {d.message}" for d in info.value.diagnostics]


@pytest.mark.parametrize("rule, message", [
    ("  q0 if R = 0: -> qH\n",
     "7:11: unexpected '='; expected '==', '!=', '<=', '>=', '<', '>', '+', '-', '//', '*', … "
     "(a comparison is written '==')"),
    ("  q0 (H == x): -> qH\n",
     "7:10: unexpected '='; expected a name, a number, a quoted string, '^', '*' "
     "(a head pattern has one '=': (H = 7), (H = x), (H = _), (H = ^), (H = *), (H = \"+\"))"),
    ("  q0: R = 1; -> qH\n", "7:9: unexpected '='; expected ':=' (a register is set with ':=')"),
    ("  q0: R := 1 -> qH\n", "7:15: unexpected '>'; expected a name, a number, '(', '-'"),
    ("  register X in 0..\n", "7:20: unexpected end of line; expected a number"),
    ("  q0: move H € -> qH\n", "7:14: unexpected character '€'"),
    ("  q0 (H = 1): move H right\n      -> q0\n",
     "7:27: missing ';' at the end of this line? line 8 goes on with '->', more actions of this rule"),
    ("  q0 (H = 1): move H right;\n  q1: -> qH\n",
     "8:5: unexpected ':'; expected ':=' (line 7 ends with ';', so this line reads as more of its actions)"),
])
def test_syntax_errors_in_the_languages_words(rule, message):
    assert syntax_errors(rule) == [message]


def test_every_syntax_error_of_a_file_is_reported(tmp_path, capsys):
    bad = tmp_path / "bad.tm"
    bad.write_text(HEADER + "  q0 (H = 1): move H right\n      -> q0\n  q0 (H == 2): -> qH\n"
                   "  q0 if R = 0: -> qH\n  q1: call ADD(a, 1 -> R; -> qH\n"
                   "machine G(a\n  register R\n  q0: -> qH\n  q0: -> -> qH\n")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert [line.split(": error")[0] for line in err.splitlines() if ": error: " in line] == [
        f"{bad}:{n}" for n in ("7:27", "9:10", "10:11", "11:22", "12:12", "15:10")]
    assert err.endswith("6 problem(s) found\n") and sum(line.strip() == "^" for line in err.splitlines()) == 6


def test_a_file_of_good_lines_after_a_broken_header_gives_one_error():
    with pytest.raises(SourceError) as info:
        parse("mchine F(a)\n" + HEADER.split("\n", 1)[1] + "  q0: -> qH\n", "f.tm")
    assert [str(d).splitlines()[0] for d in info.value.diagnostics] == [
        "f.tm:1:1: error: unexpected 'mchine'; expected end of line, 'machine'"]


@pytest.mark.parametrize("rule, message", [
    ("  q0 (H = y): call ADD(a, y) -> R; -> qH\n",
     "7:27: a call's arguments can name operands, registers, heads and outputs, not the pattern variable y: "
     "pass the head H it reads"),
    ("  q0: let s = 3; call ADD(a, s) -> R; -> qH\n",
     "7:30: a call's arguments can name operands, registers, heads and outputs, not the let name s: "
     "set a register to it in an earlier action and pass the register"),
    ("  q0: call ADD(a, z) -> R; -> qH\n", "7:19: unknown name z"),
])
def test_a_call_argument_says_what_a_call_may_pass(rule, message):
    machines = {m.name: m for m in parse(HEADER + rule, "f.tm")} | {"ADD": MACHINES["ADD"]}
    assert [f"{d.line}:{d.column}: {d.message}" for d in check(machines)] == [message]


def test_an_error_in_an_item_that_runs_to_the_end_of_the_file_ends_the_report():
    # Setting aside an item whose lines all end in ';' once never stopped looking for its end.
    assert syntax_errors("  q0: move H €;\n  -> q1;\n  move H;\n") == ["7:14: unexpected character '€'"]


def test_the_errors_found_after_parsing_are_all_reported_in_order():
    assert syntax_errors("  q0 (H = 12): -> qH\n  start q1\n  render q0 as \"\\x\" H\n") == [
        "7:11: a head reads one digit; 12 is not a digit", "8:9: 'start' is declared twice in F",
        "9:16: a quoted string has a bad escape (truncated \\xXX escape)"]
