"""Fixtures: a nano model trained 300 steps on head-mode additions in the test run, a deliberately
broken (one-step) model, and a tiny random base with LoRA adapters in the paper's layout."""
from pathlib import Path

import pytest


def train(data: Path, out: Path, steps: int, *options: str) -> Path:
    import torch

    from caef.cli import main
    argv = ["train", "--data", str(data), "--out", str(out), "--model", "nano", "--max-steps", str(steps),
            "--epochs", "10000", "--batch-size", "32", "--lr", "5e-3", "--warmup", "10", "--log-every", "50",
            "--save-every", "100000", *options]
    # One thread: a nano model gains little from two, and two threads that spin-wait stall
    # ten times over when another process holds a core of this 2-core machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(argv) == 0
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.fixture(scope="session")
def head_add_data(tmp_path_factory) -> Path:
    """`caef compile` head-mode additions of 1-2 digits: the view a model learns fastest."""
    from caef.cli import main
    out = tmp_path_factory.mktemp("data") / "add-head"
    assert main(["compile", "add", "--mode", "head", "--digits", "1-2", "--per-class", "25", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def head_run_300_steps(tmp_path_factory, head_add_data) -> Path:
    """300 steps on `head_add_data`: more of its steps are right than the broken run's; the tests
    that use it pass whether or not it solves a given problem."""
    return train(head_add_data, tmp_path_factory.mktemp("runs") / "add-head", 300)


@pytest.fixture(scope="session")
def broken_run(tmp_path_factory, head_add_data) -> Path:
    """One optimizer step: a model that has learned nothing yet."""
    return train(head_add_data, tmp_path_factory.mktemp("runs") / "add-broken", 1)


@pytest.fixture(scope="session")
def broken_aligner_run(tmp_path_factory, head_add_data) -> Path:
    """An aligner run (expression → first step, halting line → result) after one step."""
    return train(head_add_data, tmp_path_factory.mktemp("runs") / "add-aligner", 1, "--kind", "aligner")


@pytest.fixture(scope="session")
def paper_adapters(tmp_path_factory, machines):
    """(base folder, adapters folder): a tiny random Llama with a word-level tokenizer, and
    one random LoRA per operator in the released layout (`add/`, `add_aligner/`, `sub/`, …)
    whose configs name a hub model, as the paper's do."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from caef_dsl.interpreter import run
    from caef_dsl.render import step_pairs
    from trainer.tokenizer import build_tokenizer

    texts = [text for name, operands in [("ADD", ["45", "67"]), ("SUB", ["45", "7"])]
             for pair in step_pairs(run(machines.executables, name, operands)) for text in pair]
    tokenizer = build_tokenizer(set(texts) | set("0123456789+-=") | {"True", "False"})
    base = tmp_path_factory.mktemp("paper") / "base"
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, pad_token_id=tokenizer.pad_token_id,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    LlamaForCausalLM(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    adapters = base.parent / "adapters"
    for op in ["add", "add_aligner", "sub", "reflection", "left_mask"]:
        lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
        model = get_peft_model(LlamaForCausalLM.from_pretrained(base), lora)
        model.peft_config["default"].base_model_name_or_path = "meta-llama/Llama-3.1-8B"
        model.save_pretrained(adapters / op, save_embedding_layers=False)  # no hub lookup
    return base, adapters
