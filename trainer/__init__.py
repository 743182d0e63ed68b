"""Torch side of caef: tokenizer, model presets, datasets and the training loop.

Importing the package (and `trainer.cli`) does not import torch; the modules that need it do.
"""
