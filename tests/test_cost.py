"""`caef cost`: steps, calls and executor tokens per problem, by operand length."""
import argparse
import json
import random

import pytest
from hypothesis import given, settings, strategies as st

from caef_dsl import cost, tokens
from caef.cli import main as caef
from caef_dsl.interpreter import run
from caef_dsl.views import MODES, executor_examples


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="[]|_^,: \n\t0123456789qHCMDRIGHTLEFTOUTPUT_HEAD1abxyz.-", max_size=80))
def test_count_tokens_is_the_tokenizer_count(text):
    assert cost.count_tokens(text) == len(cost.TOKEN.findall(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="[]|_^,: \n\t0123456789qHCMDRIGHT_HEAD1abx.-", max_size=40), max_size=6))
def test_an_alphabet_is_the_tokens_of_its_texts(texts):
    assert tokens.alphabet_of(texts) == {t for text in texts for t in cost.TOKEN.findall(text)}


def test_count_tokens_on_a_state_line():
    line = "ADD, q1,  |5[HEAD1]|4 |7[HEAD2]|6 [C]1 |2[OUTPUT]"
    # ADD , ␣ q1 , ␣ ␣ |5 [HEAD1] |4 ␣ |7 [HEAD2] |6 ␣ [C] 1 ␣ |2 [OUTPUT]
    assert cost.count_tokens(line) == 20
    assert cost.count_tokens("CMD: [C] 1, [OUTPUT] 2, q1") == 14  # CMD : ␣ [C] ␣ 1 , ␣ [OUTPUT] ␣ 2 , ␣ q1


def test_problem_cost_matches_the_trace(machines):
    trace = run(machines.executables, "LONG_MUL", [123, 45])
    got = cost.problem_cost(trace)
    assert got["steps"] == trace.total_steps() and got["calls"] == trace.total_calls()
    for mode in MODES:
        examples = list(executor_examples(trace, mode, callees=True))
        assert got["tokens"][mode]["read"] == sum(len(cost.TOKEN.findall(e.prompt)) for e in examples)
        assert got["tokens"][mode]["written"] == sum(len(cost.TOKEN.findall(e.completion)) for e in examples)
    # The head view reads less than the tape view, which reads less than the full step.
    tokens = got["tokens"]
    assert tokens["head"]["read"] < tokens["tape"]["read"] < tokens["full"]["read"]
    # The head view writes what the tape view writes, but names a moved number (`[A] a`).
    assert tokens["head"]["written"] < tokens["tape"]["written"] < tokens["full"]["written"]


def test_measure_means_over_seeded_samples(machines):
    rows = cost.measure(machines, "ADD", [1, 5], samples=3, seed=7)
    assert [(r.a_digits, r.b_digits, r.samples) for r in rows] == [(1, 1, 3), (5, 5, 3)]
    # ADD over two 5-digit numbers: q0, five columns, the last carry.
    assert rows[1].steps == 7 and rows[1].calls == 0
    again = cost.measure(machines, "ADD", [1, 5], samples=3, seed=7)
    assert [r.as_json() for r in again] == [r.as_json() for r in rows]


def test_draw_operands_meets_requirements(machines):
    rng = random.Random(0)
    for _ in range(20):
        a, b = cost.draw_operands(rng, machines.executable("SUB"), 3, 3)
        assert a >= b
        a, b = cost.draw_operands(rng, machines.executable("LONG_DIV"), 1, 1)
        assert b != 0


def test_paper_mul_is_infeasible_not_a_hang(machines):
    rows = cost.measure(machines, "MUL", [1, 10, 50], samples=2, max_steps=20_000)
    assert not rows[0].infeasible and rows[0].samples == 2
    assert rows[1].infeasible and rows[1].note == "infeasible (> 20,000 steps)"
    assert rows[2].infeasible and rows[2].skipped


def test_one_digit_operand_needs_b_digits(machines):
    rows = cost.measure(machines, "MUL_DIGIT", [5], samples=1)
    assert rows[0].samples == 0 and "one digit" in rows[0].note
    rows = cost.measure(machines, "MUL_DIGIT", [5], samples=2, b_digits=1)
    assert rows[0].samples == 2 and rows[0].steps == 7


def test_one_operand_machine(machines):
    rows = cost.measure(machines, "LEFT_MASK", [4], samples=1)
    assert rows[0].b_digits is None and rows[0].steps > 0


def test_cli_json(capsys, tmp_path):
    out = tmp_path / "cost.json"
    assert caef(["cost", "long_mul", "--digits", "3,10", "--samples", "2", "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(out.read_text())
    assert data["machine"] == "LONG_MUL" and data["samples"] == 2
    row = data["rows"][1]
    assert row["a_digits"] == 10 and row["b_digits"] == 10 and not row["infeasible"]
    assert set(row["tokens"]) == {"full", "tape", "head"}
    assert row["steps"] > 100 and row["calls"] > 10


def test_cli_table(capsys):
    assert caef(["cost", "mul", "--digits", "1,10", "--samples", "1", "--max-steps", "5000"]) == 0
    text = capsys.readouterr().out
    assert "MUL: cost per problem" in text and "10x10: infeasible (> 5,000 steps)" in text


@pytest.mark.parametrize("argv", [["cost", "add", "--digits", "0"], ["cost", "add", "--digits", "x"],
                                  ["cost", "add", "--samples", "0"]])
def test_cli_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as e:
        caef(argv)
    assert e.value.code == 2


def test_unknown_machine(capsys):
    assert caef(["cost", "nope", "--digits", "1"]) == 2
    assert "no machine" in capsys.readouterr().err


def test_format():
    assert [cost._fmt(v) for v in (7, 999, 1000, 10_811, 25_728_000, 1_500_000_000)] == \
        ["7", "999", "1k", "10.8k", "25.7M", "1.5G"]


def test_add_arguments_defaults():
    parser = argparse.ArgumentParser()
    cost.add_arguments(parser)
    args = parser.parse_args(["long_mul"])
    assert args.digits == [10, 50, 100] and args.samples == cost.DEFAULT_SAMPLES and not args.json
