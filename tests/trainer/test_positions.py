"""Length-generalization options of `caef train`: RoPE in the lowest layers only (NoPE above),
randomized position ids and head positions. They train, save, reload with plain transformers, and
run — a run of its own positions at the positions it was trained on, given per prompt."""

import json
import math

import pytest
import torch

from caef.cli import main
from trainer.data import PadCollator
from trainer.errors import TrainerError
from trainer.positions import (FAR, FAR_SPAN, READ_OFFSET, HeadLayout, HeadPositions, RandomPositions, head_positions,
                               positions_of_run, random_positions)
from trainer.run_file import Positions, RunFile


def test_random_positions_are_sorted_distinct_draws_within_the_range():
    collate = PadCollator(0, random_positions=50, seed=3)
    batch = collate([{"input_ids": [5] * 7, "labels": [5] * 7}, {"input_ids": [5] * 4, "labels": [5] * 4}])
    positions = batch["position_ids"]
    assert positions.shape == (2, 7)
    assert all(row.tolist() == sorted(set(row.tolist())) for row in positions)
    assert positions.min() >= 0 and positions.max() < 50
    assert not torch.equal(positions[0], torch.arange(7))  # drawn, not counted


def test_varied_density_takes_consecutive_positions_of_draws_of_every_size():
    generator = torch.Generator().manual_seed(0)
    plain = random_positions(300, 10, 1000, generator)
    varied = random_positions(300, 10, 1000, generator, varied_density=True)
    assert all(row.tolist() == sorted(set(row.tolist())) for row in varied)
    assert varied.min() >= 0 and varied.max() < 1000
    spread = lambda rows: (rows[:, -1] - rows[:, 0]).float()  # noqa: E731
    # a draw of 10 from 1000 spreads over ~900; windows of larger draws are denser, down to 10 in a row
    assert spread(plain).min() > 300
    assert spread(varied).median() < 100 and (spread(varied) == 9).any()


def test_a_prompt_is_given_the_same_positions_whatever_else_is_asked():
    positions = RandomPositions(1024, 30)
    tokens = ["t"] * 10
    first = positions.draw("ADD, q1,  |4[HEAD1]", tokens)
    assert len(first) == 40  # the prompt's tokens and room for the longest completion
    assert torch.equal(first, positions.draw("ADD, q1,  |4[HEAD1]", tokens))
    assert not torch.equal(first, positions.draw("ADD, q1,  |5[HEAD1]", tokens))
    assert not torch.equal(first, positions.draw("ADD, q1,  |4[HEAD1]", tokens, draw=1))
    assert first.tolist() == sorted(set(first.tolist())) and first.max() < 1024


def test_a_varied_density_run_is_read_at_the_densities_it_was_trained_at():
    sparse = RandomPositions(1024, 30)
    run = RunFile(weights="full", base_model=None, tokenizer="caef-word-level", mode="tape", stage="plain",
                  machines=["add"], datasets=[], vocab_size=44,
                  positions=Positions(random_positions=1024, completion_tokens=30, varied_density=True))
    varied = positions_of_run(run)
    assert varied.varied_density and not sparse.varied_density
    texts = [f"ADD, q1,  |{i}[HEAD1]" for i in range(200)]
    spread = lambda p: [int(d[-1] - d[0]) for d in (p.draw(t, ["t"] * 10) for t in texts)]  # noqa: E731
    # 40 positions drawn from 1024 spread over most of it; a varied draw is often far denser
    assert min(spread(sparse)) > 700 and sorted(spread(varied))[100] < 500


def test_plain_collation_leaves_positions_to_the_model():
    assert "position_ids" not in PadCollator(0)([{"input_ids": [1, 2], "labels": [1, 2]}])


