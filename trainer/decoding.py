"""Greedy decoding for the small models this project trains from scratch, without
`generate`'s overhead.

A `tiny` model costs ~2 MFLOP a token (~30 µs on one core), but one step of Hugging Face's
`generate` costs ~5 ms on this CPU: masks, caches and wrappers rebuilt at every token
(docs/results.md, "Runtime"). `GreedyDecoder` runs the model's own weights — embedding,
rotary tables, final norm and head as its modules; each layer as a few fused operations (q, k
and v in one matrix product, gate and up in another, RoPE on q and k at once) — with the same
scaled-dot-product attention, in one loop over a static KV cache.
`tests/runtime/test_decoding.py` holds its tokens equal to `generate`'s. The fused weights are
copies made once: a model changed after the decoder was made needs a new decoder.

Llama and SmolLM3 (Llama with per-layer RoPE) models with as many key/value heads as heads,
whole (no LoRA adapter); `GreedyDecoder.supports` says whether a model is one. Others use
`generate`.
"""
from __future__ import annotations

import torch
from torch.nn.functional import linear, scaled_dot_product_attention, silu
from transformers import LlamaForCausalLM, SmolLM3ForCausalLM


class GreedyDecoder:
    def __init__(self, model):
        if not self.supports(model):
            raise ValueError(f"no lean decoder for {type(model).__name__}")
        self.model = model
        config = model.config
        first = model.model.layers[0]
        self.heads, self.head_dim = config.num_attention_heads, first.self_attn.head_dim
        self.scaling, self.eps = first.self_attn.scaling, first.input_layernorm.variance_epsilon
        flags = getattr(config, "no_rope_layers", None)  # SmolLM3: 1 where a layer uses RoPE
        # Per layer, the weights as the loop uses them: q, k and v in one matrix, gate and up
        # in one (each output column is the same dot product as in the separate matrices).
        self.layers = []
        for i, layer in enumerate(model.model.layers):
            a, mlp = layer.self_attn, layer.mlp
            self.layers.append((
                layer.input_layernorm.weight, torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight]),
                a.o_proj.weight, layer.post_attention_layernorm.weight,
                torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight]), mlp.down_proj.weight,
                bool(flags[i]) if flags is not None else True))

    @staticmethod
    def supports(model) -> bool:
        config = getattr(model, "config", None)
        return (type(model) in (LlamaForCausalLM, SmolLM3ForCausalLM)
                and config.num_key_value_heads == config.num_attention_heads
                and not config.attention_bias and not getattr(config, "mlp_bias", False)
                and config.hidden_act == "silu"
                and not getattr(config, "use_sliding_window", False)
                and getattr(config, "pretraining_tp", 1) == 1)

    @torch.inference_mode()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, max_new_tokens: int,
                 eos_token_id: int) -> list[list[int]]:
        """Greedy continuations of a left-padded batch: per row, the tokens up to and including
        the first EOS, or `max_new_tokens` tokens without one."""
        batch, width = input_ids.shape
        device = input_ids.device
        length = width + max_new_tokens
        dtype = self.model.model.embed_tokens.weight.dtype
        # keys and values of each layer, side by side: one write per layer and step
        cache = [torch.zeros(2, batch, self.heads, length, self.head_dim, dtype=dtype, device=device)
                 for _ in self.layers]
        # Positions as `generate` numbers them: from 0 at each row's first real token.
        positions = (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 1)
        keys = torch.zeros(batch, length, dtype=torch.bool, device=device)  # which cache slots hold real tokens
        keys[:, :width] = attention_mask.bool()
        causal = torch.ones(width, width, dtype=torch.bool, device=device).tril()
        mask = (causal[None] & keys[:, None, :width])[:, None]
        token = self._step(input_ids, positions, cache, 0, mask)
        out = torch.empty(batch, max_new_tokens, dtype=torch.long, device=device)
        done = torch.zeros(batch, dtype=torch.bool, device=device)
        position = positions[:, -1:]
        for t in range(max_new_tokens):
            out[:, t] = token
            done |= token == eos_token_id
            if bool(done.all()) or t + 1 == max_new_tokens:
                break
            position = position + 1
            keys[:, width + t] = True
            token = self._step(token[:, None], position, cache, width + t, keys[:, None, None, :width + t + 1])
        rows = []
        for row in out[:, :t + 1].tolist():
            rows.append(row[:row.index(eos_token_id) + 1] if eos_token_id in row else row)
        return rows

    def _norm(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """LlamaRMSNorm (fp32 weights: its casts are no-ops)."""
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def _step(self, ids: torch.Tensor, positions: torch.Tensor, cache: list, start: int,
              mask: torch.Tensor) -> torch.Tensor:
        """Run `ids` (written from cache slot `start` on) through the model; the argmax token
        after the last one of each row."""
        model = self.model.model
        batch, count = ids.shape
        hidden = model.embed_tokens(ids)
        cos, sin = model.rotary_emb(hidden, positions)
        cos, sin = cos[None, :, None], sin[None, :, None]  # over (q, k) and heads
        half = self.head_dim // 2
        end = start + count
        for (norm1, qkv_w, o_w, norm2, gate_up_w, down_w, rope), kv in zip(self.layers, cache):
            qkv = linear(self._norm(hidden, norm1), qkv_w).view(batch, count, 3, self.heads, self.head_dim)
            qkv = qkv.permute(2, 0, 3, 1, 4)  # (q k v, batch, heads, tokens, dim)
            qk = qkv[:2]
            if rope:  # apply_rotary_pos_emb on q and k at once
                rotated = torch.cat((-qk[..., half:], qk[..., :half]), dim=-1)
                qk = qk * cos + rotated * sin
            kv[0, :, :, start:end] = qk[1]
            kv[1, :, :, start:end] = qkv[2]
            a = scaled_dot_product_attention(qk[0], kv[0, :, :, :end], kv[1, :, :, :end], attn_mask=mask,
                                             scale=self.scaling)
            hidden = hidden + linear(a.transpose(1, 2).reshape(batch, count, -1), o_w)
            gate, up = linear(self._norm(hidden, norm2), gate_up_w).chunk(2, dim=-1)
            hidden = hidden + linear(silu(gate) * up, down_w)
        logits = self.model.lm_head(model.norm(hidden[:, -1]))
        return logits.argmax(-1)
