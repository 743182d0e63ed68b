"""Training from scratch: the loss falls, the folder reloads and generates, metrics are written."""

import json

from support import executor_records, golden_records
from caef.cli import main
from trainer.presets import PRESETS


def test_loss_falls(tape_run_40_steps):
    curve = [loss for _, loss in json.loads((tape_run_40_steps / "metrics.json").read_text())["loss_curve"]]
    first, last = sum(curve[:3]) / 3, sum(curve[-3:]) / 3
    assert last < 0.8 * first, curve


def test_metrics_and_run_description(tape_run_40_steps):
    metrics = json.loads((tape_run_40_steps / "metrics.json").read_text())
    assert metrics["global_step"] == 40 and metrics["stopped_by"] == "max_steps"
    assert metrics["tokens_per_second"] > 0 and metrics["wall_time_s"] > 0
    vocab = json.loads((tape_run_40_steps / "caef_run.json").read_text())["vocab_size"]
    assert metrics["parameters"]["total"] == metrics["parameters"]["trainable"] == PRESETS["nano"].parameters(vocab)
    assert metrics["arguments"]["max_steps"] == 40
    run = json.loads((tape_run_40_steps / "caef_run.json").read_text())
    assert run["weights"] == "full" and run["mode"] == "tape" and run["machines"] == ["add"] and run["stage"] == "plain"


def test_saved_folder_reloads_and_generates(tape_run_40_steps):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tape_run_40_steps)
    tokenizer = AutoTokenizer.from_pretrained(tape_run_40_steps)
    # The weights reloaded are the trained ones: encoded as training encodes them (prompt,
    # completion, EOS; scored on completion and EOS), the records cost about what they cost at
    # the end of the run, not what they cost at its start.
    records = [r for case in golden_records("add") for r in executor_records(case, "tape")][::7]
    losses = []
    with torch.inference_mode():
        for record in records:
            prompt = tokenizer(record["prompt"])["input_ids"]
            completion = tokenizer(record["completion"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            labels = torch.tensor([[-100] * len(prompt) + completion])
            losses.append(model(input_ids=torch.tensor([prompt + completion]), labels=labels).loss.item())
    curve = json.loads((tape_run_40_steps / "metrics.json").read_text())["loss_curve"]
    first, last, loss = curve[0][1], curve[-1][1], sum(losses) / len(losses)
    assert loss < (first + last) / 2, (loss, first, last)

    # `generate` stops at the run's own EOS and pads with its PAD, and writes the model's own
    # greedy choices (the folder's generation config adds no sampling or penalty).
    assert (model.generation_config.eos_token_id, model.generation_config.pad_token_id) == \
        (tokenizer.eos_token_id, tokenizer.pad_token_id)
    prompt = tokenizer("ADD, q1,  |5[HEAD1]|4 |7[HEAD2]|6 [C]1 |2[OUTPUT]", return_tensors="pt")
    start = prompt["input_ids"].shape[1]
    output = model.generate(**prompt, max_new_tokens=30, do_sample=False)
    with torch.inference_mode():
        greedy = model(output[:, :-1]).logits[0, start - 1:].argmax(-1)
    assert output[0, start:].tolist() == greedy.tolist()


def test_init_from_continues_a_run_over_two_machines(tape_run_40_steps, add_tape, tmp_path):
    out = tmp_path / "second"
    assert main(["train", "--data", str(add_tape), "--init-from", str(tape_run_40_steps), "--out", str(out),
                 "--max-steps", "4", "--batch-size", "16", "--log-every", "1"]) == 0
    start = json.loads((out / "metrics.json").read_text())["loss_curve"][0][1]
    fresh_start = json.loads((tape_run_40_steps / "metrics.json").read_text())["loss_curve"][0][1]
    assert start < fresh_start  # it starts from the trained weights, not from random ones


def test_several_datasets_train_one_shared_model(add_tape, equal_tape, tmp_path, fast):
    out = tmp_path / "shared"
    assert main(["train", "--data", str(add_tape), str(equal_tape), "--out", str(out), "--max-steps", "2", *fast]) == 0
    run = json.loads((out / "caef_run.json").read_text())
    assert run["machines"] == ["add", "equal"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["records"] > 928


def test_init_from_with_add_tokens_grows_the_vocabulary(tape_run_40_steps, equal_tape, tmp_path):
    from transformers import AutoTokenizer

    out = tmp_path / "grown"
    assert main(["train", "--data", str(equal_tape), "--init-from", str(tape_run_40_steps), "--add-tokens", "--out", str(out),
                 "--max-steps", "2", "--batch-size", "16"]) == 0
    tokenizer = AutoTokenizer.from_pretrained(out)
    text = "EQUAL, qH,  |5[HEAD1] True"
    assert tokenizer.unk_token_id not in tokenizer.encode(text) and tokenizer.decode(tokenizer.encode(text)) == text
    assert json.loads((out / "caef_run.json").read_text())["vocab_size"] > json.loads((tape_run_40_steps / "caef_run.json").read_text())["vocab_size"]
