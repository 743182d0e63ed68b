"""caef_dsl.options: one dataclass declares a command's settings and its argparse options."""
import argparse
from dataclasses import dataclass
from pathlib import Path

import pytest

from caef_dsl.options import add_options, command_line, from_args, option


@dataclass(frozen=True, kw_only=True)
class Example:
    machines: tuple[str, ...] = option((), positional=True, nargs="*", metavar="MACHINE")
    data: tuple[Path, ...] = option(type=Path, nargs="+", help="folders")
    n: int = option(10, type=int, group="sizes")
    digits: str = option("1-10", exclusive="lengths", group="sizes")
    lengths: str | None = option(None, exclusive="lengths", group="sizes")
    check: bool = option(False, action="store_true")
    memo: bool = option(True, "--no-memo", action="store_false")
    bf16: bool | None = option(None, action=argparse.BooleanOptionalAction)
    epochs: float = option(3.0, "--passes", type=float)


def parse(argv):
    parser = argparse.ArgumentParser(prog="x")
    add_options(parser, Example)
    return from_args(Example, parser.parse_args(argv))


def test_parsed_settings_are_typed_and_take_the_dataclass_defaults():
    settings = parse(["add", "sub", "--data", "a", "b"])
    assert settings == Example(machines=("add", "sub"), data=(Path("a"), Path("b")))
    assert parse(["--data", "a", "--passes", "inf", "--no-bf16", "--check", "--n", "3"]) == Example(
        data=(Path("a"),), epochs=float("inf"), bf16=False, check=True, n=3)


def test_a_required_option_and_exclusive_options_are_enforced_by_the_parser():
    with pytest.raises(SystemExit):
        parse([])  # --data is required: it has no default
    with pytest.raises(SystemExit):
        parse(["--data", "a", "--digits", "1-3", "--lengths", "5"])


def test_the_command_line_of_settings_parses_back_to_them():
    settings = Example(machines=("add",), data=(Path("d 1"),), n=5, lengths="1-10,100", bf16=True,
                       epochs=float("inf"), check=True, memo=False)
    line = command_line("caef x", settings)
    assert line == "caef x add --data 'd 1' --n 5 --lengths 1-10,100 --check --no-memo --bf16 --passes inf"
    assert parse(__import__("shlex").split(line)[2:]) == settings
    assert command_line("caef x", Example(data=(Path("a"),))) == "caef x --data a"


def test_a_list_default_is_refused():
    with pytest.raises(TypeError, match="tuple"):
        option([])
