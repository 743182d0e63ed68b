"""The runtime asks the model as little as it can without changing one decision: the lean
greedy decoder writes exactly what `generate` writes, and the memo of decisions gives exactly
what asking at every step gives."""
import random

import pytest
import torch

from caef_dsl.views import executor_examples
from trainer.decoding import GreedyDecoder
from trainer.model import load_run
from trainer.executor import Memo
from trainer.runtime import Runtime, make_task

from conftest import train


def hf_greedy(model, tokenizer, prompts, limit):
    from transformers import GenerationConfig
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    config = GenerationConfig(max_new_tokens=limit, do_sample=False, eos_token_id=tokenizer.eos_token_id,
                              pad_token_id=tokenizer.pad_token_id)
    with torch.inference_mode():
        rows = model.generate(**batch, generation_config=config)[:, batch["input_ids"].shape[1]:].tolist()
    eos = tokenizer.eos_token_id
    return [row[:row.index(eos) + 1] if eos in row else row for row in rows]


def head_prompts(machines, count=6):
    from caef_dsl.interpreter import run
    draw = random.Random(0)
    prompts = []
    for _ in range(count):
        a, b = draw.randrange(10 ** draw.randint(1, 3)), draw.randrange(10 ** draw.randint(1, 3))
        prompts += [e.prompt for e in executor_examples(run(machines.executables, "ADD", [a, b]), "head")]
    return prompts


@pytest.fixture(scope="module")
def rope_first_run(tmp_path_factory, head_add_data):
    """RoPE in the first layer only (a SmolLM3 model): the decoder's other architecture."""
    return train(head_add_data, tmp_path_factory.mktemp("runs") / "rope-first", 60, "--rope-layers", "1")


@pytest.mark.parametrize("which", ["head_run_300_steps", "rope_first_run", "broken_run"])
def test_the_lean_decoder_writes_what_generate_writes_whatever_it_guesses(which, request, machines):
    model, tokenizer = load_run(request.getfixturevalue(which))
    model.eval()
    tokenizer.padding_side = "left"
    decoder = GreedyDecoder(model)
    prompts = head_prompts(machines) + ["ADD q1", "45+67=", "ADD q9 HEAD1 _ HEAD2 ^ C 7"]
    draw = random.Random(1)
    draw.shuffle(prompts)  # batches of mixed lengths: left padding varies
    eos, vocabulary = tokenizer.eos_token_id, len(tokenizer)
    guesses = {  # per prompt: nothing, the right answer, another prompt's, a noisy one, a long one
        "none": lambda right, other: [],
        "right": lambda right, other: right,
        "other": lambda right, other: other,
        "noisy": lambda right, other: [t if draw.random() > 0.2 else draw.randrange(vocabulary) for t in right],
        "long": lambda right, other: right[:-1] + other,
    }
    # a limit of 3 tokens: far less than the padding of a short prompt beside a long one
    for size, limit in ((1, 40), (9, 40), (9, 3)):
        for start in range(0, len(prompts), size):
            chunk = prompts[start:start + size]
            want = hf_greedy(model, tokenizer, chunk, limit)
            batch = tokenizer(chunk, return_tensors="pt", padding=True)
            for name, guess in guesses.items():
                drafts = [guess(right, draw.choice(want)) for right in want]
                got = decoder.generate(batch["input_ids"], batch["attention_mask"], limit, eos, drafts)
                assert got == want, (name, chunk, limit)


def test_a_model_with_an_adapter_or_another_architecture_keeps_generate(paper_adapters):
    from peft import PeftModel
    from transformers import LlamaForCausalLM
    base, adapters = paper_adapters
    model = PeftModel.from_pretrained(LlamaForCausalLM.from_pretrained(base), adapters / "add")
    assert not GreedyDecoder.supports(model)
    assert GreedyDecoder.supports(LlamaForCausalLM.from_pretrained(base))


def test_memo_and_no_memo_decide_the_same(head_run_300_steps, machines):
    """Every step of a sample of problems, 1 to 30 digits: with the memo the model is asked
    each distinct prompt once; without, at every step, in other batches with other padding."""
    from trainer.language_models import open_models
    draw = random.Random(2)
    tasks = [make_task(machines, "add", draw.randrange(10 ** n), draw.randrange(10 ** m))
             for n, m in [(draw.randint(1, 30), draw.randint(1, 30)) for _ in range(24)]]
    executor = open_models([head_run_300_steps], machines, device="cpu", max_new_tokens=40)
    with_memo = Runtime(executor, machines, batch_size=7)
    without = Runtime(executor, machines, batch_size=5, memo=False)
    a, b = with_memo.solve(tasks), without.solve(tasks)
    steps = lambda s: [(st.prompt, st.completion, st.error) for st in s.frame.steps]
    assert [steps(s) for s in a] == [steps(s) for s in b]
    assert [(s.result, s.read, s.written) for s in a] == [(s.result, s.read, s.written) for s in b]
    distinct = {st.prompt for s in a for st in s.frame.steps}
    assert with_memo.asked() == len(distinct) < without.asked() == sum(len(s.frame.steps) for s in b)


class Counting:
    """A stub executor that answers every prompt with its length and counts what it is asked."""
    mode = "head"

    def __init__(self):
        self.asked = []

    def covers(self, machine):
        return True

    def has_aligner(self, machine):
        return False

    def generate(self, machine, prompts, aligner=False):
        from trainer.executor import Generation
        self.asked.append(list(prompts))
        return [Generation(str(len(p)), True, 1, 1) for p in prompts]


def test_the_memo_asks_each_prompt_once_per_machine_and_forgets_the_oldest():
    inner = Counting()
    memo = Memo(inner, size=3)
    assert [g.text for g in memo.generate("ADD", ["a", "bb", "a"])] == ["1", "2", "1"]
    assert inner.asked == [["a", "bb"]]
    memo.generate("SUB", ["a"])              # another machine is another model's decision
    memo.generate("ADD", ["bb", "ccc"])       # bb known; ccc new, and "a" of ADD is the oldest: out
    assert inner.asked[1:] == [["a"], ["ccc"]]
    memo.generate("ADD", ["a"])
    assert inner.asked[-1] == ["a"] and memo.asked == 5 and memo.answered == 7
