"""The one error type the trainer reports as a one-line message with exit code 2."""


class TrainerError(Exception):
    """Bad input to a training run: a dataset, model, tokenizer or folder that cannot be used."""