@pytest.mark.parametrize("rope_layers", [0, 1])
def test_a_model_with_rope_in_the_lowest_layers_trains_reloads_and_runs(add_tape, tmp_path, fast, rope_layers):
    from transformers import AutoModelForCausalLM

    from caef_dsl import load_machines
    from trainer.language_models import open_models
    from trainer.model import load_tokenizer
    from trainer.runtime import Runtime, make_task

    out = tmp_path / "run"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "3", "--rope-layers",
                 str(rope_layers), "--random-positions", "512", *fast]) == 0
    model = AutoModelForCausalLM.from_pretrained(out)  # plain transformers, no remote code
    assert model.config.no_rope_layers == [int(i < rope_layers) for i in range(model.config.num_hidden_layers)]
    run = json.loads((out / "caef_run.json").read_text())
    tokenizer = load_tokenizer(out)
    completions = tokenizer([json.loads(line)["completion"] for line in (add_tape / "train.jsonl").open()],
                            add_special_tokens=False)["input_ids"]
    assert run["positions"] == {"rope_layers": rope_layers, "random_positions": 512, "varied_density": False,
                                "head_positions": False, "tape_regions": False, "two_axes": False, "far_mass": None,
                                "tape_mass": None, "completion_tokens": max(map(len, completions)) + 1}  # with the EOS
    machines = load_machines()
    runtime = Runtime(open_models([out], machines, device="cpu"), machines, max_steps=3)
    [solution] = runtime.solve([make_task(machines, "add", 45, 67)])
    assert solution.frame.steps  # the untrained model wrote something the runtime handled


@pytest.fixture(scope="module")
def random_positions_run(add_tape, tmp_path_factory, fast):
    out = tmp_path_factory.mktemp("runs") / "random-positions"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "3", "--random-positions", "256",
                 "--varied-density", *fast]) == 0
    return out


def test_the_runtime_reads_each_prompt_at_its_drawn_positions_whichever_decoder(random_positions_run, add_tape):
    from caef_dsl import load_machines
    from trainer.decoding import GreedyDecoder, generate_at_positions
    from trainer.language_models import open_models

    executor = open_models([random_positions_run], load_machines(), device="cpu", max_new_tokens=16,
                           position_draws=1)
    route = executor.routes[("ADD", False)]
    assert route.decoder is not None and route.positions.span == 256
    _randomize(route.model)
    route.decoder = GreedyDecoder(route.model)
    prompts = [json.loads(line)["prompt"] for line in list((add_tape / "train.jsonl").open())[:40:4]]
    texts = [g.text for g in executor.generate("ADD", prompts)]
    assert len(set(texts)) > 1  # an untrained model: what it writes depends on all it reads
    # each prompt alone: the same completion (the positions are the prompt's, not the batch's)
    assert [executor.generate("ADD", [p])[0].text for p in prompts] == texts
    # Hugging Face's forward pass at the same positions writes the same tokens as the lean decoder
    tokenizer = route.tokenizer
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    drawn = [route.positions.draw(p, tokenizer.convert_ids_to_tokens(ids[mask.bool()].tolist()))
             for p, ids, mask in zip(prompts, batch["input_ids"], batch["attention_mask"])]
    eos = tokenizer.eos_token_id
    lean = route.decoder.generate(batch["input_ids"], batch["attention_mask"], 16, eos, positions=drawn)
    plain = generate_at_positions(route.model, batch["input_ids"], batch["attention_mask"], 16, eos, drawn)
    assert lean == [row[:row.index(eos) + 1] if eos in row else row for row in plain]
    # and at positions 0, 1, 2, … it writes otherwise: the draw is what the model reads
    assert route.decoder.generate(batch["input_ids"], batch["attention_mask"], 16, eos) != lean


def _randomize(model) -> None:
    """Large random weights: every argmax depends on all the model reads, positions too."""
    with torch.no_grad():
        generator = torch.Generator().manual_seed(0)
        for name, weight in model.named_parameters():
            if "norm" not in name:
                weight.copy_(torch.randn(weight.shape, generator=generator))


