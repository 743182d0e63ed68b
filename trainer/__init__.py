"""Torch side of caef: tokenizer, model presets, datasets, the training loop and the runtime.

Importing the package (and `trainer.train_settings`) does not import torch; the modules that need it do.
`open_library("runs/library")` opens trained models for solving and evaluating from Python.
"""
from trainer.api import Library, open_library
from trainer.solve import Answer

__all__ = ["Answer", "Library", "open_library"]
