"""Size presets for a Llama trained from scratch (pure Python: `--help` lists them without torch)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """Llama shape: RoPE, tied input/output embeddings, no biases, as many key/value heads as heads."""

    hidden: int
    layers: int
    heads: int
    mlp: int

    def body_parameters(self) -> int:
        """Parameters outside the embedding: attention, MLP and the RMS norms."""
        attention = 4 * self.hidden * self.hidden  # q, k, v, o
        mlp = 3 * self.hidden * self.mlp  # gate, up, down
        norms = 2 * self.hidden
        return self.layers * (attention + mlp + norms) + self.hidden  # + final norm

    def parameters(self, vocab_size: int) -> int:
        """Total parameters with a vocabulary of `vocab_size` (the embedding is shared with the LM head)."""
        return self.body_parameters() + vocab_size * self.hidden


PRESETS = {
    "nano": Preset(hidden=32, layers=2, heads=2, mlp=64),  # smoke tests only
    "tiny": Preset(hidden=128, layers=4, heads=4, mlp=512),  # the first-measurements model
    "small": Preset(hidden=256, layers=6, heads=8, mlp=1024),
}


def describe_presets() -> str:
    """One line per preset with its size, for `--help`."""
    return "; ".join(
        f"{name}: hidden {p.hidden}, {p.layers} layers, {p.heads} heads, MLP {p.mlp}, "
        f"{p.body_parameters() / 1e6:.2f}M parameters + {p.hidden} per vocabulary token"
        for name, p in PRESETS.items()
    )