def test_with_several_draws_the_most_common_completion_is_the_answer(random_positions_run, add_tape):
    from collections import Counter

    from caef_dsl import load_machines
    from trainer.decoding import GreedyDecoder, generate_at_positions
    from trainer.language_models import open_models

    executor = open_models([random_positions_run], load_machines(), device="cpu", max_new_tokens=16,
                           position_draws=3)
    route = executor.routes[("ADD", False)]
    tokenizer, eos = route.tokenizer, route.tokenizer.eos_token_id
    prompts = [json.loads(line)["prompt"] for line in list((add_tape / "train.jsonl").open())[:60:6]]

    def draws_read() -> list[int]:
        """Checks each reply against its draws one by one; how many draws each was read at."""
        counts = []
        for prompt, reply in zip(prompts, executor.generate("ADD", prompts)):
            ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
            tokens = tokenizer.convert_ids_to_tokens(ids[0].tolist())
            mask = ids.new_ones(ids.shape)
            written = [tuple(generate_at_positions(route.model, ids, mask, 16, eos,
                                                   [route.positions.draw(prompt, tokens, draw)])[0])
                       for draw in range(3)]
            voted = Counter(w[:w.index(eos)] if eos in w else w for w in written).most_common(1)[0][0]
            assert reply.text == tokenizer.decode(voted, skip_special_tokens=False, clean_up_tokenization_spaces=False)
            assert reply.read % ids.shape[1] == 0  # every draw read is paid for
            counts.append(reply.read // ids.shape[1])
            # two draws that agree are a majority of three: the third is read only where they differ
            assert counts[-1] == (2 if written[0] == written[1] else 3)
        return counts

    assert set(draws_read()) == {2}  # the barely trained model writes the same at every draw
    _randomize(route.model)
    route.decoder = GreedyDecoder(route.model)  # it holds the weights it fused
    assert 3 in set(draws_read())  # random weights: the draws disagree, and the third is read


def test_a_prompt_longer_than_the_trained_positions_is_not_read_and_ends_its_problem(random_positions_run):
    """In the full view a model's own line is the next prompt: one that ran on past the positions
    the model reads at ends its problem with the reason, and the batch goes on."""
    from caef_dsl import load_machines
    from trainer.executor import Generation
    from trainer.language_models import open_models
    from trainer.runtime import Runtime, make_task

    machines = load_machines()
    executor = open_models([random_positions_run], machines, device="cpu")
    long, short = executor.generate("ADD", ["ADD, q1, " + " |4" * 300, "ADD, q1, |4"])
    assert not long.finished and "do not fit the 256 positions" in long.unread and short.unread is None

    class TooLong:  # an executor whose every prompt is too long for its positions
        mode = "tape"
        generate = staticmethod(lambda machine, prompts, aligner=False: [Generation("", False, unread="too long")
                                                                        for _ in prompts])
        has_aligner = staticmethod(lambda machine: False)
    [solution] = Runtime(TooLong(), machines, rule_aligner=True).solve([make_task(machines, "add", 45, 67)])
    assert (solution.error.kind, str(solution.error)) == ("positions", "positions: too long")


def test_a_random_positions_run_that_does_not_say_its_completion_room_is_a_clean_error(random_positions_run,
                                                                                      tmp_path):
    import shutil

    from caef_dsl import load_machines
    from trainer.language_models import ModelError, open_models
    from trainer.run_file import RUN_FILE

    old = tmp_path / "old-run"
    shutil.copytree(random_positions_run, old)
    run = json.loads((old / RUN_FILE).read_text())
    del run["version"], run["positions"]["completion_tokens"]  # as runs trained before the runtime drew positions
    (old / RUN_FILE).write_text(json.dumps(run))
    with pytest.raises(ModelError, match="positions.completion_tokens"):
        open_models([old], load_machines(), device="cpu")


def test_varied_density_without_random_positions_is_a_clean_error(add_tape, tmp_path, capfd):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--varied-density"]) == 2
    assert "give --random-positions N too" in capfd.readouterr().err


def test_rope_layers_beyond_the_preset_is_a_clean_error(add_tape, tmp_path, capfd):
    out = tmp_path / "run"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--model", "nano", "--rope-layers", "5"]) == 2
    assert "--rope-layers must be 0..2" in capfd.readouterr().err


def _layout(line: str, offset: int = 0, tapes: bool = False) -> list[tuple[str, int]]:
    from trainer.tokenizer import split_symbols
    tokens = split_symbols(line)
    return list(zip(tokens, head_positions(tokens, offset=offset, tapes=tapes)))


def test_head_positions_lay_a_long_line_out_like_a_short_one_around_its_heads():
    short = "ADD, q1,  |2[HEAD1]|1|9 |1[HEAD2]|6|2 [C]0 |3[OUTPUT]"
    long = "ADD, q1,  " + "|2" * 60 + "[HEAD1]|1" + "|9" * 40 + " " + "|1" * 60 + "[HEAD2]|6" + "|2" * 40 \
        + " [C]0 " + "|3" * 60 + "[OUTPUT]"
    near = lambda line: [(t, at) for t, at in _layout(line) if at < FAR]  # noqa: E731
    assert near(long) == near(short)
    assert [(t, at) for t, at in near(long) if t in ("[HEAD1]", "[HEAD2]", "[C]", "[OUTPUT]") or t.startswith("|")] \
        == [("[HEAD1]", 7), ("|1", 8), ("[HEAD2]", 10), ("|6", 11), ("[C]", 13), ("[OUTPUT]", 16)]
    # every other cell has a position of its own, in order, from FAR + the offset on
    far = [at for _, at in _layout(long, offset=5) if at >= FAR]
    assert far == list(range(FAR + 5, FAR + 5 + 60 + 40 + 60 + 40 + 60))


def test_head_positions_count_the_cells_away_from_a_head_apart():
    assert _layout("|2|8[HEAD1]|1|9 [X]") == [("|2", FAR), ("|8", FAR + 1), ("[HEAD1]", 0), ("|1", 1),
                                              ("|9", FAR + 2), (" ", 2), ("[X]", 3)]
    # a head left of its tape (a machine's first step) reads a blank: every cell is away from it
    assert _layout("[HEAD1] |2|1") == [("[HEAD1]", 0), (" ", 1), ("|2", FAR), ("|1", FAR + 1)]
    # the completion's positions follow the prompt's near ones one by one
    assert head_positions(["[H]", "|1", "|2"], completion=2, offset=0) == [0, 1, FAR, 2, 3]
    assert head_positions(["|1"]) == [FAR + READ_OFFSET]  # inference reads at one offset
    with pytest.raises(TrainerError, match="does not fit --head-positions"):
        head_positions(["x"] * (FAR + 1))  # the near count would reach the cells' region


def test_a_next_state_line_gives_each_cell_away_from_a_head_the_position_it_had_in_the_line_before():
    from trainer.tokenizer import split_symbols
    before = "ADD, q1,  |5|4[HEAD1]|3|2|1 |8[HEAD2]|7|6 [C]0 |3[OUTPUT]\nCMD: [C] 1, [OUTPUT] 0, q1\n"
    after = "ADD, q1,  |5|4|3[HEAD1]|2|1 |8|7[HEAD2]|6 [C]1 |3|0[OUTPUT]\nCMD: [C] 0, q1\n"
    layout = HeadLayout(offset=0)
    first, second = layout.positions(split_symbols(before)), layout.positions(split_symbols(after))
    cells = lambda text, ids: {(i, t): at for i, (t, at) in enumerate(zip(split_symbols(text), ids)) if at >= FAR}  # noqa: E731
    # |5 |4 keep their positions; past the head that moved, |1 (and tape 2's |8) do too
    assert [at for at in cells(before, first).values()][:2] == [at for at in cells(after, second).values()][:2] \
        == [FAR, FAR + 1]
    far_before, far_after = list(cells(before, first).values()), list(cells(after, second).values())
    assert far_before[3:5] == far_after[3:5] == [FAR + 3, FAR + 4]  # |1 and |8
    # the second line's tokens near the heads count on from the first's
    assert min(at for at in second if at < FAR) == max(at for at in first if at < FAR) + 1


def test_tape_regions_put_each_cell_at_its_index_in_a_region_of_its_tape():
    from trainer.positions import TAPE_REGION
    line = "ADD, q1,  |5[HEAD1]|1|2 |5|8[HEAD2] [C]1 |0|0[OUTPUT]"
    cells = [(t, at) for t, at in _layout(line, offset=3, tapes=True) if t.startswith("|")]
    # tape 0: |5, |1 under the head (near), |2 next to |5; a head's marker does not end a tape
    assert cells == [("|5", FAR + 3), ("|1", 8), ("|2", FAR + 3 + 1),
                     ("|5", FAR + 3 + TAPE_REGION), ("|8", FAR + 3 + TAPE_REGION + 1),
                     ("|0", FAR + 3 + 2 * TAPE_REGION), ("|0", FAR + 3 + 2 * TAPE_REGION + 1)]
    # the tokens near the heads count as without tape regions
    assert [at for _, at in _layout(line, tapes=True) if at < FAR] == [at for _, at in _layout(line) if at < FAR]
    with pytest.raises(TrainerError, match="does not fit --tape-regions"):
        _layout("|1" * (TAPE_REGION + 1), tapes=True)


def test_tape_regions_leave_nothing_after_a_tapes_last_cell():
    """Without regions the next tape's first cell sits right after a tape's last one, so a copy
    that runs off a tape finds a cell to go on with; with them each tape starts a region away."""
    from trainer.positions import TAPE_REGION
    for digits in (3, 60):
        line = "ADD, q1,  |5" * 1 + "[HEAD1]|1" + "|2" * digits + " " + "|7[HEAD2]|8" + "|9" * digits + " [C]0 |3[OUTPUT]\n"
        single = [at for _, at in _layout(line) if at >= FAR]
        assert single == list(range(FAR, FAR + 2 * digits + 3))  # tape 0's last cell, then tape 1's first
        regions = [at for _, at in _layout(line, tapes=True) if at >= FAR]
        assert regions == [*range(FAR, FAR + digits + 1), *range(FAR + TAPE_REGION, FAR + TAPE_REGION + digits + 1),
                           FAR + 2 * TAPE_REGION]


def test_training_draws_the_spacing_of_tape_regions_per_example():
    """So the model meets cells of other tapes at every distance: a copy learns the same position
    only, not a distance the cells of a short tape never had between them."""
    from trainer.positions import TAPE_REGION, spaced_head_positions, unspaced_layout
    vocabulary = ["<pad>", "|1", "|2", "[H]", " ", "\n"]
    line = [3, 1, 2, 2, 4, 1, 1, 1, 5]  # [H]|1|2|2 |1|1|1: tapes of 2 and 3 cells away from the head
    collate = PadCollator(0, vocabulary=vocabulary, tape_regions=True, seed=0)
    spacings = set()
    for _ in range(20):
        ids = collate([{"input_ids": line * 2, "labels": [-100] * 18}])["position_ids"][0].tolist()
        first, second = ids[:9], ids[9:]
        assert [a for a in first if a >= FAR] == [a for a in second if a >= FAR]  # both lines alike
        spacing = first[5] - first[2]  # tape 1's first cell − tape 0's first
        assert 3 < spacing <= 2 * TAPE_REGION
        spacings.add(spacing)
    assert len(spacings) > 15
    tokens = [vocabulary[i] for i in line]
    spaced = lambda draw: spaced_head_positions(unspaced_layout(tokens), 0, draw)  # noqa: E731
    assert spaced(0.0)[5] - spaced(0.0)[2] == 4 and spaced(1.0)[5] - spaced(1.0)[2] == 2 * TAPE_REGION
    assert HeadPositions(0, tapes=True).draw("", tokens).tolist()[5] - FAR - READ_OFFSET == TAPE_REGION


def test_head_positions_collate_a_prompt_by_the_heads_and_its_completion_one_by_one():
    vocabulary = ["<pad>", "|1", "|2", "[H]", "CMD"]
    collate = PadCollator(0, vocabulary=vocabulary, seed=1)
    batch = collate([{"input_ids": [1, 3, 1, 2, 4, 4], "labels": [-100] * 4 + [4, 4]},
                     {"input_ids": [3, 1, 4], "labels": [-100, -100, 4]}])
    first, second = batch["position_ids"].tolist()
    offset = first[0] - FAR  # drawn per example
    assert 0 <= offset < FAR_SPAN and first == [FAR + offset, 0, 1, FAR + offset + 1, 2, 3]
    assert second == [0, 1, 2, 3, 4, 5]  # no cell away from a head; the padding counts on
    offsets = {PadCollator(0, vocabulary=vocabulary, seed=s)([{"input_ids": [1], "labels": [-100]}])["position_ids"]
               .item() for s in range(20)}
    assert len(offsets) > 10  # training meets the far cells at many distances
    assert HeadPositions(2).draw("", ["|1", "[H]", "|1"]).tolist() == [FAR + READ_OFFSET, 0, 1, 2, 3]


@pytest.mark.parametrize("tape_regions, two_axes, tape_mass",
                         [(False, False, False), (True, False, False), (True, True, False), (True, False, True)])
def test_a_head_positions_run_trains_reloads_and_runs_at_its_positions(add_tape, tmp_path, fast, tape_regions,
                                                                        two_axes, tape_mass):
    from transformers import AutoModelForCausalLM

    from caef_dsl import load_machines
    from trainer.decoding import GreedyDecoder, generate_at_positions
    from trainer.language_models import open_models
    from trainer.model import TwoAxisRotary
    from trainer.runtime import Runtime, make_task

    out = tmp_path / "run"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "3", "--head-positions",
                 "--far-mass", "10", *(["--tape-regions"] if tape_regions else []),
                 *(["--two-axes"] if two_axes else []), *(["--tape-mass", "4"] if tape_mass else []), *fast]) == 0
    AutoModelForCausalLM.from_pretrained(out)  # plain transformers, no remote code
    run = json.loads((out / "caef_run.json").read_text())
    assert run["positions"]["head_positions"] and run["positions"]["completion_tokens"] > 10
    assert (run["positions"]["far_mass"], run["positions"]["tape_mass"]) == (10, 4 if tape_mass else None)
    assert (run["positions"]["tape_regions"], run["positions"]["two_axes"]) == (tape_regions, two_axes)
    machines = load_machines()
    executor = open_models([out], machines, device="cpu", max_new_tokens=16)
    route = executor.routes[("ADD", False)]
    assert route.positions == HeadPositions(run["positions"]["completion_tokens"], tape_regions, two_axes)
    assert isinstance(route.model.model.rotary_emb, TwoAxisRotary) == two_axes  # the loader reads the run file
    _randomize(route.model)
    tokenizer, eos = route.tokenizer, route.tokenizer.eos_token_id
    with torch.no_grad():  # random weights that write tape cells, whose positions are given as they are written
        route.model.lm_head.weight[tokenizer.convert_tokens_to_ids([f"|{d}" for d in range(10)])] *= 3
    route.decoder = GreedyDecoder(route.model)
    prompts = [json.loads(line)["prompt"] for line in list((add_tape / "train.jsonl").open())[:40:4]]
    replies = executor.generate("ADD", prompts)
    assert all(r.read > 0 for r in replies)  # one reading per prompt: nothing to vote over
    assert sum(r.text.count("|") for r in replies) > 10
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    tokens = [tokenizer.convert_ids_to_tokens(ids[mask.bool()].tolist())
              for ids, mask in zip(batch["input_ids"], batch["attention_mask"])]
    laid_out = [route.positions.draw(p, t) for p, t in zip(prompts, tokens)]
    as_written = [route.positions.written(t, route.vocabulary) for t in tokens]
    plain = generate_at_positions(route.model, batch["input_ids"], batch["attention_mask"], 16, eos, laid_out,
                                  as_written)
    assert [r.text for r in replies] == [tokenizer.decode(row[:row.index(eos)] if eos in row else row)
                                         for row in plain]
    # the lean decoder's drafts (its last completions) are checked at their positions too: the same text
    assert [r.text for r in executor.generate("ADD", prompts)] == [r.text for r in replies]
    runtime = Runtime(executor, machines, max_steps=3)
    [solution] = runtime.solve([make_task(machines, "add", 45, 67)])
    assert solution.frame.steps


