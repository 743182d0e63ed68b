"""Compiled dataset folders (manifest.json + JSON Lines, read into the compiler's
`caef_dsl.compiler.dataset` types) → tokenized training examples.

Each example is prompt tokens then completion tokens then EOS; the loss is taken on the
completion and the EOS only (labels are -100 on the prompt), so the model learns to stop.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from caef_dsl.compiler.dataset import FILES, MANIFEST, DatasetRecord, Manifest
from caef_dsl.compiler.output import Output
from caef_dsl.tokens import alphabet_of
from trainer.errors import TrainerError
from trainer.positions import (FAR, FAR_SPAN, far_tapes, head_positions, random_positions, spaced_head_positions,
                               unspaced_layout)

IGNORE_INDEX = -100  # the label value PyTorch's cross-entropy skips


@dataclass
class DatasetInfo:
    """What the runtime needs to know about the data a model was trained on."""

    mode: str
    stage: str | None
    kind: str
    machines: list[str]
    folders: list[str]
    alphabet: set[str] = field(default_factory=set)


def read_manifest(folder: Path) -> Manifest:
    """The folder's manifest, checked for the fields the trainer relies on."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise TrainerError(f"dataset folder {folder} does not exist")
    if not path.is_file():
        raise TrainerError(f"{folder} has no manifest.json: not a compiled dataset (make one with `caef compile`)")
    try:
        manifest = Manifest.read(folder)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TrainerError(f"{path} is not valid JSON: {error}") from None
    except ValueError:
        raise TrainerError(f"{path} has no \"files\" table") from None
    for name in manifest.files:
        if not (folder / name).is_file():
            raise TrainerError(f"{path} lists {name}, which is not in {folder}")
    return manifest


def load_records(
    folders: list[Path], split: str = "train", stage: str | None = None, kind: str = "executor"
) -> tuple[list[DatasetRecord], DatasetInfo]:
    """Every `split` record of the `kind` files (executor, aligner or both) of `folders`,
    optionally of one `stage`.

    In the full and tape views the two kinds are separate models: an aligner prompt can be a
    halting state line, which the executor reads too and answers differently. The head view's
    executor reads finite-control lines, never state lines, so one model can learn both.
    """
    if kind == "both":
        executor, info = load_records(folders, split, stage, "executor")
        if info.mode != "head":
            raise TrainerError(f"--kind both needs head-view data (its executor reads no state line); "
                               f"these are {info.mode}")
        aligner, _ = load_records(folders, split, stage, "aligner")
        info.kind = "both"
        return executor + aligner, info
    records: list[DatasetRecord] = []
    modes, machines, alphabet, stages = set(), [], set(), set()
    for folder in map(Path, folders):
        manifest = read_manifest(folder)
        modes.add(manifest.mode)
        machines += [m for m in manifest.machines if m not in machines]
        alphabet.update(manifest.alphabet)
        for name, entry in sorted(manifest.files.items()):
            if entry.split != split or entry.kind != kind:
                continue
            for number, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    record = DatasetRecord.from_line(line)
                except ValueError:
                    raise TrainerError(f"{folder / name}:{number}: not a record with string prompt and completion") from None
                record_stage = manifest.stage if record.stage is None else record.stage
                stages.add(record_stage)
                if stage is None or record_stage == stage:
                    records.append(record)
    if len(modes) > 1:
        raise TrainerError(f"the datasets mix modes {sorted(map(str, modes))}: train one model per mode")
    if not records:
        wanted = f"stage {stage!r} " if stage else ""
        where = ", ".join(map(str, folders))
        raise TrainerError(f"no {wanted}{kind} {split} records in {where} (stages found: {sorted(map(str, stages))})")
    info = DatasetInfo(
        mode=modes.pop() or "unknown",
        stage=stage or (next(iter(stages)) if len(stages) == 1 else None),
        kind=kind,
        machines=machines,
        folders=[str(Path(f).resolve()) for f in folders],
        alphabet=alphabet,
    )
    return records, info


def trace_symbols(records: list[DatasetRecord], info: DatasetInfo) -> set[str]:
    """The vocabulary a tokenizer needs: the manifest's alphabet and every symbol in the records."""
    return alphabet_of(info.alphabet) | alphabet_of(text for r in records for text in (r.prompt, r.completion))


