"""The head view is a finite control: what it shows is bounded and the checker proves it, and the
consequence holds — long problems need no decision short ones do not already need."""
from pathlib import Path

import pytest

from caef_dsl import load_machines
from caef_dsl.decisions import compare
from caef_dsl.finite import head_views
from caef_dsl.interpreter import run
from caef_dsl.render import renderer
from caef_dsl.syntax import parse

ROOT = Path(__file__).resolve().parent.parent
COMPOSITES = ["SUB", "MUL", "DIV", "LONG_MUL", "LONG_DIV", "LONG_MOD"]


def views_of(source: str, machines):
    declared = {m.name: m for m in parse(source, "user.tm")}
    return head_views({**machines.machines, **declared})


def test_every_machine_of_machines_dir_has_a_finite_head_view(machines):
    assert all(view.finite for view in machines.head_views.values())


def test_what_each_state_shows(machines):
    def line(name, operands, step):
        trace = run(machines.executables, name, operands)
        return renderer(trace.machine).head_line(trace.steps[step].config)
    assert line("ADD", [45, 67], 0) == "ADD q0"                     # q0 reads nothing
    assert line("ADD", [45, 67], 1) == "ADD q1 HEAD1 5 HEAD2 7 C 0"
    assert line("MUL", [45, 3], 0) == "MUL q0 b +"                  # a number, as the zero test reads it
    assert line("MUL", [45, 0], 0) == "MUL q0 b 0"
    assert line("MUL", [45, 3], 2) == "MUL q2"                      # LT is not read in q2
    # SUB_BORROW's q1 reads its output tape only once both heads read `_`
    assert line("SUB_BORROW", [71, 12], 1) == "SUB_BORROW q1 HEAD1 1 HEAD2 2 B 0"
    assert line("SUB_BORROW", [71, 71], 3) == "SUB_BORROW q1 HEAD1 _ HEAD2 _ OUTPUT 0"


def test_a_moved_number_is_named_in_the_head_view_and_spelled_in_the_paper_s(machines):
    trace = run(machines.executables, "MUL", [4271, 3])
    r, first = renderer(trace.machine), trace.steps[0]
    assert r.command_line(first.command) == "CMD [COUNT] 1, [OUTPUT]|1|7|2|4, q1"  # the golden format
    assert r.head_command_line(first.command) == "CMD [COUNT] 1, [OUTPUT] a, q1"
    read_back = r.parse_command("q0", "CMD [COUNT] 1, [OUTPUT] a, q1")
    from caef_dsl.actions import apply
    assert apply(first.config, read_back)[0] == trace.steps[1].config


def test_registers_are_numbers_or_bounded(machines):
    from caef_dsl.finite import number_registers
    numbers = number_registers(machines.machines)
    assert numbers["MUL"] == {"COUNT", "OUTPUT"}                # LT holds LESS_THAN's True/False
    assert numbers["LONG_MOD"] == {"R"}                         # Q is declared in 0..9
    assert numbers["EQUAL"] == set() and numbers["GREATER_THAN"] == set()


@pytest.mark.parametrize("rule, problem", [
    ("q0 if len(a) <= len(b): R := a; -> qH", "the condition reads the length of a and the length of b"),
    ("q0: R := a + 1; -> qH", "the value of R reads the number a"),
    ("q0: let s = a; R := s; -> qH", "let s reads the number a"),
    ("q0: C := C + 1; -> q1\n  q1 if C > 5: -> qH\n  q1 if C <= 5: -> q0", "C is computed without a declared range"),
    ("q0: call LESS_THAN(a, b) -> LT; -> qH if a < b else q0", "the condition of the goto reads the number a"),
    ("q0: D := a; -> qH", "D is declared with a range but gets the number a"),
])
def test_a_rule_that_breaks_the_bound_is_reported_where_it_is(machines, rule, problem):
    source = f"""machine USER(a, b)
  register R
  register C
  register LT
  register D in 0..9
  result R
  start q0
  halt qH
  {rule}
"""
    view = views_of(source, machines)["USER"]
    assert not view.finite
    found = view.problems[0]
    assert found.line == 9 and found.severity == "warning" and problem in found.message, found


