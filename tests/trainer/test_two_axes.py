"""`--two-axes`: a cell away from the heads carries the count near the heads where it stands, and
the model turns half its rotary frequencies by that count, half by the cell's place
(`trainer.positions.two_axis_id`, `trainer.model.TwoAxisRotary`)."""

import torch

from caef.cli import main
from trainer.data import PadCollator
from trainer.positions import FAR, HeadPositions, head_positions, spaced_head_positions, two_axis_id, unspaced_layout
from trainer.tokenizer import split_symbols

LINES = ("ADD, q1,  [HEAD1]|1|2|2 [HEAD2]|8|9 [C]0 [OUTPUT]\n"
         "ADD, q1,  |1[HEAD1]|2|2 |8[HEAD2]|9 [C]1 |3[OUTPUT]\n")


def test_a_cell_away_from_the_heads_carries_the_count_of_the_token_before_it():
    tokens = split_symbols(LINES)
    for tapes in (False, True):
        one, two = head_positions(tokens, 3, tapes=tapes), head_positions(tokens, 3, tapes=tapes, axes=True)
        near = -1
        for single, packed in zip(one, two):
            if single < FAR:
                assert packed == single  # a token near the heads keeps its count
                near = single
            else:
                assert packed == two_axis_id(single, near) and packed // FAR == single and packed % FAR == near
    # what a decoder writes takes the same ids as a prompt laid out whole
    prompt, line = split_symbols(LINES.split("\n")[0] + "\n"), split_symbols(LINES.split("\n")[1])
    vocabulary = sorted(set(tokens))
    written = HeadPositions(0, tapes=True, axes=True).written(prompt, vocabulary)
    whole = head_positions(tokens, tapes=True, axes=True)
    assert written.accept([vocabulary.index(t) for t in line]) == whole[len(prompt):len(prompt) + len(line)]


def test_training_spaces_tape_regions_on_the_place_axis_only():
    tokens = split_symbols(LINES)
    for draw in (0.0, 0.5):
        one = spaced_head_positions(unspaced_layout(tokens, 2), 7, draw)
        two = spaced_head_positions(unspaced_layout(tokens, 2, axes=True), 7, draw, axes=True)
        assert [at // FAR if at >= FAR else at for at in two] == one
        assert [at % FAR for at in two] == [at % FAR for at in head_positions(tokens, 2, tapes=True, axes=True)]
    vocabulary = sorted(set(tokens))
    collate = PadCollator(0, vocabulary=vocabulary, tape_regions=True, two_axes=True, far_mass=10, seed=0)
    batch = collate([{"input_ids": [vocabulary.index(t) for t in tokens], "labels": [-100] * len(tokens)}])
    far = batch["position_ids"][0] >= FAR
    assert (batch["position_ids"][0][far] >= FAR * FAR).all()  # every cell away from the heads packed
    assert ((batch["far_bias"][0] != 0) == far).all()  # and weighed as one


def test_two_axis_rotary_turns_even_frequencies_by_the_count_and_odd_ones_by_the_place():
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    from trainer.model import TwoAxisRotary
    rotary = LlamaRotaryEmbedding(LlamaConfig(hidden_size=64, num_attention_heads=2))
    two = TwoAxisRotary(rotary)
    x = torch.zeros(1)
    near, far = torch.tensor([[5, 9]]), torch.tensor([[0, 3000]])
    cos, sin = two(x, far * FAR + near)
    plain_near, plain_far = rotary(x, near), rotary(x, far)
    even = torch.arange(32) % 2 == 0  # cos/sin repeat the 16 frequencies twice
    assert torch.allclose(cos[..., even], plain_near[0][..., even])
    assert torch.allclose(sin[..., ~even], plain_far[1][..., ~even])
    assert torch.allclose(cos[0, 0, ~even], torch.ones(16))  # a token near the heads: place 0


def test_a_two_axes_model_reads_only_offsets_of_the_count(tmp_path):
    """Relative on both axes: the same line at counts shifted by 7 gives the same logits."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from trainer.model import use_two_axes
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=20, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=2)).eval()
    ids = torch.randint(0, 20, (1, 6))
    positions = torch.tensor([[0, 1, two_axis_id(2048, 1), two_axis_id(2049, 1), 2, 3]])
    shifted = positions + 7  # every count, near or on a cell, moves by 7; the places stay
    logits = lambda p: model(input_ids=ids, position_ids=p, attention_mask=torch.ones_like(ids)).logits  # noqa: E731
    with torch.no_grad():
        before = logits(positions)
        use_two_axes(model)
        use_two_axes(model)  # once is enough: a second call keeps it
        assert torch.allclose(logits(positions), logits(shifted), atol=1e-5)
        assert not torch.allclose(logits(positions), before, atol=1e-3)


def test_two_axes_without_head_positions_is_a_clean_error(add_tape, tmp_path, capfd):
    assert main(["train", "--data", str(add_tape), "--out", str(tmp_path / "run"), "--two-axes"]) == 2
    assert "give --head-positions too" in capfd.readouterr().err