class TokenizedDataset(torch.utils.data.Dataset):
    """Examples `{"input_ids", "labels"}`: prompt (as the runtime encodes it), completion, EOS."""

    def __init__(self, records: list[DatasetRecord], tokenizer):
        # The runtime encodes a prompt with the tokenizer's own special tokens (a BOS for most
        # pretrained models, none for the word-level one) and generates after it: match that.
        prompts = tokenizer([r.prompt for r in records])["input_ids"]
        completions = tokenizer([r.completion for r in records], add_special_tokens=False)["input_ids"]
        eos = [tokenizer.eos_token_id]
        self.examples = [
            {"input_ids": p + c + eos, "labels": [IGNORE_INDEX] * len(p) + c + eos}
            for p, c in zip(prompts, completions)
        ]
        self.kinds = [r.kind or "executor" for r in records]

    def __len__(self) -> int:
        return len(self.examples)

    def longest_completion(self) -> int:
        """Tokens of the longest completion, its EOS included."""
        return max(sum(label != IGNORE_INDEX for label in e["labels"]) for e in self.examples)

    def __getitem__(self, index: int) -> dict:
        return self.examples[index]


class KindBatches(torch.utils.data.Sampler):
    """Indices such that each run of `batch_size` holds records of one kind, executor steps or
    aligner pairs, with `aligner_share` of the batches aligner ones. A head-view step is much
    shorter than an aligner pair: mixed in one batch, every step would be padded to the
    aligner's length. Reshuffled each pass."""

    def __init__(self, kinds: list[str], batch_size: int, aligner_share: float, seed: int = 0):
        self.batch_size, self.seed, self.passes = batch_size, seed, 0
        self.executor = [i for i, k in enumerate(kinds) if k != "aligner"]
        self.aligner = [i for i, k in enumerate(kinds) if k == "aligner"]
        self.executor_batches = -(-len(self.executor) // batch_size)
        self.aligner_batches = round(self.executor_batches * aligner_share / (1 - aligner_share)) if self.aligner else 0

    def set_epoch(self, epoch: int) -> None:
        self.passes = epoch

    def _batches(self, indices: list[int], count: int, generator) -> list[list[int]]:
        """`count` full batches, cycling through `indices` shuffled (so no batch is cut short
        and merged with the next one by the data loader)."""
        order = [indices[i] for i in torch.randperm(len(indices), generator=generator)]
        order = [order[i % len(order)] for i in range(count * self.batch_size)]
        return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed + self.passes)
        self.passes += 1
        batches = self._batches(self.executor, self.executor_batches, generator)
        if self.aligner_batches:
            batches += self._batches(self.aligner, self.aligner_batches, generator)
        for i in torch.randperm(len(batches), generator=generator).tolist():
            yield from batches[i]

    def __len__(self) -> int:
        return (self.executor_batches + self.aligner_batches) * self.batch_size


