"""Fixtures for the trainer tests: datasets from the golden traces, a fake downloaded checkpoint, a 40-step run."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import executor_records, golden_records
from trainer.data import write_dataset


@pytest.fixture(scope="session")
def fast() -> list[str]:
    """Small, fast settings for test runs (the nano preset trains in seconds on 2 cores)."""
    return ["--model", "nano", "--batch-size", "16", "--log-every", "2", "--save-every", "1000"]


def golden_dataset(folder: Path, op: str, mode: str) -> Path:
    """A dataset folder with every step of the golden `op` traces in `mode` (train split only)."""
    records = [r for case in golden_records(op) for r in executor_records(case, mode)]
    return write_dataset(folder, records, mode=mode, stage="plain", machines=[op])


@pytest.fixture(scope="session")
def add_tape(tmp_path_factory) -> Path:
    return golden_dataset(tmp_path_factory.mktemp("add_tape"), "add", "tape")


@pytest.fixture(scope="session")
def equal_tape(tmp_path_factory) -> Path:
    return golden_dataset(tmp_path_factory.mktemp("equal_tape"), "equal", "tape")


@pytest.fixture(scope="session")
def tape_run_40_steps(tmp_path_factory, add_tape, fast) -> Path:
    """A nano model trained 40 steps on the add tape view."""
    from caef.cli import main

    out = tmp_path_factory.mktemp("runs") / "add"
    assert main(["train", "--data", str(add_tape), "--out", str(out), "--max-steps", "40", *fast]) == 0
    return out


@pytest.fixture(scope="session")
def base_checkpoint(tmp_path_factory) -> Path:
    """A tiny random Llama with a byte-level BPE tokenizer, saved as if downloaded from a hub.

    Its LM head is untied (as in larger Llamas) and its tokenizer adds a BOS, so the LoRA path
    meets both; the BPE is trained on English-like text only, so trace markers are several tokens.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("base_llama")
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    corpus = ["the quick brown fox jumps over the lazy dog, 0123456789 times.", "Add the numbers: right, left; head."] * 20
    backend.train_from_iterator(
        corpus,
        trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    backend.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 0)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>")
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=2, tie_word_embeddings=False, bos_token_id=0, eos_token_id=1,
    )
    torch.manual_seed(0)  # the same weights each session: test_lora compares greedy choices, never near a tie
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