def test_written_positions_go_on_from_the_prompt_and_guesses_leave_no_trace():
    vocabulary = ["[H]", "|1", "|2", "\n", "x"]
    written = HeadPositions(30).written(["[H]", "|1", "|2"], vocabulary)  # near 0, 1; |2 at FAR + READ_OFFSET
    assert written.guess([4, 1, 2]) == [2, FAR + READ_OFFSET + 1, FAR + READ_OFFSET + 2]
    assert written.accept([4]) == [2]  # the guess above changed nothing
    assert written.accept([0, 1, 2, 3, 2]) == [3, 4, FAR + READ_OFFSET + 1, 5, FAR + READ_OFFSET]  # a new line
    # a model that runs a tape on past its region writes a wrong line, not an error
    from trainer.positions import TAPE_REGION
    runaway = HeadPositions(30, tapes=True).written(["[H]", "|1"], vocabulary).accept([2] * (TAPE_REGION + 5))
    assert runaway[-1] == FAR + READ_OFFSET + TAPE_REGION + 4
    with pytest.raises(TrainerError, match="does not fit --tape-regions"):  # a prompt must fit
        HeadPositions(30, tapes=True).draw("", ["|1"] * (TAPE_REGION + 1))


def test_far_mass_weighs_each_examples_cells_away_from_the_heads_alike():
    from trainer.train import weighted_mask
    vocabulary = ["<pad>", "|1", "|2", "[H]", "CMD"]
    collate = PadCollator(0, vocabulary=vocabulary, far_mass=100, seed=0)
    batch = collate([{"input_ids": [1, 3, 1, 2, 4, 4], "labels": [-100] * 4 + [4, 4]},
                     {"input_ids": [2, 2, 3, 4], "labels": [-100, -100, -100, 4]}])
    bias = batch["far_bias"]
    far = batch["position_ids"] >= FAR
    assert far.tolist() == [[True, False, False, True, False, False], [True, True, False, False, False, False]]
    assert (bias[~far] == 0).all() and len({float(b) for b in bias[0][far[0]]}) == 1
    assert 0 < bias.max() <= math.log(100) and float(bias[0, 0]) != float(bias[1, 0])  # drawn per example
    mask = weighted_mask(batch["attention_mask"], bias)[:, 0]
    assert mask.shape == (2, 6, 6)
    assert float(mask[1, 3, 0]) == float(bias[1, 0]) and float(mask[1, 3, 2]) == 0  # far key weighed, near not
    assert (mask[1, :, 4:] < -1e30).all() and (mask[0, 0, 1:] < -1e30).all()  # padding and the future: masked


