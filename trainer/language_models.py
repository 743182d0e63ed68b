"""Trained models as the runtime's executor (`trainer.executor.Executor`).

A `--model` folder is one of
  a caef run (a run file, `trainer.run_file`): a whole model (a preset trained from scratch) or a LoRA
      adapter over a base checkpoint. It executes the machines of its datasets, or is their
      aligner when it was trained on aligner records (`caef train --kind aligner`);
  a folder of per-operator adapters laid out like the paper's release: `<op>/` executes the
      machine of file stem <op> (add, sub, mul, …) and `<op>_aligner/` is its aligner; the
      paper's full mode, over the base checkpoint named by `--base` or by the adapters.

LoRA adapters over one base checkpoint share one loaded base as named peft adapters; every
generation first switches to the adapter of the machine it runs (`set_adapter`).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, GenerationConfig

from caef_dsl.describe import describe
from caef_dsl.errors import CaefError
from caef_dsl.machine_set import MachineSet
from trainer.decoding import GreedyDecoder, generate_at_positions
from trainer.errors import TrainerError
from trainer.executor import DEFAULT_POSITION_DRAWS, Generation
from trainer.model import load_causal_lm, load_tokenizer, use_two_axes
from trainer.positions import HeadPositions, RandomPositions, positions_of_run
from trainer.run_file import RUN_FILE, RunFile

ADAPTER_CONFIG = "adapter_config.json"
ALIGNER_SUFFIX = "_aligner"


class ModelError(CaefError):
    """A --model folder that cannot be opened or used."""


@dataclass
class Source:
    """One whole model or adapter folder, and the (machine, is-aligner) jobs it does."""
    path: Path
    jobs: list[tuple[str, bool]]
    mode: str | None             # None: an aligner (the same for every mode)
    stage: str
    tokenizer: Path
    base: Path | None = None     # None: a whole model
    positions: RandomPositions | HeadPositions | None = None


@dataclass
class Route:
    model: torch.nn.Module
    tokenizer: object
    adapter: str | None
    stage: str
    decoder: GreedyDecoder | None = None  # the lean loop, for the small whole models it supports
    positions: RandomPositions | HeadPositions | None = None

    @cached_property
    def vocabulary(self) -> list[str]:
        """The token of each id (head positions are given from the tokens written)."""
        return self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))


def _caef_run(folder: Path, machines: MachineSet, base: str | None) -> Source:
    try:
        run = RunFile.read(folder)
    except TrainerError as e:
        raise ModelError(str(e)) from None
    jobs = [(machines.resolve(n), run.task == "aligner") for n in run.machines]
    if run.task == "both":  # one head-view model executes its machines and aligns some of them
        jobs += [(machines.resolve(n), True) for n in run.aligners]
    lora = run.weights == "lora"
    return Source(folder, jobs, None if run.task == "aligner" else run.mode, run.stage or "plain", folder,
                  Path(base or run.base_model).resolve() if lora else None, _positions_of(folder, run))


def _positions_of(folder: Path, run: RunFile) -> RandomPositions | HeadPositions | None:
    try:
        return positions_of_run(run)
    except TrainerError as e:
        raise ModelError(f"{folder}: {e}") from None


def _adapter_base(folder: Path, base: str | None) -> Path:
    if base:
        return Path(base).resolve()
    named = json.loads((folder / ADAPTER_CONFIG).read_text(encoding="utf-8")).get("base_model_name_or_path")
    if named and Path(named).is_dir():
        return Path(named).resolve()
    raise ModelError(f"{folder} is an adapter of {named!r}, which is not a local folder: give --base DIR")


def _paper_adapters(folder: Path, machines: MachineSet, base: str | None) -> list[Source]:
    sources = []
    for sub in sorted(p for p in folder.iterdir() if (p / ADAPTER_CONFIG).is_file()):
        aligner = sub.name.endswith(ALIGNER_SUFFIX)
        op = sub.name[:-len(ALIGNER_SUFFIX)] if aligner else sub.name
        base_path = _adapter_base(sub, base)
        tokenizer = next((p for p in (sub, folder) if (p / "tokenizer_config.json").is_file()), base_path)
        sources.append(Source(sub, [(machines.resolve(op), aligner)], None if aligner else "full", "plain",
                              tokenizer, base_path))
    return sources


def read_sources(folder: Path, machines: MachineSet, base: str | None = None) -> list[Source]:
    """What a --model folder holds, without loading any weights."""
    folder = Path(folder)
    if (folder / RUN_FILE).is_file():
        return [_caef_run(folder, machines, base)]
    if folder.is_dir():
        sources = _paper_adapters(folder, machines, base)
        if sources:
            return sources
    raise ModelError(f"{folder} is neither a caef run (no {RUN_FILE}) nor a folder of "
                     f"per-operator adapters (<op>/{ADAPTER_CONFIG})")


class LanguageModels:
    """The models of one mode, routed per machine; implements `trainer.executor.Executor`."""

    def __init__(self, routes: dict[tuple[str, bool], Route], mode: str, machines: MachineSet,
                 device: torch.device, max_new_tokens: int | None = None,
                 position_draws: int = DEFAULT_POSITION_DRAWS):
        self.routes, self.mode, self.machines = routes, mode, machines
        self.device, self.max_new_tokens, self.position_draws = device, max_new_tokens, position_draws
        self._intros: dict[tuple, tuple[str, int]] = {}
        # The lean decoder's guesses: the last completion (token ids) written for a prompt of
        # the same machine and state — its first two words, `ADD q1` or `ADD, q1,`.
        self._drafts: dict[tuple, list[int]] = {}

    def covers(self, machine: str) -> bool:
        return (machine, False) in self.routes

    def has_aligner(self, machine: str) -> bool:
        return (machine, True) in self.routes

    def _intro(self, route: Route, machine: str, task: str) -> tuple[str, int]:
        """The machine description a `prompt`-stage run reads before each prompt, and its tokens."""
        if route.stage != "prompt":
            return "", 0
        key = (id(route.tokenizer), machine, task)
        if key not in self._intros:
            text = describe(self.machines.machines[machine], task)
            self._intros[key] = text, len(route.tokenizer(text, add_special_tokens=False)["input_ids"])
        return self._intros[key]

    def generate(self, machine: str, prompts: list[str], aligner: bool = False) -> list[Generation]:
        route = self.routes[(machine, aligner)]
        if route.adapter is not None:
            route.model.set_adapter(route.adapter)
        intro, intro_tokens = self._intro(route, machine, "aligner" if aligner else self.mode)
        texts = [intro + p for p in prompts]
        keys = [(machine, aligner, *p.split(" ", 2)[:2]) for p in prompts]
        batch = route.tokenizer(texts, return_tensors="pt", padding=True).to(self.device)
        read = batch["attention_mask"].sum(dim=1).tolist()
        # A completion is at most about twice its prompt (a composite's block with a callee's
        # first step): room for that, and an untrained model stops there.
        limit = self.max_new_tokens or 2 * (batch["input_ids"].shape[1] - intro_tokens) + 32
        # A random-positions run reads each prompt at K draws and the most common completion is
        # the answer. Once a majority of the K agree the rest cannot change it, so a majority is
        # read first, and the remaining draws only for the prompts whose first draws disagree.
        draws = self.position_draws if route.positions and route.positions.varies else 1
        majority = draws // 2 + 1
        # each prompt's tokens, laid out at the run's own positions (none: the model counts 0, 1, 2, …)
        tokens = [route.tokenizer.convert_ids_to_tokens(row[mask.bool()].tolist())
                  for row, mask in zip(batch["input_ids"], batch["attention_mask"])] if route.positions else []
        unfit = self._unfit(route, texts, tokens)
        fit = [i for i in range(len(texts)) if i not in unfit]
        candidates = dict(zip(fit, self._write(route, batch, fit, texts, tokens, keys, range(majority), limit)
                              if fit else []))
        split = [i for i in fit if len(set(candidates[i])) > 1]
        if split and draws > majority:
            more = self._write(route, batch, split, texts, tokens, keys, range(majority, draws), limit)
            for i, extra in zip(split, more):
                candidates[i] += extra
        replies = []
        for i, key in enumerate(keys):
            if i in unfit:
                replies.append(Generation("", False, read[i], 0, unread=unfit[i]))
                continue
            written = candidates[i]
            ids, finished = Counter(written).most_common(1)[0][0]  # ties: the earliest draw's
            if route.decoder is not None:
                self._drafts[key] = list(ids) + [route.tokenizer.eos_token_id] * finished
            text = route.tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
            replies.append(Generation(text, finished, read[i] * len(written), sum(len(c) + f for c, f in written)))
        return replies

    def _write(self, route: Route, batch, rows: list[int], texts: list[str], prompt_tokens: list[list[str]],
               keys: list[tuple], draws: range, limit: int) -> list[list[tuple[tuple[int, ...], bool]]]:
        """For the batch's `rows`, their completions (tokens before the EOS, whether it ended) at
        the given draws of positions, in one batch."""
        eos, n = route.tokenizer.eos_token_id, len(rows)
        input_ids = batch["input_ids"][rows].repeat(len(draws), 1)
        attention_mask = batch["attention_mask"][rows].repeat(len(draws), 1)
        tokens = [prompt_tokens[i] for i in rows] if route.positions else []
        positions = self._positions(route, [texts[i] for i in rows], tokens, draws)
        as_written = [route.positions.written(t, route.vocabulary) for t in tokens] \
            if isinstance(route.positions, HeadPositions) else None
        if route.decoder is not None:
            written = route.decoder.generate(input_ids, attention_mask, limit, eos,
                                             [self._drafts.get(keys[i], []) for i in rows] * len(draws), positions,
                                             as_written)
        elif positions:
            written = generate_at_positions(route.model, input_ids, attention_mask, limit, eos, positions, as_written)
        else:
            config = GenerationConfig(max_new_tokens=limit, do_sample=False, eos_token_id=eos,
                                      pad_token_id=route.tokenizer.pad_token_id)
            with torch.inference_mode():
                written = route.model.generate(input_ids=input_ids, attention_mask=attention_mask,
                                               generation_config=config)[:, input_ids.shape[1]:].tolist()
        return [[_until_eos(row, eos) for row in written[j::n]] for j in range(n)]

    @staticmethod
    def _positions(route: Route, texts: list[str], tokens: list[list[str]], draws: range) -> list[torch.Tensor] | None:
        """Per draw and prompt, the position ids a run of its own positions reads it at (None: 0, 1, 2, …)."""
        if route.positions is None:
            return None
        return [route.positions.draw(text, read, draw) for draw in draws for text, read in zip(texts, tokens)]

    @staticmethod
    def _unfit(route: Route, texts: list[str], tokens: list[list[str]]) -> dict[int, str]:
        """The prompts a run of its own positions cannot lay out, and why: in the full view a
        model's own line comes back as the next prompt, and one whose tape ran on can outgrow
        them. The model does not read those; the runtime ends their problems."""
        if route.positions is None:
            return {}
        unfit = {}
        for i, (text, read) in enumerate(zip(texts, tokens)):
            try:
                route.positions.draw(text, read)
            except TrainerError as e:
                unfit[i] = str(e)
        return unfit


def _until_eos(row: list[int], eos: int) -> tuple[tuple[int, ...], bool]:
    """A generated row's tokens before its EOS, and whether it has one."""
    return (tuple(row[:row.index(eos)]), True) if eos in row else (tuple(row), False)


