"""A command's options, declared once: a frozen dataclass is the command's typed settings, and
its fields' metadata the argparse options that fill it.

    @dataclass(frozen=True, kw_only=True)
    class EvalSettings:
        machine: str = option(required=True, metavar="M", help="machine of machines/ or a .tm path")
        n: int = option(10, type=int, help="problems per class")

`add_options(parser, EvalSettings)` declares `--machine` and `--n` with those defaults;
`from_args(EvalSettings, namespace)` builds the settings from a parsed command line; and
`command_line("caef eval", settings)` writes the command line that gives the same settings,
so a program that calls a command as a function (the demo, `caef library`) can show what a user
would type. The defaults live in the dataclass alone.
"""
from __future__ import annotations

import argparse
import dataclasses
import shlex
from typing import Any

_REQUIRED = object()


def option(default: Any = _REQUIRED, *flags: str, group: str | None = None, positional: bool = False,
           exclusive: str | None = None, **argparse_options) -> Any:
    """A settings field and its command-line option. `flags` default to `--field-name`;
    `positional` makes it an argument; fields of one `exclusive` name exclude each other;
    `group` titles an argument group; the rest goes to `add_argument` as it is."""
    metadata = {"flags": flags, "group": group, "positional": positional, "exclusive": exclusive,
                "argparse": argparse_options}
    if default is _REQUIRED:
        return dataclasses.field(metadata=metadata)
    if isinstance(default, list):
        raise TypeError("a list default is shared between instances: give a tuple")
    return dataclasses.field(default=default, metadata=metadata)


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def add_machines_option(parser: argparse.ArgumentParser) -> None:
    """`--machines DIR` (repeatable), declared once for every command that takes a machine: a
    folder of .tm files the calls of a user's machine resolve in, after the files beside it and
    before machines/ (machine_set.py). The command runs within `machine_set.using_folders`."""
    parser.add_argument("--machines", dest="machine_folders", action="append", metavar="DIR",
                        help="a folder of your .tm files that calls resolve in, after the files beside "
                             "the machine's own and before machines/ (repeatable)")


def _flags(field: dataclasses.Field) -> tuple[str, ...]:
    return field.metadata["flags"] or ("--" + field.name.replace("_", "-"),)


def add_options(parser: argparse.ArgumentParser, settings_type: type, groups: dict | None = None) -> None:
    """Declare the options of `settings_type` on `parser` (argument groups by their title;
    `groups` maps a title to a description)."""
    containers: dict[str, Any] = {}
    for field in dataclasses.fields(settings_type):
        meta = field.metadata
        if "flags" not in meta:
            continue
        target = parser
        if meta["group"]:
            if meta["group"] not in containers:
                containers[meta["group"]] = parser.add_argument_group(meta["group"], (groups or {}).get(meta["group"]))
            target = containers[meta["group"]]
        if meta["exclusive"]:
            key = ("exclusive", meta["exclusive"])
            if key not in containers:
                containers[key] = target.add_mutually_exclusive_group()
            target = containers[key]
        kwargs = dict(meta["argparse"])
        if field.default is not dataclasses.MISSING:
            kwargs["default"] = field.default
        if meta["positional"]:
            target.add_argument(field.name, **kwargs)
        else:
            if field.default is dataclasses.MISSING:
                kwargs["required"] = True
            target.add_argument(*_flags(field), dest=field.name, **kwargs)


def from_args(settings_type: type, args: argparse.Namespace):
    """The settings a parsed command line holds (lists become tuples, as the fields declare)."""
    values = {}
    for field in dataclasses.fields(settings_type):
        if "flags" in field.metadata:
            value = getattr(args, field.name)
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return settings_type(**values)


def _words(field: dataclasses.Field, value) -> list[str]:
    """The command-line words that set `field` to `value`."""
    action = field.metadata["argparse"].get("action")
    if action in ("store_true", "store_false"):
        return [_flags(field)[0]] if value == (action == "store_true") else []
    if action is argparse.BooleanOptionalAction:
        flag = _flags(field)[0]
        return [flag if value else "--no-" + flag.removeprefix("--")]
    items = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return items if field.metadata["positional"] else [_flags(field)[0], *items]


def command_line(program: str, settings) -> str:
    """`program` and the arguments that give `settings`, in the fields' order: each positional,
    and each option whose value differs from its default."""
    words = []
    for field in dataclasses.fields(settings):
        if "flags" not in field.metadata:
            continue
        value = getattr(settings, field.name)
        if field.metadata["positional"]:
            words += _words(field, value)
        elif field.default is dataclasses.MISSING or value != field.default:
            if value is not None:
                words += _words(field, value)
    return " ".join([program, *map(shlex.quote, words)])
