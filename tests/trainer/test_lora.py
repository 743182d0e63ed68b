"""LoRA on a local Hugging Face checkpoint: adapter saved, reloaded, merged, generating."""

import json

import pytest
import torch

from caef.cli import main
from trainer.model import load_run


@pytest.mark.parametrize("add_tokens", [False, True], ids=["base-tokenizer", "added-tokens"])
def test_lora_adapter_reloads_merges_and_generates(base_checkpoint, add_tape, tmp_path, add_tokens):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "lora"
    argv = ["train", "--data", str(add_tape), "--model", str(base_checkpoint), "--out", str(out), "--max-steps", "3",
            "--batch-size", "8", "--lora-rank", "4", "--lora-alpha", "8", "--log-every", "1"]
    assert main(argv + (["--add-tokens"] if add_tokens else [])) == 0
    assert (out / "adapter_model.safetensors").is_file() and not (out / "model.safetensors").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["parameters"]["trainable"] < metrics["parameters"]["total"]
    run = json.loads((out / "caef_run.json").read_text())
    assert run["weights"] == "lora" and run["base_model"] == str(base_checkpoint.resolve())

    tokenizer = AutoTokenizer.from_pretrained(out)
    base = AutoModelForCausalLM.from_pretrained(run["base_model"])
    # The runtime's recipe: grow the base embeddings to the run's tokenizer, then attach the adapter.
    assert (len(tokenizer) > base.get_input_embeddings().num_embeddings) == add_tokens
    base.resize_token_embeddings(run["vocab_size"])
    prompt = tokenizer("ADD, q1,  |5[HEAD1]|4 |7[HEAD2]|6 [C]1 |2[OUTPUT]", return_tensors="pt")
    if add_tokens:
        assert "[HEAD1]" in tokenizer.convert_ids_to_tokens(prompt["input_ids"][0])
    with torch.inference_mode():
        before = base(**prompt).logits
    merged = PeftModel.from_pretrained(base, out).merge_and_unload()
    model, _ = load_run(out)  # the same recipe, as the runtime will call it
    assert isinstance(model, PeftModel) and model.get_input_embeddings().weight.shape[0] == run["vocab_size"]
    with torch.inference_mode():
        after, adapted = merged(**prompt).logits, model(**prompt).logits
    # The adapter changes what the base computes, and merging keeps that change (to rounding).
    assert not torch.allclose(after, before, atol=1e-5)
    assert torch.allclose(after, adapted, atol=1e-5)
    # The merged model writes what the runtime's adapter model writes.
    written = merged.generate(**prompt, max_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    assert written.tolist() == model.generate(**prompt, max_new_tokens=8, do_sample=False,
                                              pad_token_id=tokenizer.pad_token_id).tolist()
