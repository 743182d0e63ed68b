"""A base checkpoint plus per-operator LoRA adapters in the paper's released layout, run in
full mode: adapters switch per machine (calls included), random weights give format errors."""
import pytest

from caef_dsl.errors import CaefError
from caef_dsl.render import step_pairs
from trainer.comparison import compare
from trainer.runtime import Runtime, make_task


@pytest.fixture(scope="module")
def models(paper_adapters, machines):
    from trainer.language_models import open_models
    base, adapters = paper_adapters
    return open_models([adapters], machines, base=str(base), max_new_tokens=12)


def test_the_adapters_need_a_local_base(paper_adapters, machines):
    from trainer.language_models import ModelError, open_models
    with pytest.raises(ModelError, match="give --base"):
        open_models([paper_adapters[1]], machines)


def test_each_machine_runs_on_its_own_adapter(paper_adapters, models, machines):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base, adapters = paper_adapters
    assert models.mode == "full" and models.has_aligner("ADD") and not models.has_aligner("SUB")
    prompt = "".join(f"{s}\n{c}\n" for s, c in step_pairs(machines_trace(machines))[1:2])
    tokenizer = models.routes[("ADD", False)].tokenizer
    batch = tokenizer([prompt], return_tensors="pt")
    alone = {}
    for op in ("add", "sub"):
        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapters / op).eval()
        with torch.inference_mode():
            alone[op] = model(**batch).logits[0, -1]
            ids = model.generate(**batch, max_new_tokens=12, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        alone[op + " text"] = tokenizer.decode(ids[0, batch["input_ids"].shape[1]:], skip_special_tokens=False)
    assert not torch.allclose(alone["add"], alone["sub"])  # the adapters really differ
    for machine, op in [("ADD", "add"), ("SUB", "sub"), ("ADD", "add")]:  # switching back and forth
        [reply] = models.generate(machine, [prompt])
        assert reply.read == batch["input_ids"].shape[1]
        assert alone[op + " text"].startswith(reply.text)


def machines_trace(machines):
    from caef_dsl.interpreter import run
    return run(machines.executables, "ADD", ["45", "67"])


def test_random_adapters_make_format_errors_in_full_mode(models, machines):
    runtime = Runtime(models, machines)
    runtime.require("SUB")
    with pytest.raises(CaefError, match="no model executes LESS_THAN, MUL"):
        runtime.require("MUL")
    add, sub = runtime.solve([make_task(machines, "add", 45, 67), make_task(machines, "sub", 45, 7)])
    assert add.error is not None and not add.frame.steps  # the trained (random) aligner failed
    assert compare(add, machines_trace(machines), "full").where == "ADD aligner"
    assert sub.error is not None and sub.first == "SUB, q0, [HEAD1]|5|4 [HEAD2]|7 \nCMD q1\n"  # rule aligner
    assert sub.frame.steps[0].prompt == sub.first
    [ruled] = Runtime(models, machines, rule_aligner=True).solve([make_task(machines, "add", 45, 67)])
    assert ruled.error.kind != "aligner" and ruled.frame.steps


def test_solve_with_paper_adapters(paper_adapters, capsys):
    from caef.cli import main
    base, adapters = paper_adapters
    argv = ["solve", "45-7=", "--model", str(adapters), "--base", str(base), "--max-new-tokens", "12"]
    assert main(argv) == 2  # no sub_aligner/ adapter: the run cannot align SUB's text, and says so
    assert "has no trained aligner for SUB" in capsys.readouterr().err
    assert main(argv + ["--rule-aligner"]) == 1
    assert "45-7= (full mode)" in capsys.readouterr().out


def test_adapters_over_one_base_read_positions_one_way(paper_adapters, machines):
    """An adapter trained with --two-axes turns the shared base's rotary; one without it cannot
    share that base."""
    from dataclasses import replace

    from trainer.language_models import ModelError, _load_sources, read_sources
    from trainer.model import TwoAxisRotary
    from trainer.positions import HeadPositions
    base, adapters = paper_adapters
    add, sub = [s for s in read_sources(adapters, machines, str(base)) if s.path.name in ("add", "sub")]
    axes = HeadPositions(40, tapes=True, axes=True)
    routes = _load_sources([replace(add, positions=axes), replace(sub, positions=axes)], "cpu")
    assert isinstance(routes[("ADD", False)].model.base_model.model.model.rotary_emb, TwoAxisRotary)
    with pytest.raises(ModelError, match="two axes"):
        _load_sources([replace(add, positions=axes), sub], "cpu")
