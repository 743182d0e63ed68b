"""The crosscheck API with a stub executor that breaks on purpose: hypothesis shrinks to the
smallest operands that break it, and `ModelChecker.check` works inside a user's @given. The
stub breaks ADD's steps; the rule aligner keeps the text machines out of it."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caef_dsl.render import renderer
from caef_dsl.strategies import operands
from trainer.crosscheck import Disagreement, ModelChecker, crosscheck_model
from trainer.executor import Generation


class RuleExecutor:
    """A tape-mode stub: reads the state line back and fires the machine's rule, but writes
    the next digit up whenever a head reads `wrong_on`."""
    mode = "tape"

    def __init__(self, machines, wrong_on=None):
        self.machines, self.wrong_on = machines, wrong_on

    def covers(self, machine):
        return True

    def has_aligner(self, machine):
        return False

    def generate(self, machine, prompts, aligner=False):
        exe = self.machines.executable(machine)
        r = renderer(exe)
        texts = []
        for prompt in prompts:
            config = r.parse_state_line(prompt)
            text = r.command_line(exe.decide(config))
            if self.wrong_on in config.symbols():
                text = re.sub(r"\[OUTPUT\] (\d)", lambda m: f"[OUTPUT] {(int(m[1]) + 1) % 10}", text)
            texts.append(Generation(text))
        return texts


def test_a_faithful_executor_passes(machines):
    result = crosscheck_model(RuleExecutor(machines), "add", max_examples=30, max_digits=6, rule_aligner=True)
    assert result.minimal is None and result.failures == [] and result.examples == 30


# Numbers as lists of digits: hypothesis shrinks them by dropping digits and lowering them.
NUMBERS = st.lists(st.sampled_from("0123456789"), min_size=1, max_size=6).map(lambda d: int("".join(d)))


def test_failures_shrink_to_the_smallest_operands(machines):
    result = crosscheck_model(RuleExecutor(machines, wrong_on="7"), "add", st.tuples(NUMBERS, NUMBERS), 60,
                              rule_aligner=True)
    m = result.minimal
    assert (m.a, m.b, m.expression) == ("0", "7", "0+7="), m
    assert m.divergence.where == "ADD step 1" and m.divergence.reads == {"HEAD1": "0", "HEAD2": "7"}
    assert m.divergence.fields == [["[OUTPUT] 7", "[OUTPUT] 8"]]
    assert result.failures[0] is m and len({(f.a, f.b) for f in result.failures}) == len(result.failures)


def test_the_default_strategy_finds_the_failure(machines):
    result = crosscheck_model(RuleExecutor(machines, wrong_on="7"), "add", max_examples=60, max_digits=6,
                              rule_aligner=True)
    assert "7" in result.minimal.divergence.reads.values()


def test_the_checker_in_a_users_given(machines):
    checker = ModelChecker(RuleExecutor(machines, wrong_on="7"), "add", machines, rule_aligner=True)

    # Derandomized: the examples are the same every run, and they include a 7 (left to chance,
    # 40 small examples missed every 7 in 2 of 9 runs here).
    @settings(max_examples=40, database=None, deadline=None, derandomize=True)
    @given(operands("add", max_digits=4))
    def test_model(pair):
        checker.check(*pair)

    with pytest.raises(Disagreement, match="the model leaves the interpreter at ADD step"):
        test_model()
