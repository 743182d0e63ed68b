"""The run file: `caef_run.json` in every trained run folder, saying what the run is and how to
open it — written by `caef train` (`RunFile.write`), read by the runtime's model loader
(`trainer.language_models`), `trainer.model.load_run`, `caef train --init-from` and
`trainer.positions.positions_of_run` (`RunFile.read`).

Versioned: `caef train` writes version 2. A file without a `version` key is version 1 (runs
trained before the key): it also held `eos_token` and `prompt_add_special_tokens`, which nothing
read (the saved tokenizer holds the EOS, and prompts are always encoded with the tokenizer's
special tokens) and are no longer written; its oldest forms lack `task`, `aligners` and
`positions`, read as an executor trained at positions 0, 1, 2, …. No torch here.
"""
from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

from trainer.errors import TrainerError

RUN_FILE = "caef_run.json"
VERSION = 2
READS = (1, 2)
RETIRED = {1: ("eos_token", "prompt_add_special_tokens")}  # keys of a version that are not read


@dataclass(frozen=True)
class Positions:
    """How the model saw positions in training."""
    rope_layers: int | None = None          # for a human reading the run: the model's config holds it too
    random_positions: int | None = None     # --random-positions N: position ids drawn from 0..N-1
    varied_density: bool = False            # --varied-density: drawn at every density (trainer.positions)
    head_positions: bool = False            # --head-positions: cells away from the heads count apart (trainer.positions)
    tape_regions: bool = False              # --tape-regions: each tape's cells in a region of their own (trainer.positions)
    two_axes: bool = False                  # --two-axes: rotary positions on two axes (trainer.model.TwoAxisRotary)
    far_mass: float | None = None           # --far-mass K: training weighed those cells up to K times (a record only)
    tape_mass: float | None = None          # --tape-mass R: each tape up to R times more again (a record only)
    completion_tokens: int | None = None    # the longest completion trained on, its EOS counted:
                                            # inference draws positions for it too


@dataclass(frozen=True, kw_only=True)
class RunFile:
    """One run's `caef_run.json`, field for key, in the order written. `version`: the layout of
    the file it was read from (a new run's: the current one); `write` writes the current one."""
    version: int = VERSION
    weights: str                    # "full": a whole model in the folder; "lora": an adapter over base_model
    base_model: str | None          # a LoRA run's base checkpoint (an absolute path); None for a whole model
    tokenizer: str                  # how the vocabulary was made (caef-word-level, base, base+added-tokens);
                                    # `--init-from` carries it into the next run
    mode: str                       # the view the executor was trained in (full, tape, head)
    stage: str | None               # plain or prompt (the machine's description before each prompt);
                                    # None: the datasets mixed them
    task: str = "executor"          # what the model does: executor, aligner, or both (head view)
    aligners: list[str] | None = None  # with task both: the machines it aligns
    machines: list[str]             # the machines its datasets hold (declared names)
    datasets: list[str]             # for a human reading the run folder: the compiled datasets it learned
    vocab_size: int                 # for a human reading the run folder: the tokens it reads and writes
    positions: Positions = field(default_factory=Positions)

    def write(self, folder: Path) -> None:
        """Write `folder/caef_run.json`, in the current version's layout."""
        text = json.dumps({**asdict(self), "version": VERSION}, indent=2) + "\n"
        (Path(folder) / RUN_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> RunFile:
        """The run file of a trained run folder; TrainerError if it is missing or malformed."""
        path = Path(folder) / RUN_FILE
        if not path.is_file():
            raise TrainerError(f"{folder} is not a trained caef run (no {RUN_FILE})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise TrainerError(f"{path} is not a run file: {e}") from None
        if not isinstance(data, dict):
            raise TrainerError(f"{path} is not a run file: not a JSON object")
        version = data.pop("version", 1)
        if isinstance(version, bool) or version not in READS:
            raise TrainerError(f"{path} is a run file of version {version!r}, which this caef does not read "
                               f"(it reads versions {', '.join(map(str, READS))})")
        for key in RETIRED.get(version, ()):
            data.pop(key, None)
        positions = data.pop("positions", None) or {}
        if not isinstance(positions, dict):
            raise TrainerError(f"{path} is not a run file: positions is not a JSON object")
        _check_keys(path, version, cls, data, exclude={"version", "positions"})
        _check_keys(path, version, Positions, positions, prefix="positions.")
        return cls(version=version, positions=Positions(**positions), **data)


def _check_keys(path: Path, version: int, kind: type, data: dict, exclude=frozenset(), prefix: str = "") -> None:
    """Raise TrainerError unless `data` holds every key `kind` requires and no key it lacks."""
    names = {f.name for f in fields(kind)} - set(exclude)
    required = {f.name for f in fields(kind) if f.default is MISSING and f.default_factory is MISSING}
    problems = [f"no {prefix}{key}" for key in sorted(required - set(data))]
    problems += [f"an unknown key {prefix}{key}" for key in sorted(set(data) - names)]
    if problems:
        raise TrainerError(f"{path} is not a version {version} run file: {', '.join(problems)}")
