"""Text in, text out: the text machines (ALIGN, ALIGN_LONG and the machines they call) read
`A op B=` and print the result on the finite control. Held against Python's integers and the
interpreter, and run by the runtime with an oracle executor (no torch)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caef_dsl.align import Expression
from caef_dsl.errors import CaefError
from caef_dsl.interpreter import run
from trainer.evaluate import evaluate, part_of
from trainer.runtime import Runtime, Task, make_task
from trainer.testing import OracleExecutor

PYTHON = {"+": int.__add__, "-": int.__sub__, "*": int.__mul__, "//": int.__floordiv__, "%": int.__mod__,
          "==": int.__eq__, ">": int.__gt__, "<": int.__lt__}


def shown(value) -> str:
    return str(value)  # True/False, or the number as written


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 10 ** 12), b=st.integers(1, 10 ** 6), op=st.sampled_from(sorted(PYTHON)))
def test_align_long_prints_what_python_computes(machines, a, b, op):
    if op == "-" and a < b:
        a, b = b, a
    trace = run(machines.executables, "ALIGN_LONG", [f"{a}{op}{b}="])
    assert str(trace.result) == shown(PYTHON[op](a, b))


@pytest.mark.parametrize("text, result", [("45+67=", "112"), ("0+0=", "0"), ("100-1", "99"), ("7//2=", "3"),
                                          ("45==45=", "True"), ("3>12=", "False"), ("12*30=", "360")])
def test_align_runs_the_papers_machines(machines, text, result):
    trace = run(machines.executables, "ALIGN", [text])
    assert str(trace.result) == result
    called = {s.call.machine.name for s in trace.steps if s.call is not None}
    assert called & {"ADD", "SUB", "MUL", "DIV", "EQUAL", "GREATER_THAN"}


def test_decimal_writes_the_most_significant_digit_first_and_no_top_zeros(machines):
    assert str(run(machines.executables, "DECIMAL", ["120"]).result) == "120"
    assert str(run(machines.executables, "DECIMAL", ["0"]).result) == "0"


def test_a_text_tape_takes_only_its_characters(machines):
    with pytest.raises(CaefError, match=r"'45\+a=' holds 'a': a text tape holds digits and \+-\*/%=<>\(\)"):
        machines.executable("ALIGN").initial(["45+a="])


def text_tasks(machines, pairs_by_op):
    return [Task("ALIGN_LONG", (f"{a}{op}{b}=",), Expression(str(a), op, str(b)))
            for op, pairs in pairs_by_op.items() for a, b in pairs]


@pytest.fixture
def runtime(machines):
    """A runtime whose oracle answers every step of text problems of every operator."""
    tasks = text_tasks(machines, {"+": [(45, 67), (999, 1)], "-": [(100, 1)], "*": [(123, 456)],
                                  "//": [(1000, 7)], "%": [(1000, 7)], "==": [(5, 5)], ">": [(3, 12)],
                                  "<": [(3, 12)]})
    tasks += [Task("ALIGN", ("12*3=",), Expression("12", "*", "3")), Task("ALIGN", ("12//3=",), Expression("12", "//", "3"))]
    return Runtime(OracleExecutor(machines, tasks, "head"), machines)


def test_the_model_aligns_by_default_where_it_executes_the_text_machine(machines, runtime):
    task = runtime.entered(make_task(machines, "long_mul", 123, 456))
    assert task == Task("ALIGN_LONG", ("123*456=",), Expression("123", "*", "456"))
    [solution] = runtime.solve([task])
    assert solution.error is None and solution.result_text == "123*456=56088"
    paper = runtime.entered(make_task(machines, "mul", 12, 3))
    assert paper.machine == "ALIGN"  # the paper's MUL is entered through the paper's text machine


def test_the_rule_aligner_stays_an_option(machines):
    tasks = [make_task(machines, "add", 45, 67)]
    runtime = Runtime(OracleExecutor(machines, tasks, "head"), machines, rule_aligner=True)
    assert runtime.entered(tasks[0]) == tasks[0]


def test_a_run_that_cannot_align_says_so(machines):
    task = make_task(machines, "add", 45, 67)
    runtime = Runtime(OracleExecutor(machines, [task], "head"), machines)
    with pytest.raises(CaefError) as error:
        runtime.entered(task)
    assert str(error.value) == (
        "the model cannot align 45+67=: its run executes no text machine (ALIGN_LONG) and has no trained "
        "aligner for ADD; train with caef library, or add --rule-aligner to align by the rules")


def test_the_eval_report_splits_a_run_as_the_papers_table_2(machines, runtime):
    runtime.memo.inner.names |= set(machines.machines)  # the oracle "executes" every machine
    report = evaluate(runtime, machines, "ADD", [(2, 3), (3, 3)], 2, 1, progress=False)
    assert report["aligner"] == "text machine ALIGN_LONG"
    row = report["by_class"][0]
    # The oracle knows only the fixture's problems: every drawn one leaves at the first step that
    # reads a digit it has not seen, which is in the input aligner's LEFT_OPERAND.
    assert row["aligner_input_accuracy"] == 0.0 and row["executor_accuracy"] is None
    assert row["aligner_steps"] > 0


class Where:
    def __init__(self, where, state="q1"):
        self.where, self.state = where, state


@pytest.mark.parametrize("where, state, part", [
    ("ALIGN_LONG step 1", "q1", "input"), ("ALIGN_LONG step 2 › LEFT_OPERAND step 3", "q2", "input"),
    ("ALIGN_LONG step 4 › LONG_MUL step 9 › ADD step 2", "q1", "executor"),
    ("ALIGN_LONG step 2 › ALIGN step 5 › DECIMAL step 1", "q1", "output"),
    ("ALIGN step 5", "truth", "output"), ("ADD step 3", "q1", "executor"),
    ("ADD aligner", "q0", "input"), ("ADD aligner", "qH", "output")])
def test_a_divergence_is_placed_in_the_part_of_the_run_it_is_in(where, state, part):
    assert part_of(Where(where, state), "q0") == part


def test_an_expression_of_several_operators_is_evaluated_on_the_model(machines):
    from trainer.solve import expression_task, solve_problem
    task = expression_task(machines, "(12+345)*6-78//9=")
    assert task.machine == "EVALUATE" and task.operands == ("(12+345)*6-78//9",)
    runtime = Runtime(OracleExecutor(machines, [task], "head"), machines)
    runtime.memo.inner.names |= set(machines.machines)
    answer = solve_problem(runtime, task, check=True)
    assert answer.result_text == "(12+345)*6-78//9=2134" and answer.divergence is None


def test_a_negative_intermediate_result_is_refused_before_the_run(machines):
    from trainer.solve import expression_task
    with pytest.raises(CaefError, match=r"^\(1-2\)\*3=: 1-2 is negative \(SUB computes a - b for a >= b only\)$"):
        expression_task(machines, "(1-2)*3=")


def test_crosscheck_draws_expressions_and_shrinks_a_failure_to_the_shortest(machines):
    """An oracle that knows one expression's steps agrees there and is wrong on every other:
    hypothesis's failure shrinks to an expression of two operators (the fewest it draws)."""
    import re

    from trainer.crosscheck import ModelChecker, crosscheck_model
    oracle = OracleExecutor(machines, [Task("EVALUATE", ("1+2*3",), None)], "head")
    oracle.names |= set(machines.machines)
    checker = ModelChecker(Runtime(oracle, machines), "evaluate", machines)
    checker.check("1+2*3")  # agrees
    result = crosscheck_model(checker, "evaluate", max_examples=5, max_digits=2)
    assert len(re.findall(r"//|[-+*%]", result.minimal.a)) == 2


def test_eval_cost_and_crosscheck_draw_texts_for_a_machine_that_reads_text(machines):
    """A text machine is drawn its operators' problems written `A op B=` (EVALUATE: expressions),
    not numbers: eval's draw, cost's and crosscheck's strategy alike."""
    from hypothesis import given, settings as hypothesis_settings

    from caef_dsl.cost import measure
    from caef_dsl.strategies import operands
    from trainer.evaluate import draw
    texts = [a for a, b in draw(machines, "ALIGN_LONG", 3, None, 2, 1)]
    assert len(texts) == 16 and {t[3:-4] for t in texts} == {"+", "-", "*", "//", "%", "==", ">", "<"}
    assert all(b is None for _, b in draw(machines, "EVALUATE", 4, None, 5, 1))
    [row] = measure(machines, "ALIGN", [2], samples=3)
    assert row.samples == 3 and row.steps > 0

    @hypothesis_settings(max_examples=20, deadline=None, database=None)
    @given(operands("align", 5, machines=machines))
    def runs(pair):
        assert run(machines.executables, "ALIGN", [pair[0]]).result is not None

    runs()
