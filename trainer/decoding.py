"""Greedy decoding for the small models this project trains from scratch, without
`generate`'s overhead, and with drafts checked in one pass.

A `tiny` model costs ~2 MFLOP a token (~30 µs on one core), but one step of Hugging Face's
`generate` costs ~5 ms on this CPU: masks, caches and wrappers rebuilt at every token
(docs/results.md, "Runtime"). `GreedyDecoder` runs the model's own weights — embedding,
rotary tables, final norm and head as its modules; each layer as a few fused operations (q, k
and v in one matrix product, gate and up in another, RoPE on q and k at once) — with the same
scaled-dot-product attention, over a static KV cache.

Drafts. A caller may guess each row's completion (the runtime guesses the last completion
the model wrote for the same machine and state). A round feeds the last token written and the
rest of the guess together; the model's argmax after each fed token says how much of the guess
it would have written itself: that part is kept, the model's own token replaces the first wrong
one, and the guess goes on after it (most wrong tokens are one digit for another; a guess that
gets nothing right in a round is dropped). A command
two digits off its guess costs three passes instead of thirty. Only the model's argmaxes are
ever written, so the output is greedy decoding's, draft or not (speculative decoding with a
greedy check); `tests/runtime/test_decoding.py` holds it token for token against `generate`.

Llama and SmolLM3 (Llama with per-layer RoPE) models with as many key/value heads as heads,
whole (no LoRA adapter); `GreedyDecoder.supports` says whether a model is one. Others use
`generate`. The fused weights are copies made once: a model changed after the decoder was made
needs a new decoder.
"""
from __future__ import annotations

import torch
from torch.nn.functional import linear, scaled_dot_product_attention, silu
from transformers import LlamaForCausalLM, SmolLM3ForCausalLM