def _load_sources(sources: list[Source], device: torch.device) -> dict[tuple[str, bool], Route]:
    from peft import PeftModel

    tokenizers = {s.path: load_tokenizer(s.tokenizer) for s in sources}
    for t in tokenizers.values():
        t.padding_side = "left"  # generation continues every row from its last column
    bases: dict[Path, torch.nn.Module] = {}
    routes: dict[tuple[str, bool], Route] = {}
    for i, s in enumerate(sources):
        tokenizer = tokenizers[s.path]
        adapter = None
        if s.base is None:
            model = AutoModelForCausalLM.from_pretrained(s.path).to(device).eval()
        else:
            adapter = f"adapter{i}"
            model = bases.get(s.base)
            if model is None:
                # Grown once to the largest vocabulary of its adapters (tokens added in training).
                widest = max((tokenizers[o.path] for o in sources if o.base == s.base), key=len)
                base = load_causal_lm(s.base, widest)
                model = PeftModel.from_pretrained(base, s.path, adapter_name=adapter).to(device).eval()
                bases[s.base] = model
            else:
                model.load_adapter(s.path, adapter_name=adapter)
                model.to(device)
        if _two_axes(s):  # the run's rotary on two axes
            if adapter is not None and not all(_two_axes(o) for o in sources if o.base == s.base):
                raise ModelError(f"{s.path} reads positions on two axes and shares its base model with adapters "
                                 "that do not: open them separately")
            use_two_axes(model)
        for job in s.jobs:
            if job in routes:
                raise ModelError(f"two models {'align' if job[1] else 'execute'} {job[0]}: give only one")
            decoder = GreedyDecoder(model) if adapter is None and GreedyDecoder.supports(model) else None
            routes[job] = Route(model, tokenizer, adapter, s.stage, decoder, s.positions)
    return routes