class PadCollator:
    """Pads a batch on the right to its longest example (labels with -100, attention mask 0).

    Position ids (`trainer.positions`): with `random_positions` N, each example's are a sorted
    random draw from 0..N-1 (`varied_density`: see `random_positions`); with `vocabulary` (the
    token of each id), its tokens' are `head_positions` at an offset drawn from 0..FAR_SPAN-1
    (`tape_regions`: `--tape-regions`; `two_axes`: `--two-axes`), and with `far_mass` the cells
    away from the heads weigh more (`tape_mass` R: each tape up to R times more again);
    with neither, the model counts 0, 1, 2, ….
    """

    def __init__(self, pad_token_id: int, random_positions: int | None = None, seed: int = 0,
                 varied_density: bool = False, vocabulary: list[str] | None = None, far_mass: float | None = None,
                 tape_regions: bool = False, two_axes: bool = False, tape_mass: float | None = None):
        self.pad_token_id = pad_token_id
        self.random_positions = random_positions
        self.varied_density = varied_density
        self.vocabulary = vocabulary
        self.far_mass, self.tape_regions, self.two_axes, self.tape_mass = far_mass, tape_regions, two_axes, tape_mass
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(e["input_ids"]) for e in examples)

        def padded(key: str, value: int) -> torch.Tensor:
            return torch.tensor([e[key] + [value] * (width - len(e[key])) for e in examples])

        ids = padded("input_ids", self.pad_token_id)
        mask = torch.tensor([[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in examples])
        batch = {"input_ids": ids, "attention_mask": mask, "labels": padded("labels", IGNORE_INDEX)}
        if self.random_positions:
            if width > self.random_positions:
                raise TrainerError(f"an example of {width} tokens does not fit --random-positions {self.random_positions}")
            batch["position_ids"] = random_positions(len(examples), width, self.random_positions, self.generator,
                                                     varied_density=self.varied_density)
        elif self.vocabulary is not None:
            laid_out = [self._head_positions(e, width) for e in examples]
            batch["position_ids"] = torch.tensor([positions for positions, _ in laid_out])
            if self.far_mass:
                batch["far_bias"] = self._far_bias(batch["position_ids"], mask)
                if self.tape_mass:
                    batch["far_bias"] += self._tape_bias(torch.tensor([tapes for _, tapes in laid_out]))
        return batch

    def _far_bias(self, positions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Per example, log w on its cells away from the heads (w drawn log-uniform from
        1..far_mass) and 0 elsewhere: added to every attention logit on them, each such cell weighs
        as w would, as in a line w times as long (`trainer.train.weighted_mask`)."""
        weight = torch.rand(len(positions), 1, generator=self.generator) * math.log(self.far_mass)
        return torch.where((positions >= FAR) & mask.bool(), weight, 0.0)

    def _tape_bias(self, tapes: torch.Tensor) -> torch.Tensor:
        """Per example and tape (`tapes`: `far_tapes` of each example), log r on the tape's cells
        away from the heads (r drawn log-uniform from 1..tape_mass), added to `_far_bias`: a line
        whose tapes grew unevenly, a long tape beside a short one."""
        count = max(int(tapes.max()), 0) + 1
        weight = torch.rand(len(tapes), count, generator=self.generator) * math.log(self.tape_mass)
        return torch.where(tapes >= 0, weight.gather(1, tapes.clamp(min=0)), 0.0)

    def _head_positions(self, example: dict, width: int) -> tuple[list[int], list[int] | None]:
        """The example's positions, and with `tape_mass` the tape of each of its tokens (`far_tapes`);
        the padding counts on: it is masked."""
        offset = int(torch.randint(0, FAR_SPAN, (1,), generator=self.generator))
        tokens = [self.vocabulary[i] for i in example["input_ids"]]
        completion = width - len(tokens)
        layout = unspaced_layout(tokens, completion, self.two_axes) if self.tape_regions or self.tape_mass else None
        tapes = far_tapes(layout, self.two_axes) if self.tape_mass else None
        if self.tape_regions:
            draw = float(torch.rand(1, generator=self.generator))
            return spaced_head_positions(layout, offset, draw, self.two_axes), tapes
        return head_positions(tokens, completion, offset, axes=self.two_axes), tapes


def write_dataset(
    folder: Path, train: list[dict], test: list[dict] = (), *, mode: str, stage: str, machines: list[str]
) -> Path:
    """Write records (dicts of a prompt, a completion and any other record fields) as a dataset
    folder, through the compiler's writer (`Output`: files, their table, one rename), for
    fixtures and benchmarks. An existing `folder` is replaced. Each line is the dict as given and
    the manifest holds only what the trainer reads: files, mode, stage, machines and alphabet."""
    folder = Path(folder)
    with Output(folder, force=True) as output:
        written = [(FILES["executor", split], records) for split, records in (("train", train), ("test", test))
                   if records]
        for name, records in written:
            output.write_lines(name, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        alphabet = sorted(alphabet_of(text for r in [*train, *test] for text in (r["prompt"], r["completion"])))
        table = output.table()
        files = {name: asdict(table[name]) for name, _ in written}  # in writing order: train first
        manifest = {"files": files, "mode": mode, "stage": stage, "machines": machines, "alphabet": alphabet}
        output.commit({MANIFEST: json.dumps(manifest, indent=2) + "\n"})
    return folder
