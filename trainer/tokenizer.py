"""Word-level tokenizer for trace text: one token per symbol, every space and newline its own token.

A leading space folded into the next symbol (` [HEAD1]` vs `[HEAD1]`) made the first step of a
trace look unlike every other one (notes/first-measurements.md), so whitespace is never merged.
Decoding concatenates the tokens, so `decode(encode(text)) == text` for any text over the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

from caef_dsl.tokens import TOKEN_PATTERN, alphabet_of

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD, BOS, EOS, UNK)

# Bracket markers ([HEAD1], [OUTPUT], [CALL]), tape cells (|7), words (CMD, RIGHT, q0, qH, HEAD1), single digits,
# single whitespace characters, and any other single character (| , : ^ _ ...): the one
# definition of a symbol, shared with `caef compile` (alphabets) and `caef cost` (token counts).
SYMBOL_PATTERN = TOKEN_PATTERN


def _pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    return pre_tokenizers.Split(Regex(SYMBOL_PATTERN), behavior="isolated")


def split_symbols(text: str) -> list[str]:
    """The symbols `text` is cut into, in order (the tokens it encodes to, before vocabulary lookup)."""
    return [piece for piece, _ in _pre_tokenizer().pre_tokenize_str(text)]


def build_tokenizer(symbols: Iterable[str]):
    """A `PreTrainedTokenizerFast` whose vocabulary is the special tokens then `symbols`, sorted.

    Each entry of `symbols` is cut into its tokens first (`caef_dsl.tokens.alphabet_of`), so an
    alphabet entry such as `CMD:` contributes `CMD` and `:`.
    """
    from transformers import PreTrainedTokenizerFast

    vocab_symbols = sorted(alphabet_of(symbols) - set(SPECIAL_TOKENS))
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *vocab_symbols])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    backend.pre_tokenizer = _pre_tokenizer()
    backend.decoder = decoders.Fuse()  # concatenate: no space is ever inserted between tokens
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD,
        bos_token=BOS,
        eos_token=EOS,
        unk_token=UNK,
        clean_up_tokenization_spaces=False,
        model_input_names=["input_ids", "attention_mask"],
    )


def missing_symbols(tokenizer, symbols: Iterable[str]) -> list[str]:
    """The symbols `tokenizer` cannot encode: their encoding is empty or holds the unknown token."""
    unk = tokenizer.unk_token_id
    missing = []
    for symbol in sorted(set(symbols)):
        ids = tokenizer.encode(symbol, add_special_tokens=False)
        if not ids or (unk is not None and unk in ids):
            missing.append(symbol)
    return missing


def symbols_to_add(tokenizer, symbols: Iterable[str]) -> list[str]:
    """Trace symbols a base tokenizer does not hold as one token (whitespace excluded).

    Whitespace stays with the base tokenizer: as added tokens, spaces would cut its own
    pre-tokenization (byte-level or sentencepiece) into pieces it was never trained on.
    """
    unk = tokenizer.unk_token_id
    to_add = []
    for symbol in sorted(set(symbols)):
        ids = tokenizer.encode(symbol, add_special_tokens=False)
        if not symbol.isspace() and (len(ids) != 1 or ids[0] == unk):
            to_add.append(symbol)
    return to_add