def test_tests_against_zero_and_moves_keep_a_view_finite(machines):
    view = views_of((ROOT / "examples" / "gcd.tm").read_text(), machines)["GCD"]
    assert view.finite
    assert view.states["q1"].how == {"B": "zero"} and view.states["q2"].how == {}  # q2 moves, reads nothing


def test_caef_check_reports_the_head_view(tmp_path, capsys):
    from caef.cli import main
    bad = tmp_path / "bad.tm"
    bad.write_text("machine COPY_IF(a)\n  register R\n  result R\n  start q0\n  halt qH\n"
                   "  q0 if a > 5: R := a; -> qH\n  q0 if a <= 5: R := a; -> qH\n")
    assert main(["check", str(bad)]) == 0  # a warning: the machine runs
    out = capsys.readouterr().out
    assert f"{bad}:6:9: warning: head view not finite: the condition reads the number a" in out
    assert "head view: finite for 0 of 1 machine(s); not for COPY_IF (2 rule(s) above)" in out


@pytest.mark.parametrize("name", COMPOSITES)
def test_long_problems_need_no_decision_short_ones_lack(machines, name):
    """The acceptance of the executor library: decisions of problems of 40 digits (and of 40
    against 1 and 2) all occur among those of problems of 1–10 digits. `-m slow` runs 100."""
    found = compare(machines, name, "1-10", "40", per_class=12, long_per_class=1)
    assert found.long and not found.new, sorted(found.new)[:5]


@pytest.mark.slow
@pytest.mark.parametrize("name", COMPOSITES)
def test_hundred_digit_problems_need_no_decision_short_ones_lack(machines, name):
    found = compare(machines, name, "1-10", "100", per_class=40, long_per_class=2)
    assert found.long and not found.new, sorted(found.new)[:5]


# The text machines: long expressions need no decision that short ones lack, for the aligners
# (every operator's problems written `A op B=`) and for EVALUATE's own machines (the operators
# it calls are held above).
TEXT_MACHINES = {"ALIGN": None, "ALIGN_LONG": None, "EVALUATE": {"EVALUATE", "REDUCE", "SETTLED", "DECIMAL"}}


@pytest.mark.parametrize("name", TEXT_MACHINES)
def test_long_texts_need_no_decision_short_ones_lack(machines, name):
    found = compare(machines, name, "1-10", "40", per_class=8, long_per_class=1)
    new = {d for d in found.new if TEXT_MACHINES[name] is None or d[0] in TEXT_MACHINES[name]}
    assert found.long and not new, sorted(new)[:5]


@pytest.mark.slow
@pytest.mark.parametrize("name", TEXT_MACHINES)
def test_hundred_digit_texts_need_no_decision_short_ones_lack(machines, name):
    found = compare(machines, name, "1-10", "100", per_class=40, long_per_class=2)
    new = {d for d in found.new if TEXT_MACHINES[name] is None or d[0] in TEXT_MACHINES[name]}
    assert found.long and not new, sorted(new)[:5]


def test_a_view_that_is_not_finite_needs_new_decisions_at_every_length(tmp_path):
    (tmp_path / "shorter.tm").write_text("""machine SHORTER(a, b)
  register OUTPUT
  result OUTPUT
  start q0
  halt qH
  q0 if len(a) <= len(b): OUTPUT := a; -> qH
  q0 if len(a) > len(b): OUTPUT := b; -> qH
""")
    machines = load_machines(str(tmp_path / "shorter.tm"))
    found = compare(machines, "SHORTER", "1-3", "12", per_class=5, long_per_class=1)
    assert found.new == found.long  # every one: the view spells the operands