from trainer.positions import WrittenPositions


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
                 eos_token_id: int, drafts: list[list[int]] | None = None,
                 positions: list[torch.Tensor] | None = None,
                 written_positions: list[WrittenPositions] | None = None) -> list[list[int]]:
        """Greedy continuations of a left-padded batch: per row, the tokens up to and including
        the first EOS, or `max_new_tokens` tokens without one. `drafts`: a guess per row.
        `positions`: per row, the position ids of its tokens from its first real one on (default
        0, 1, 2, …); tokens past the end of a row's ids go on at their mean spacing, or, with
        `written_positions`, the completion's take theirs as they are written."""
        batch, width = input_ids.shape
        device = input_ids.device
        pending = [list(d[:max_new_tokens]) for d in drafts] if drafts else [[] for _ in range(batch)]
        longest = max(map(len, pending))
        dtype = self.model.model.embed_tokens.weight.dtype
        start = _left_padding(attention_mask)
        # Room for every slot a round writes: a row's padding past its own feed included (round 0
        # pads the feeds of a left-padded batch to the longest one, from each row's `start`).
        capacity = width + longest + max(max_new_tokens + longest + 2, max(start))
        # keys and values of each layer side by side; a row's real tokens are contiguous from
        # its first prompt token (`start`) up to `end`, and a round writes from `end` on
        cache = [torch.zeros(2, batch, self.heads, capacity, self.head_dim, dtype=dtype, device=device)
                 for _ in self.layers]
        table = torch.stack([_position_table(p, capacity) for p in positions]).to(device) if positions else \
            torch.arange(capacity, device=device).expand(batch, capacity)
        # Round 0: each prompt and its guess. Later rounds: the last token written, and the rest
        # of the guess. `written` holds each row's output; `last` its token not yet in the cache.
        feed = [row.tolist()[s:] + p for row, s, p in zip(input_ids, start, pending)]
        slots = start
        if written_positions:
            for i in range(batch):
                self._place(table, i, width - start[i], written_positions[i].guess(pending[i]))
        written: list[list[int]] = [[] for _ in range(batch)]
        done = [False] * batch
        while True:
            predicted = self._round(feed, slots, start, cache, table)
            next_feed, next_slots = [], []
            for i in range(batch):
                guess = pending[i]
                own = predicted[i][len(feed[i]) - len(guess) - 1:]  # after the last token and each guessed one
                kept = 0
                while kept < len(guess) and guess[kept] == own[kept] and guess[kept] != eos_token_id:
                    kept += 1
                if kept < len(guess) and guess[kept] == own[kept]:  # the guess's EOS, confirmed
                    kept += 1
                    new = guess[:kept]
                else:
                    new = guess[:kept] + [own[kept]]
                if written_positions:  # the tokens kept, then the guess fed with them
                    kept_at = slots[i] - start[i] + len(feed[i]) - len(guess)
                    self._place(table, i, kept_at, written_positions[i].accept(new))
                    self._place(table, i, kept_at + len(new), written_positions[i].guess(guess[kept + 1:]))
                if not done[i]:
                    written[i] += new
                    if eos_token_id in new or len(written[i]) >= max_new_tokens:
                        done[i] = True
                # Go on after the first wrong guess (most are one token for another), unless none
                # of it was right: then the guess is out of step, and is dropped.
                pending[i] = guess[kept + 1:] if kept or not guess else []
                next_slots.append(slots[i] + len(feed[i]) - len(guess) + kept)
                next_feed.append([new[-1]] + pending[i])
            if all(done):
                break
            feed, slots = next_feed, next_slots
        return [row[:row.index(eos_token_id) + 1] if eos_token_id in row else row[:max_new_tokens]
                for row in written]

    @staticmethod
    def _place(table: torch.Tensor, row: int, at: int, positions: list[int]) -> None:
        """Write `positions` into the row's position ids from its `at`-th real token on."""
        end = min(at + len(positions), table.shape[1])
        if end > at:
            table[row, at:end] = torch.tensor(positions[:end - at], device=table.device)

    def _round(self, feed: list[list[int]], slots: list[int], start: list[int], cache: list,
               table: torch.Tensor) -> list[list[int]]:
        """Write each row's `feed` into the cache from slot `slots[i]` on (its real tokens
        start at `start[i]`; `table` holds their position ids) and return the argmax after
        each fed token."""
        batch, count = len(feed), max(map(len, feed))
        device = cache[0].device
        ids = torch.tensor([f + [0] * (count - len(f)) for f in feed], device=device)
        first = torch.tensor(slots, device=device)[:, None]
        where = first + torch.arange(count, device=device)  # [batch, count] cache slots
        positions = table.gather(1, where - torch.tensor(start, device=device)[:, None])
        width = int(where.max()) + 1
        keys = torch.arange(width, device=device)
        # a fed token sees the row's real tokens up to itself
        mask = ((keys >= torch.tensor(start, device=device)[:, None, None]) & (keys <= where[:, :, None]))[:, None]
        top = self._forward(ids, positions, where, cache, width, mask)
        return [row[:len(f)] for row, f in zip(top.tolist(), feed)]

    def _norm(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """LlamaRMSNorm (fp32 weights: its casts are no-ops)."""
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def _forward(self, ids: torch.Tensor, positions: torch.Tensor, where: torch.Tensor, cache: list,
                 width: int, mask: torch.Tensor) -> torch.Tensor:
        """Run `ids` through the model, their keys and values written at cache slots `where`;
        the argmax token after each of them."""
        model = self.model.model
        batch, count = ids.shape
        hidden = model.embed_tokens(ids)
        cos, sin = model.rotary_emb(hidden, positions)
        cos, sin = cos[None, :, None], sin[None, :, None]  # over (q, k) and heads
        half = self.head_dim // 2
        index = where[None, :, None, :, None].expand(2, batch, self.heads, count, self.head_dim)
        for (norm1, qkv_w, o_w, norm2, gate_up_w, down_w, rope), kv in zip(self.layers, cache):
            qkv = linear(self._norm(hidden, norm1), qkv_w).view(batch, count, 3, self.heads, self.head_dim)
            qkv = qkv.permute(2, 0, 3, 1, 4)  # (q k v, batch, heads, tokens, dim)
            q, kv_new = qkv[0], qkv[1:]
            if rope:  # apply_rotary_pos_emb on q and k at once
                qk = qkv[:2]
                qk = qk * cos + torch.cat((-qk[..., half:], qk[..., :half]), dim=-1) * sin
                q, kv_new = qk[0], torch.stack((qk[1], qkv[2]))
            kv.scatter_(3, index, kv_new)
            a = scaled_dot_product_attention(q, kv[0, :, :, :width], kv[1, :, :, :width], attn_mask=mask,
                                             scale=self.scaling)
            hidden = hidden + linear(a.transpose(1, 2).reshape(batch, count, -1), o_w)
            gate, up = linear(self._norm(hidden, norm2), gate_up_w).chunk(2, dim=-1)
            hidden = hidden + linear(silu(gate) * up, down_w)
        return self.model.lm_head(model.norm(hidden)).argmax(-1)


@torch.inference_mode()
def generate_at_positions(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, max_new_tokens: int,
                          eos_token_id: int, positions: list[torch.Tensor],
                          written_positions: list[WrittenPositions] | None = None) -> list[list[int]]:
    """`GreedyDecoder.generate` with `positions` (and `written_positions`), for any causal LM (a
    LoRA adapter, a model the lean decoder does not support): Hugging Face's forward pass with a
    KV cache, one token a step. `generate` cannot take per-row position ids for the tokens it writes."""
    batch, width = input_ids.shape
    start = _left_padding(attention_mask)
    table = torch.stack([_position_table(p, width + max_new_tokens) for p in positions])
    # a left-padded row's token at column c is its (c - start)-th real one; pads get 0 (masked)
    columns = torch.arange(width + max_new_tokens)[None, :] - torch.tensor(start)[:, None]
    position_ids = table.gather(1, columns.clamp(min=0)).to(input_ids.device)
    # An explicit mask: without one, transformers reads position ids that do not step by 1 as
    # packed sequences and lets each token attend to itself only.
    mask, ids, cache = attention_mask, input_ids, None
    written = torch.empty(batch, 0, dtype=torch.long, device=input_ids.device)
    done = torch.zeros(batch, dtype=torch.bool, device=input_ids.device)
    for step in range(max_new_tokens):
        at = width + step
        out = model(input_ids=ids, attention_mask=mask, position_ids=position_ids[:, at - ids.shape[1]:at],
                    cache=cache, use_cache=True)
        cache, token = out.cache, out.logits[:, -1].argmax(-1)
        written = torch.cat([written, token[:, None]], dim=1)
        done |= token == eos_token_id
        if done.all():
            break
        ids, mask = token[:, None], torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        if written_positions:
            position_ids[:, at] = torch.tensor([w.accept([t])[0] for w, t in zip(written_positions, token.tolist())])
    return written.tolist()


def _position_table(positions: torch.Tensor, size: int) -> torch.Tensor:
    """`positions` cut, or continued at their mean spacing (0, 1, 2, … at 1), to `size` ids."""
    spacing = max(1, round(float(positions[-1] - positions[0]) / max(1, len(positions) - 1)))
    tail = positions[-1] + spacing * torch.arange(1, max(0, size - len(positions)) + 1)
    return torch.cat([positions, tail])[:size]


def _left_padding(attention_mask: torch.Tensor) -> list[int]:
    """Per row of a left-padded batch, the column of its first real token."""
    return (attention_mask.shape[1] - attention_mask.long().sum(-1)).tolist()
