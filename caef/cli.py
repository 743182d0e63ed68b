"""`caef` — the command line: one list of commands, each the `add_arguments` and `run` of
the module that implements it. The ML commands' modules import torch only inside `run`, so
building the parser (and `caef check`) stays fast and works without the ML stack.

Every error the toolkit raises on purpose prints as one message on stderr with exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from caef_dsl import __version__
from caef_dsl.errors import CaefError, CheckError

DESCRIPTION = ("Arithmetic operators as Turing machines: write them as .tm files, run and trace "
               "them, compile their traces into training data, train a model to execute them, "
               "and check the model against the interpreter.")

# (command, module, its add-arguments function, its run function returning the exit code, help)
COMMANDS = [
    ("check", "caef_dsl.commands", "add_check_arguments", "run_check",
     "parse and statically check .tm files"),
    ("trace", "caef_dsl.commands", "add_trace_arguments", "run_trace",
     "run a machine and show its trace"),
    ("graph", "caef_dsl.commands", "add_graph_arguments", "run_graph",
     "the state diagram as Graphviz DOT (or Mermaid)"),
    ("cost", "caef_dsl.cost", "add_arguments", "run",
     "steps, calls and executor tokens per problem, by operand length"),
    ("compile", "caef_dsl.compiler.command", "add_arguments", "run",
     "compile machines into training datasets (JSON Lines)"),
    ("train", "trainer.cli", "add_train_arguments", "run_train",
     "train a model (tiny from scratch, or a local checkpoint + LoRA)"),
    ("library", "trainer.library", "add_arguments", "run",
     "train one model that executes every machine (head view, operands of 1-10 digits)"),
    ("solve", "trainer.solve", "add_arguments", "run", "compute an expression with trained models only"),
    ("eval", "trainer.evaluate", "add_arguments", "run",
     "evaluate models against the interpreter, by operand length"),
    ("crosscheck", "trainer.crosscheck", "add_arguments", "run",
     "hypothesis-driven model vs interpreter, shrinking failures"),
]


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="caef", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"caef {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name, add_name, run_name, help_text in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and (e.name == module_name or module_name.startswith(e.name + ".")):
                continue  # the trainer is not installed: the language's commands still work
            raise
        p = sub.add_parser(name, help=help_text, description=help_text)
        getattr(module, add_name)(p)
        p.set_defaults(run=getattr(module, run_name))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
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
