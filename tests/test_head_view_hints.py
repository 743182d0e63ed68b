"""The head-view warning suggests what fits the rule that breaks the view (caef_dsl/finite.py):
heads for lengths and digits, a compare machine's call for a comparison, an arithmetic
machine's call for a computed value, a move by name for a copy — each message exact."""
import pytest

from caef_dsl.finite import head_views
from caef_dsl.syntax import parse

CALL = "decide through a call whose result goes to a register: call "
HEAD_ON_A = "read the digits of a with a head on it (head H on a): a rule tests the digit under it"


@pytest.mark.parametrize("rule, message", [
    ("q0 if len(a) <= len(b): R := a; -> qH",
     "the condition reads the length of a and the length of b: compare the lengths with heads: a head on "
     "each of a and b, moved together, and a rule for which reads _ first"),
    ("q0 if len(a) > 3: R := a; -> qH",
     "the condition reads the length of a: measure a with a head on it (head H on a), moved until it reads _"),
    ("q0 if a < b: R := a; -> qH",
     f"the condition reads the number a and the number b: {CALL}LESS_THAN(a, b) -> LT, then test LT"),
    ("q0 if a >= b: R := a; -> qH",
     f"the condition reads the number a and the number b: {CALL}LESS_THAN(a, b) -> LT, then test not LT"),
    ("q0 if a == b: R := a; -> qH",
     f"the condition reads the number a and the number b: {CALL}EQUAL(a, b) -> EQ, then test EQ"),
    ("q0 if a % 10 == 3: R := a; -> qH", f"the condition reads the number a: {HEAD_ON_A}"),
    ("q0: R := a + 1; -> qH",
     "the value of R reads the number a: compute it with a call whose result goes to a register: "
     "call ADD(a, 1) -> R"),
    ("q0: R := a * b; -> qH",
     "the value of R reads the number a and the number b: compute it with a call whose result goes to a "
     "register: call LONG_MUL(a, b) -> R"),
    ("q0: let s = a; R := s; -> qH",
     "let s reads the number a: move a by name where it is needed (R := a): the runtime carries a moved number"),
    ("q0: put a on OUT; -> qH", f"the digit put on OUT reads the number a: {HEAD_ON_A}"),
    ("q0: put a // 10 on OUT; -> qH", f"the digit put on OUT reads the number a: {HEAD_ON_A}"),
    ("q0: call LESS_THAN(a, b) -> LT; -> qH if a > b else q0",
     f"the condition of the goto reads the number a: {CALL}GREATER_THAN(a, b) -> GT, then go on it "
     f"(-> qH if GT else q0)"),
    ("q0: call LESS_THAN(a, b) -> LT; -> qH if a <= b else q0",
     f"the condition of the goto reads the number a: {CALL}GREATER_THAN(a, b) -> GT, then go on it "
     f"(-> q0 if GT else qH)"),
])
def test_the_warning_suggests_what_fits_the_rule(machines, rule, message):
    source = f"""machine USER(a, b)
  register R
  register LT
  output OUT
  result R
  start q0
  halt qH
  {rule}
"""
    declared = {m.name: m for m in parse(source, "user.tm")}
    view = head_views({**machines.machines, **declared})["USER"]
    assert view.problems[0].message == f"head view not finite: {message}"
