"""The dataset compiler, `caef compile`: machines → training datasets, one module per stage.

  command.py   the command line: flags, and `run`, which calls the pipeline
  settings.py  the validated arguments (`Settings`) and the command that makes the same data
  pipeline.py  `compile_datasets(settings)`: the stages below, in order
  plan.py      per machine: its classes of operand lengths and their sizes
  stream.py    the problems (operand pairs) of the plans, each in the train or test split
  records.py   problems → record lines, through the interpreter (in the workers)
  workers.py   the worker processes, chunks handed back in stream order
  output.py    the folder (temp folder, one rename), its manifest and dataset card
  dataset.py   the format: the record, file names and manifest types the trainer reads too

Determinism: the stream is a pure function of the settings (sampling.py draws every class
from its own keyed permutation), chunks are cut at fixed positions and written in stream order,
so 1 or N workers, and the shards of `--shard i/N` concatenated, give the same bytes.
Memory: problems flow through; at most 2 chunks per worker are in flight.
"""
