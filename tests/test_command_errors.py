"""The command line's own mistakes, each told in one line before any work is done: `caef cost`
refusing operand lengths a machine's `require` cannot meet (never swapping them silently), and
a missing model folder reported without importing torch."""
import json
import subprocess
import sys
from pathlib import Path

from caef.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_cost_never_swaps_operands_of_different_lengths(capsys):
    """SUB requires a >= b: a 2-digit a and a 3-digit b cannot meet it, and the row says so;
    equal lengths still get a >= b by swapping the pair, which keeps its lengths."""
    assert main(["cost", "sub", "--digits", "2,3", "--b-digits", "3", "--samples", "2", "--json"]) == 0
    short, same = json.loads(capsys.readouterr().out)["rows"]
    assert (short["a_digits"], short["b_digits"], short["samples"]) == (2, 3, 0)
    assert short["note"] == "no operands of these lengths (SUB: SUB computes a - b for a >= b only; see --b-digits)"
    assert (same["a_digits"], same["b_digits"], same["samples"]) == (3, 3, 2) and same["steps"] > 0


def test_a_missing_model_folder_is_reported_before_torch_is_imported(tmp_path):
    code = ("import sys; from caef.cli import main; code = main(sys.argv[1:]); "
            "print(code, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, "solve", "1+2=", "--model", "no-run", "no-run-2"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stderr == "caef solve: error: no such model folder: no-run, no-run-2\n"
    assert done.stdout == "2 False\n"


def test_a_text_machine_is_told_what_text_it_reads(capsys):
    """`caef trace` on a machine that reads text checks the text first, in one line."""
    for argv, message in [
        (["trace", "align", "12"], "not an expression of the form A op B= (op one of + - * // % == > <): '12'"),
        (["trace", "align", "5%3="], "ALIGN reads A op B= with op one of + - * // == > <: '5%3='"),
        (["trace", "evaluate", "1+2="], "EVALUATE reads an expression without its closing '=': '1+2'"),
        (["trace", "evaluate", "(1+2"], "a parenthesis is not closed in '(1+2'")]:
        assert main(argv) == 2
        assert capsys.readouterr().err == f"caef trace: error: {message}\n"
    assert main(["trace", "evaluate", "(12+345)*6-78//9", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "2134"
