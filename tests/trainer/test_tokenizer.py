"""The word-level tokenizer: one token per symbol, whitespace never folded, exact round trip."""

from hypothesis import given, settings
from hypothesis import strategies as st

from support import GOLDEN, OPERATORS, golden_records
from caef_dsl.tokens import alphabet_of
from trainer.tokenizer import EOS, build_tokenizer, split_symbols

ALPHABET = ["[HEAD1]", "[HEAD2]", "[OUTPUT]", "[C]", "[CALL]", "|", *(f"|{d}" for d in range(10)), ",", ":", " ", "\n", *"0123456789",
            "CMD", "RIGHT", "LEFT", "True", "False", "ADD", "q0", "q1", "qH", "No", "command", "."]
TOKENIZER = build_tokenizer(ALPHABET)


def test_every_symbol_is_one_token():
    line = "ADD, q1,  |5[HEAD1]|4 |7[HEAD2]|6 [C]1 |2[OUTPUT]\nCMD: [C] 1, [OUTPUT] RIGHT, q1"
    tokens = TOKENIZER.convert_ids_to_tokens(TOKENIZER.encode(line))
    assert tokens[:10] == ["ADD", ",", " ", "q1", ",", " ", " ", "|5", "[HEAD1]", "|4"]
    assert "\n" in tokens and "CMD" in tokens and ":" in tokens
    assert TOKENIZER.unk_token_id not in TOKENIZER.encode(line)


def test_alphabet_entries_are_cut_into_symbols():
    assert split_symbols("CMD:") == ["CMD", ":"]
    assert "CMD:" not in build_tokenizer(["CMD:"]).get_vocab()


WORDS = [s for s in ALPHABET if s[0].isalpha()]
OTHERS = [s for s in ALPHABET if not s[0].isalpha()]
SEPARATORS = [s for s in OTHERS if not s.isdigit()]
# In trace text a word (CMD, q1) is followed by a separator; glued to the next word or digit it
# would be another word ("q1" + "5" is "q15"), so the strategy never glues them.
PIECES = st.one_of(st.sampled_from(OTHERS), st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)).map("".join))


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_round_trip_over_alphabet_strings(text):
    ids = TOKENIZER.encode(text)
    assert TOKENIZER.unk_token_id not in ids
    assert len(ids) == len(split_symbols(text))
    assert TOKENIZER.decode(ids) == text


def test_round_trip_over_every_golden_step():
    assert sorted(p.stem for p in GOLDEN.glob("*.jsonl")) == sorted(OPERATORS)
    texts = [part for op in OPERATORS for case in golden_records(op) for step in case["steps"] for part in step]
    tokenizer = build_tokenizer(alphabet_of(texts))
    for text in texts:
        ids = tokenizer.encode(text)
        assert tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids) == text


def test_saved_tokenizer_reloads_identically(tmp_path):
    from transformers import AutoTokenizer

    TOKENIZER.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    text = "ADD, q0, [HEAD1] |0[HEAD2] |7 [C] [OUTPUT]\n"
    assert reloaded.encode(text) == TOKENIZER.encode(text)
    assert reloaded.decode(reloaded.encode(text) + [reloaded.eos_token_id], skip_special_tokens=True) == text
    assert reloaded.eos_token == EOS and reloaded.pad_token_id is not None


def test_the_tokenizer_splits_text_into_the_alphabet_the_compiler_lists():
    """One definition of a symbol: the tokenizer's pre-tokenizer cuts a trace into exactly the
    tokens `alphabet_of` (the compiler's manifests, `caef cost`) finds in it."""
    from caef_dsl import trace
    texts = [line for pair in trace("long_mul", 907, 86).steps for line in pair] + ["CMD:", "x = 1\n"]
    assert {token for text in texts for token in split_symbols(text)} == alphabet_of(texts)
