"""`caef` — the command line: one list of commands, each a function that declares its options
and one that runs it. Building the parser imports no ML stack (the trainer's commands import
torch only when they run), so `caef check` stays fast and works without it.

Every error the toolkit raises on purpose prints as one message on stderr with exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from caef_dsl import __version__
from caef_dsl.errors import CaefError, CheckError
from caef_dsl.options import add_machines_option

DESCRIPTION = ("Arithmetic operators as Turing machines: write them as .tm files, run and trace "
               "them, compile their traces into training data, train a model to execute them, "
               "and check the model against the interpreter.")

# (command, "module:function" that declares its options, "module:function" that runs it and
# returns the exit code, help). The run function's module is imported only when the command
# runs: `caef train`'s imports torch.
COMMANDS = [
    ("check", "caef_dsl.commands:add_check_arguments", "caef_dsl.commands:run_check",
     "parse and statically check .tm files"),
    ("trace", "caef_dsl.commands:add_trace_arguments", "caef_dsl.commands:run_trace",
     "run a machine and show its trace"),
    ("graph", "caef_dsl.commands:add_graph_arguments", "caef_dsl.commands:run_graph",
     "the state diagram as Graphviz DOT (or Mermaid)"),
    ("cost", "caef_dsl.cost:add_arguments", "caef_dsl.cost:run",
     "steps, calls and executor tokens per problem, by operand length"),
    ("compile", "caef_dsl.compiler.command:add_arguments", "caef_dsl.compiler.command:run",
     "compile machines into training datasets (JSON Lines)"),
    ("train", "trainer.train_settings:add_arguments", "trainer.train:run",
     "train a model (tiny from scratch, or a local checkpoint + LoRA)"),
    ("library", "trainer.library:add_arguments", "trainer.library:run",
     "train one model that executes every machine and reads and writes their text (head view, operands of 1-10 digits)"),
    ("solve", "trainer.solve:add_arguments", "trainer.solve:run", "compute an expression with trained models only"),
    ("eval", "trainer.evaluate:add_arguments", "trainer.evaluate:run",
     "evaluate models against the interpreter, by operand length"),
    ("crosscheck", "trainer.crosscheck:add_arguments", "trainer.crosscheck:run",
     "hypothesis-driven model vs interpreter, shrinking failures"),
]

# The commands that take a machine: they get `--machines DIR` (caef_dsl/options.py).
TAKE_MACHINES = {"check", "trace", "graph", "cost", "compile", "library", "eval", "crosscheck"}


def _function(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="caef", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"caef {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, add_options, run, help_text in COMMANDS:
        try:
            add = _function(add_options)
        except ModuleNotFoundError as e:
            module = add_options.partition(":")[0]
            if e.name and (e.name == module or module.startswith(e.name + ".")):
                continue  # the trainer is not installed: the language's commands still work
            raise
        p = sub.add_parser(name, help=help_text, description=help_text)
        add(p)
        if name in TAKE_MACHINES:
            add_machines_option(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    from caef_dsl.machine_set import using_folders
    args = build_parser().parse_args(argv)
    try:
        with using_folders(getattr(args, "machine_folders", None)):
            return _function(args.run)(args)
    except CheckError as e:
        print(str(e), file=sys.stderr)
        return 2
    except CaefError as e:
        print(f"caef {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"caef {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
