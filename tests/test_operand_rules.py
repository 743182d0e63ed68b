"""What operands a machine accepts comes from its own declaration (caef_dsl/operand_rules.py):
its `require` lines check at run time and shape the draws of compile, eval and crosscheck; its
`sample` lines shape the draws only. The library draws what the old name-keyed table said."""
import json

import pytest
from hypothesis import HealthCheck, given, settings

from caef.cli import main
from caef_dsl import load_machines
from caef_dsl.errors import CaefError
from caef_dsl.interpreter import run
from caef_dsl.operand_rules import machine_constraint
from caef_dsl.sampling import Constraint, capacity, class_key, class_pairs
from caef_dsl.strategies import operands
from trainer.evaluate import draw

# What the table keyed by machine name (sampling.CONSTRAINTS, now gone) said.
TABLE = {
    "SUB": Constraint(a_at_least_b=True),
    "SUB_BORROW": Constraint(a_at_least_b=True),
    "REFLECTION": Constraint(a_at_least_b=True, a_nines=True),
    "LEFT_MASK": Constraint(operands=1),
    "REVERSE_MARKED": Constraint(operands=1),
    "MUL": Constraint(b_cap=30),
    "DIV": Constraint(b_min=1, quotient_cap=30),
    "LONG_DIV": Constraint(b_min=1),
    "LONG_MOD": Constraint(b_min=1),
    "QUOTIENT_DIGITS": Constraint(b_min=1),
    "MUL_DIGIT": Constraint(b_max=9),
    "SHIFT_IN": Constraint(b_max=9),
}
# One operand each (the table gave a machine it did not name the arity it declares).
TABLE.update((name, Constraint(operands=1)) for name in ("ALIGN", "ALIGN_LONG", "LEFT_OPERAND", "RIGHT_OPERAND",
                                                         "DECIMAL", "EVALUATE", "REDUCE", "SETTLED"))


def test_each_library_machine_declares_what_the_table_said(machines):
    for name in machines.machines:
        assert machine_constraint(machines, name) == TABLE.get(name, Constraint()), name


def test_the_caps_are_overridden_and_validity_is_not(machines):
    assert machine_constraint(machines, "MUL", b_cap=7) == Constraint(b_cap=7)
    assert machine_constraint(machines, "DIV", quotient_cap=4) == Constraint(b_min=1, quotient_cap=4)
    assert machine_constraint(machines, "MUL_DIGIT", b_cap=99) == Constraint(b_max=9)


def test_a_sample_line_is_not_checked_at_run_time(machines):
    assert run(machines.executables, "MUL", [5, 40]).result.decimal == "200"


def test_reflection_requires_a_at_least_b(machines):
    with pytest.raises(CaefError) as e:
        run(machines.executables, "REFLECTION", [99, 123])
    assert str(e.value) == "REFLECTION: the nines' complement of b needs a 9…9 at least as long: a >= b"


SMALL_B = """\
machine SMALL_B(a, n)
  register OUTPUT
  result OUTPUT
  start q0
  halt qH
  require n <= 9 else "n is one digit"

  q0: call MUL_DIGIT(a, n) -> OUTPUT; -> qH
"""


def user_machine(folder, name: str, text: str):
    """A user's .tm file in `folder`: its path and the machine set it loads in."""
    path = folder / name
    path.write_text(text)
    return str(path), load_machines(str(path))


@pytest.fixture
def small_b(tmp_path):
    return user_machine(tmp_path, "small_b.tm", SMALL_B)


def test_the_draws_of_compile_meet_a_users_require(small_b, tmp_path):
    path, _ = small_b
    out = tmp_path / "out"
    assert main(["compile", path, "--digits", "1-3", "--per-class", "8", "--whole-small-classes",
                 "--kind", "executor", "--out", str(out)]) == 0
    seen = {(r["a"], r["b"]) for name in ("train.jsonl", "test.jsonl") if (out / name).exists()
            for r in map(json.loads, (out / name).read_text().splitlines()) if r["machine"] == "SMALL_B"}
    assert seen and all(int(b) <= 9 for _, b in seen)
    assert json.loads((out / "manifest.json").read_text())["constraints"]["SMALL_B"]["b_max"] == 9


def test_the_draws_of_eval_meet_a_users_require(small_b):
    _, machines = small_b
    pairs = [p for la in (1, 2, 3) for lb in (1, 2) for p in draw(machines, "SMALL_B", la, lb, 20, 0)]
    assert len(pairs) == 3 * 20 and all(b <= 9 for _, b in pairs)


def test_the_draws_of_crosscheck_meet_a_users_require(small_b):
    path, machines = small_b

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operands(path, max_digits=6, machines=machines))
    def check(pair):
        assert pair[1] <= 9

    check()


ODD = """\
machine ODD(a, b)
  register OUTPUT
  result OUTPUT
  start q0
  halt qH
  require b % 2 == 1 else "b is odd"
  require len(a) != 7 else "a has any length but 7"

  q0: call ADD(a, b) -> OUTPUT; -> qH
"""


@pytest.fixture
def odd(tmp_path):
    return user_machine(tmp_path, "odd.tm", ODD)


def test_any_other_require_is_drawn_and_rejected_by_the_interpreter(odd):
    _, machines = odd
    constraint = machine_constraint(machines, "ODD")
    assert str(constraint) == "(b % 2) == 1, len(a) != 7"
    assert capacity(constraint, 2, 1) == 90 * 5          # a small class is counted pair by pair
    pairs = list(class_pairs(constraint, 8, 1, 30, 3, class_key(0, "ODD", 8, 1)))
    assert len(set(pairs)) == 30 and all(b % 2 for _, b in pairs)


def test_a_class_no_draw_meets_is_refused_after_a_bounded_number_of_tries(odd):
    _, machines = odd
    constraint = machine_constraint(machines, "ODD")
    with pytest.raises(CaefError) as e:
        list(class_pairs(constraint, 7, 1, 3, 0, class_key(0, "ODD", 7, 1)))
    assert str(e.value) == ("ODD: no operands of class 7x1 in 10,000 draws where (b % 2) == 1 and "
                            "len(a) != 7 holds: leave that length out, or write the rule as a bound "
                            "(b <= N, b >= N, a >= b)")


def test_compile_says_so_in_one_line(odd, tmp_path, capsys):
    path, _ = odd
    assert main(["compile", path, "--digits", "7", "--per-class", "3", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "ODD: no operands of class 7x7 in 10,000 draws where (b % 2) == 1 and len(a) != 7 holds: "
        "leave that length out, or write the rule as a bound (b <= N, b >= N, a >= b)")
