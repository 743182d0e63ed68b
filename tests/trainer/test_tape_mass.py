"""`--tape-mass R`: on top of `--far-mass`, each tape of a training example weighs up to R times more
again, drawn per tape, so training meets a long tape beside a short one
(`trainer.positions.far_tapes`)."""

import json
import math

from caef.cli import main
from trainer.data import PadCollator
from trainer.positions import FAR, far_tapes, head_positions, unspaced_layout
from trainer.tokenizer import split_symbols

LINES = ("ADD, q1,  [HEAD1]|1|2|2 [HEAD2]|8|9 [C]0 [OUTPUT]\n"
         "ADD, q1,  |1[HEAD1]|2|2 |8[HEAD2]|9 [C]1 |3[OUTPUT]\n")


def test_far_tapes_number_the_tapes_of_each_line_and_leave_the_cells_under_the_heads_out():
    tokens = split_symbols(LINES)
    tapes = far_tapes(unspaced_layout(tokens))
    far = [at >= FAR for at in head_positions(tokens, tapes=True)]
    assert [t >= 0 for t in tapes] == far  # the cells away from the heads, and only they
    first = LINES.split("\n")[0]
    first_tapes = tapes[:len(split_symbols(first + "\n"))]
    assert [t for t in first_tapes if t >= 0] == [0, 0, 1]  # |2|2 on tape 0, |9 on tape 1
    # the count starts again on the next line: |1 |2, |8, and the output's |3 (the carry [C]1 holds no cell)
    assert [t for t in tapes[len(first_tapes):] if t >= 0] == [0, 0, 1, 2]


def test_tape_mass_weighs_each_tape_of_each_example_on_top_of_the_far_mass():
    tokens = split_symbols(LINES)
    vocabulary = ["<pad>", *sorted(set(tokens))]
    ids = [vocabulary.index(t) for t in tokens]
    examples = [{"input_ids": ids, "labels": ids}, {"input_ids": ids[:12], "labels": ids[:12]}]
    shared = PadCollator(0, vocabulary=vocabulary, tape_regions=True, far_mass=100, seed=0)(examples)["far_bias"]
    batch = PadCollator(0, vocabulary=vocabulary, tape_regions=True, far_mass=100, tape_mass=4, seed=0)(examples)
    bias, tapes = batch["far_bias"] - shared, far_tapes(unspaced_layout(tokens))  # the same draws first: the far mass's
    assert ((bias[0] != 0).tolist() == [t >= 0 for t in tapes]) and (bias[1, 12:] == 0).all()  # padding: none
    weights = {t: {round(float(b), 6) for b, u in zip(bias[0], tapes) if u == t} for t in set(tapes) - {-1}}
    assert all(len(w) == 1 for w in weights.values())  # a tape's cells weigh alike …
    assert len({w.pop() for w in weights.values()}) == len(weights)  # … and each tape on its own
    assert 0 < float(bias.max()) <= math.log(4) + 1e-6
    assert float(bias[0, tapes.index(0)]) != float(bias[1, tapes.index(0)])  # drawn per example too


def test_tape_mass_is_recorded_in_the_run(add_tape, tmp_path, fast):
    out = tmp_path / "run"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "2", "--head-positions",
                 "--tape-regions", "--far-mass", "10", "--tape-mass", "4", *fast]) == 0
    positions = json.loads((out / "caef_run.json").read_text())["positions"]
    assert (positions["far_mass"], positions["tape_mass"]) == (10, 4)


def test_tape_mass_without_far_mass_is_a_clean_error(add_tape, tmp_path, capfd):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--head-positions",
                 "--tape-mass", "4"]) == 2
    assert "give --far-mass K and R >= 1" in capfd.readouterr().err