def _two_axes(source: Source) -> bool:
    return isinstance(source.positions, HeadPositions) and source.positions.axes


def open_models(folders: list, machines: MachineSet, *, base: str | None = None, device: str | None = None,
                max_new_tokens: int | None = None, position_draws: int = DEFAULT_POSITION_DRAWS,
                aligners_alone: bool = False) -> LanguageModels:
    """The executor over trained run folders and adapter folders (see the module doc). With
    `aligners_alone`, runs of one-shot aligners without an executor, to measure them alone
    (benchmarks/one_shot_aligner.py): only `generate(…, aligner=True)` answers."""
    sources = [s for folder in folders for s in read_sources(Path(folder), machines, base)]
    modes = sorted({s.mode for s in sources if s.mode is not None})
    if aligners_alone and not modes:
        modes = ["aligner"]
    if len(modes) != 1:
        raise ModelError(f"the executor models were trained for different modes ({', '.join(modes)}): give one mode's"
                         if modes else "no executor among the models (only aligners)")
    torch_device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    try:
        routes = _load_sources(sources, torch_device)
    except (TrainerError, OSError, ValueError) as e:
        raise ModelError(f"cannot open the models: {str(e).splitlines()[0]}") from None
    return LanguageModels(routes, modes[0], machines, torch_device, max_new_tokens, position_draws)

