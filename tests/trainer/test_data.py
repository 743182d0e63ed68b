"""Dataset folders → examples: loss on the completion and EOS only, dynamic padding, manifest checks."""

import pytest

from caef_dsl.compiler.dataset import DatasetRecord
from trainer.data import IGNORE_INDEX, DatasetInfo, PadCollator, TokenizedDataset, load_records, trace_symbols, write_dataset
from trainer.errors import TrainerError
from support import executor_records, golden_records
from trainer.tokenizer import build_tokenizer

RECORDS = [
    {"prompt": "ADD q1 HEAD1 5 HEAD2 7 C 1", "completion": "CMD: [C] 1, [OUTPUT] 3, q1", "stage": "plain"},
    {"prompt": "ADD q0 HEAD1 _ HEAD2 _ C 0", "completion": "CMD: [OUTPUT] 0, qH", "stage": "prompt"},
]


def test_labels_cover_completion_and_eos_only(tmp_path):
    folder = write_dataset(tmp_path / "head", RECORDS, mode="head", stage="plain", machines=["add"])
    records, info = load_records([folder])
    tokenizer = build_tokenizer(trace_symbols(records, info))
    example = TokenizedDataset(records, tokenizer)[0]
    prompt = tokenizer.encode(RECORDS[0]["prompt"])
    completion = tokenizer.encode(RECORDS[0]["completion"])
    assert example["input_ids"] == prompt + completion + [tokenizer.eos_token_id]
    assert example["labels"] == [IGNORE_INDEX] * len(prompt) + completion + [tokenizer.eos_token_id]


def test_collator_pads_to_the_longest_example():
    batch = PadCollator(pad_token_id=0)([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [5], "labels": [5]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [5, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_stage_selects_records(tmp_path):
    folder = write_dataset(tmp_path / "head", RECORDS, mode="head", stage="plain", machines=["add"])
    records, info = load_records([folder], stage="prompt")
    assert [r.completion for r in records] == ["CMD: [OUTPUT] 0, qH"] and info.stage == "prompt"


def test_test_split_is_not_trained_on(tmp_path):
    folder = write_dataset(tmp_path / "d", RECORDS[:1], RECORDS[1:], mode="head", stage="plain", machines=["add"])
    records, _ = load_records([folder])
    assert records == [DatasetRecord(**RECORDS[0])]


def test_mixed_modes_are_refused(tmp_path):
    head = write_dataset(tmp_path / "head", RECORDS, mode="head", stage="plain", machines=["add"])
    tape = write_dataset(tmp_path / "tape", RECORDS, mode="tape", stage="plain", machines=["add"])
    with pytest.raises(TrainerError, match="mix modes"):
        load_records([head, tape])


def test_record_without_completion_is_refused(tmp_path):
    folder = write_dataset(tmp_path / "d", RECORDS, mode="head", stage="plain", machines=["add"])
    (folder / "train.jsonl").write_text('{"prompt": "x"}\n')
    with pytest.raises(TrainerError, match="train.jsonl:1"):
        load_records([folder])


def test_golden_views():
    case = golden_records("add")[0]
    tape = executor_records(case, "tape")
    full = executor_records(case, "full")
    assert len(tape) == len(case["steps"]) and len(full) == len(case["steps"]) - 1
    assert tape[1]["prompt"] == case["steps"][1][0] and tape[1]["completion"] == case["steps"][1][1]
    assert full[0]["completion"] == case["steps"][1][0] + "\n" + case["steps"][1][1] + "\n"
    sub = golden_records("sub")[0]
    assert executor_records(sub, "full")[0]["prompt"] == sub["steps"][0][0]


def test_prompt_and_completion_symbols_are_not_glued():
    records = [DatasetRecord(prompt="EQUAL, qH,  |5[HEAD1] True", completion="No command to execute. Halt state.")]
    symbols = trace_symbols(records, DatasetInfo(mode="tape", stage="plain", kind="executor", machines=["equal"], folders=[]))
    assert {"True", "No"} <= symbols and "TrueNo" not in symbols