def test_the_trainer_adds_the_far_bias_to_the_attention(tmp_path):
    from transformers import TrainingArguments

    from trainer.model import new_model
    from trainer.tokenizer import build_tokenizer, split_symbols
    from trainer.train import WeighingTrainer

    line = "ADD, q1,  |2|3[HEAD1]|1|9|4 |1[HEAD2]|6|2 [C]0 |3[OUTPUT]"
    command = "CMD: [C] 0, q1"
    tokenizer = build_tokenizer(split_symbols(line + command))
    torch.manual_seed(0)
    model = new_model("nano", tokenizer)
    prompt, completion = tokenizer(line)["input_ids"], tokenizer(command)["input_ids"]
    example = {"input_ids": prompt + completion, "labels": [-100] * len(prompt) + completion}
    vocabulary = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    batch = PadCollator(tokenizer.pad_token_id, vocabulary=vocabulary, far_mass=1000, seed=0)([example])
    trainer = WeighingTrainer(model=model, args=TrainingArguments(output_dir=str(tmp_path), use_cpu=True,
                                                                  report_to="none"))
    loss = lambda inputs: trainer.compute_loss(model, dict(inputs)).item()  # noqa: E731
    plain = {k: v for k, v in batch.items() if k != "far_bias"}
    assert loss(batch) != loss(plain)
    assert abs(loss({**batch, "far_bias": torch.zeros_like(batch["far_bias"])}) - loss(plain)) < 1e-6


def test_far_mass_without_head_positions_is_a_clean_error(add_tape, tmp_path, capfd):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--far-mass", "10"]) == 2
    assert "give --head-positions" in capfd.readouterr().err


def test_tape_regions_without_head_positions_is_a_clean_error(add_tape, tmp_path, capfd):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--tape-regions"]) == 2
    assert "give --head-positions too" in capfd.readouterr().err


def test_head_and_random_positions_together_are_a_clean_error(add_tape, tmp_path, capfd):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--head-positions",
                 "--random-positions", "64"]) == 2
    assert "two position schemes" in capfd.readouterr().err
