"""Models: a Llama from a size preset (RoPE in all layers or the lowest few), a local Hugging Face causal LM with LoRA, and trained runs.

Every trained run folder holds a run file (`trainer.run_file`), which says how to open it (`load_run`).
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import (AutoConfig, AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM,
                          SmolLM3Config, SmolLM3ForCausalLM)
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

from trainer.errors import TrainerError
from trainer.positions import FAR
from trainer.presets import PRESETS
from trainer.run_file import RunFile


def preferred_dtype() -> torch.dtype:
    """bf16 weights on a GPU that supports them (halves memory), fp32 elsewhere."""
    return torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float32


def new_model(preset: str, tokenizer, rope_layers: int | None = None):
    """A randomly initialised model of the given preset over the tokenizer's vocabulary: a Llama,
    or, with `rope_layers` below the preset's depth, the same Llama with rotary position
    embeddings in its lowest `rope_layers` layers only and none above (NoPE, Kazemnejad et al.
    2023; 0: no position encoding at all). Transformers' SmolLM3 is that architecture with a
    per-layer RoPE switch in its config, so a plain `from_pretrained` loads it as trained."""
    if preset not in PRESETS:
        raise TrainerError(f"unknown preset {preset!r} (presets: {', '.join(PRESETS)})")
    p = PRESETS[preset]
    if rope_layers is not None and not 0 <= rope_layers <= p.layers:
        raise TrainerError(f"--rope-layers must be 0..{p.layers} for the {preset} preset, not {rope_layers}")
    shape = dict(
        vocab_size=len(tokenizer),
        hidden_size=p.hidden,
        intermediate_size=p.mlp,
        num_hidden_layers=p.layers,
        num_attention_heads=p.heads,
        num_key_value_heads=p.heads,
        max_position_embeddings=8192,  # RoPE has no learned positions: this only bounds generation
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    if rope_layers is None or rope_layers == p.layers:
        return LlamaForCausalLM(LlamaConfig(**shape))
    config = SmolLM3Config(**shape, no_rope_layers=[int(i < rope_layers) for i in range(p.layers)],
                           rope_parameters={"rope_type": "default", "rope_theta": 10000.0},  # Llama's
                           use_sliding_window=False)
    return SmolLM3ForCausalLM(config)


def rope_layers(model) -> int:
    """How many of the model's lowest layers use rotary position embeddings."""
    flags = getattr(model.config, "no_rope_layers", None)  # SmolLM3: 1 where a layer uses RoPE
    return model.config.num_hidden_layers if flags is None else sum(flags)


class TwoAxisRotary(torch.nn.Module):
    """`--two-axes`: rotary position embeddings over two axes (like Qwen2-VL's M-RoPE), in place
    of a model's own. A position id packs a token's count near the heads and its place away from
    them (`trainer.positions.two_axis_id`); the even rotary frequencies turn by the count, the odd
    ones by the place, so each stays a spread from fast to slow. Parameter-free: the saved model
    is the plain one, and `load_run` puts this back when its run file says so."""

    def __init__(self, rotary: torch.nn.Module):
        super().__init__()
        self.rotary = rotary  # the model's own: its frequencies and scaling

    def forward(self, x: torch.Tensor, position_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inv_freq = self.rotary.inv_freq.to(device=x.device, dtype=torch.float)
        near, far = (position_ids % FAR).float(), (position_ids // FAR).float()
        odd = torch.arange(len(inv_freq), device=x.device) % 2 == 1
        freqs = torch.where(odd, far[..., None], near[..., None]) * inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        scaling = self.rotary.attention_scaling
        return (emb.cos() * scaling).to(x.dtype), (emb.sin() * scaling).to(x.dtype)


def use_two_axes(model) -> None:
    """Give `model` (or the model a LoRA adapter wraps) `TwoAxisRotary` positions."""
    name, rotary = next((n, m) for n, m in model.named_modules() if n.endswith("rotary_emb"))
    if not isinstance(rotary, TwoAxisRotary):
        parent, _, attribute = name.rpartition(".")
        setattr(model.get_submodule(parent), attribute, TwoAxisRotary(rotary))


def check_causal_lm(path: Path) -> None:
    """Raise TrainerError unless `path` is a local folder holding a causal-LM config."""
    path = Path(path)
    if not path.is_dir():
        raise TrainerError(f"{path} is neither a preset ({', '.join(PRESETS)}) nor a model folder")
    try:
        config = AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as error:
        raise TrainerError(f"{path} is not a Hugging Face model folder: {str(error).splitlines()[0]}") from None
    if type(config) not in MODEL_FOR_CAUSAL_LM_MAPPING:
        raise TrainerError(f"{path} holds a {config.model_type!r} model, which is not a causal LM")


def load_tokenizer(path: Path):
    """The tokenizer saved in `path`, with a pad token (EOS when the tokenizer has none)."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError, TypeError) as error:
        raise TrainerError(f"no usable tokenizer in {path}: {str(error).splitlines()[0]}") from None
    if tokenizer.eos_token_id is None:
        raise TrainerError(f"the tokenizer in {path} has no EOS token, so a trained model could not stop")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token  # padded positions carry no loss and no attention
    return tokenizer


def load_causal_lm(path: Path, tokenizer):
    """The pretrained causal LM in `path`, its embeddings grown to the tokenizer if tokens were added."""
    check_causal_lm(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=preferred_dtype())
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tokenizer))
    model.config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def _module_name(model, module) -> str:
    return next(name for name, m in model.named_modules() if m is module).rsplit(".", 1)[-1]


def add_lora(model, *, rank: int, alpha: int, dropout: float, targets: list[str], new_token_ids: list[int]):
    """Wrap `model` with a trainable LoRA adapter; rows of added tokens are trained too."""
    from peft import LoraConfig, get_peft_model

    trainable_tokens = None
    if new_token_ids:
        # Only the new rows are trained (not whole embedding matrices); an untied LM head needs
        # its rows too, or the model could read the new symbols but never write them.
        trainable_tokens = {_module_name(model, model.get_input_embeddings()): new_token_ids}
        output = model.get_output_embeddings()
        if output is not None and output.weight is not model.get_input_embeddings().weight:
            trainable_tokens[_module_name(model, output)] = new_token_ids
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=targets,
        trainable_token_indices=trainable_tokens,
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, config)
    except ValueError as error:
        raise TrainerError(f"cannot attach LoRA to the model: {str(error).splitlines()[0]}") from None


def load_run(folder: Path, trainable: bool = False):
    """(model, tokenizer) of a trained run: a whole model, or its base model plus the LoRA adapter."""
    folder = Path(folder)
    run = RunFile.read(folder)
    tokenizer = load_tokenizer(folder)
    if run.weights == "lora":
        from peft import PeftModel

        base = load_causal_lm(Path(run.base_model), tokenizer)
        model = PeftModel.from_pretrained(base, folder, is_trainable=trainable)
    else:
        check_causal_lm(folder)
        model = AutoModelForCausalLM.from_pretrained(folder)
    if run.positions.two_axes:
        use_two_axes(model)
    return model, tokenizer


def parameter_counts(model) -> tuple[int, int]:
    """(total, trainable) parameters; tied weights count once."""
    params = list(model.parameters())
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)
