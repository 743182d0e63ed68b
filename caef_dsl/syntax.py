"""Text → AST: parses .tm source with the lark grammar (`grammar.lark`, LALR, strict) and
turns the parse tree into the dataclasses of `ast.py`, keeping source positions."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import lark
from lark import Token, Transformer, v_args

from . import ast
from .errors import Diagnostic, TmSyntaxError, source_line

GRAMMAR = Path(__file__).with_name("grammar.lark")

# What a user calls the terminals in an "expected …" message.
TERMINAL_NAMES = {
    "NAME": "a name", "INT": "a number", "STRING": "a quoted string", "_NL": "end of line",
    "COLON": "':'", "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "SEMICOLON": "';'",
    "COMPARE": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*', '//' or '%'",
    "DIRECTION": "'left' or 'right'", "$END": "end of file",
}


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(GRAMMAR.read_text(), parser="lalr", strict=True, propagate_positions=True,
                     maybe_placeholders=True)


def _pos(meta_or_token) -> ast.Pos:
    return ast.Pos(getattr(meta_or_token, "line", 0) or 0, getattr(meta_or_token, "column", 0) or 0)


def _unquote(token: str) -> str:
    body = token[1:-1]
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in body else body


@v_args(meta=True)
class _ToAst(Transformer):
    def __init__(self, path: str, source: str):
        super().__init__()
        self.path, self.source = path, source

    # -- expressions
    def int_literal(self, meta, c):
        return ast.Int(int(c[0]), _pos(c[0]))

    def true_literal(self, meta, c):
        return ast.Bool(True, _pos(meta))

    def false_literal(self, meta, c):
        return ast.Bool(False, _pos(meta))

    def name_ref(self, meta, c):
        return ast.Name(str(c[0]), _pos(c[0]))

    def function_call(self, meta, c):
        return ast.Function(str(c[0]), tuple(c[1] or ()), _pos(c[0]))

    def args(self, meta, c):
        return list(c)

    def neg(self, meta, c):
        return ast.Neg(c[0], _pos(meta))

    def not_op(self, meta, c):
        return ast.Not(c[0], _pos(meta))

    def _chain(self, meta, c):
        expr = c[0]
        for op, right in zip(c[1::2], c[2::2]):
            expr = ast.Binary(str(op), expr, right, _pos(meta))
        return expr

    sum = product = comparison = _chain

    def or_expr(self, meta, c):
        return ast.Logic("or", tuple(c), _pos(meta))

    def and_expr(self, meta, c):
        return ast.Logic("and", tuple(c), _pos(meta))

    # -- patterns and actions
    def bind_pattern(self, meta, c):
        return ("bind", str(c[0]))

    def digit_pattern(self, meta, c):
        value = int(c[0])
        if value > 9:
            self._fail(c[0], f"a head reads one digit; {c[0]} is not a digit")
        return ("digit", value)

    def blank_pattern(self, meta, c):
        return ("blank", None)

    def start_pattern(self, meta, c):
        return ("start", None)

    def any_pattern(self, meta, c):
        return ("any", None)

    def pattern(self, meta, c):
        kind, value = c[1]
        return ast.Pattern(str(c[0]), kind, value, _pos(c[0]))

    def patterns(self, meta, c):
        return tuple(c)

    def let_action(self, meta, c):
        return ast.Let(str(c[0]), c[1], _pos(meta))

    def assign_action(self, meta, c):
        return ast.Assign(str(c[0]), c[1], _pos(meta))

    def put_action(self, meta, c):
        return ast.Put(c[0], str(c[1]), _pos(meta))

    def move_action(self, meta, c):
        return ast.Move(str(c[0]), str(c[1]), _pos(meta))

    def finish_action(self, meta, c):
        return ast.Finish(str(c[0]), _pos(meta))

    def call_action(self, meta, c):
        return ast.CallMachine(str(c[0]), tuple(c[1] or ()), str(c[2]), _pos(meta))

    def goto_action(self, meta, c):
        return ast.Goto(str(c[0]), c[1], str(c[2]) if c[2] is not None else None, _pos(meta))

    def actions(self, meta, c):
        return tuple(c)

    def rule(self, meta, c):
        return ast.Rule(str(c[0]), c[1] or (), c[2], c[3], _pos(c[0]))

    # -- rendering
    def render_text(self, meta, c):
        return ast.Text(_unquote(c[0]), _pos(c[0]))

    def render_name(self, meta, c):
        return ast.Ref(str(c[0]), None, None, _pos(c[0]))

    def render_view(self, meta, c):
        return ast.Ref(str(c[1]), str(c[0]), None, _pos(c[0]))

    def render_fallback(self, meta, c):
        ref = c[0]
        return ast.Ref(ref.name, ref.view, _unquote(c[1]), ref.pos)

    def render_state(self, meta, c):
        return ast.StateName(_pos(meta))

    def render(self, meta, c):
        states = tuple(str(t) for t in c if isinstance(t, Token) and t.type == "NAME")
        return ast.Render(states, tuple(i for i in c if not isinstance(i, Token)), _pos(c[0]))

    # -- declarations
    def head_decl(self, meta, c):
        return ast.Head(str(c[0]), str(c[1]), _pos(c[0]))

    def register_decl(self, meta, c):
        domain = (int(c[1]), int(c[2])) if c[1] is not None else None
        return ast.Register(str(c[0]), domain, _pos(c[0]))

    def output_decl(self, meta, c):
        return ast.Output(str(c[0]), _pos(c[0]))

    def result_decl(self, meta, c):
        return ("result", str(c[0]), _pos(c[0]))

    def start_decl(self, meta, c):
        return ("start", str(c[0]), _pos(c[0]))

    def halt_decl(self, meta, c):
        return ("halt", str(c[0]), _pos(c[0]))

    def command_decl(self, meta, c):
        return ("command_prefix", _unquote(c[0]), _pos(c[0]))

    def require_decl(self, meta, c):
        return ast.Require(c[0], _unquote(c[1]), _pos(meta))

    def operands(self, meta, c):
        return tuple(str(t) for t in c)

    def machine(self, meta, c):
        name, operands, items = str(c[0]), c[1] or (), c[2:]
        parts: dict[str, list] = {"heads": [], "registers": [], "outputs": [], "requires": [],
                                  "rules": [], "renders": []}
        single: dict[str, object] = {}
        decl_pos: list[tuple[str, ast.Pos]] = []
        kinds = {ast.Head: "heads", ast.Register: "registers", ast.Output: "outputs",
                 ast.Require: "requires", ast.Rule: "rules", ast.Render: "renders"}
        for item in items:
            if isinstance(item, tuple):
                key, value, pos = item
                if key in single:
                    self._fail(pos, f"'{key.replace('_', ' ')}' is declared twice in {name}")
                single[key] = value
                decl_pos.append((key, pos))
            else:
                parts[kinds[type(item)]].append(item)
        return ast.Machine(
            name=name, operands=operands,
            **{k: tuple(v) for k, v in parts.items()},
            result=single.get("result"), start=single.get("start"), halt=single.get("halt"),
            command_prefix=single.get("command_prefix"),
            path=self.path, source=self.source, pos=_pos(c[0]), decl_pos=tuple(decl_pos))

    def start(self, meta, c):
        return list(c)

    def _fail(self, where, message: str):
        pos = where if isinstance(where, ast.Pos) else _pos(where)
        raise TmSyntaxError(Diagnostic(self.path, pos.line, pos.column, message,
                                       source_line(self.source, pos.line)))


def _describe_expected(expected) -> str:
    names = sorted({TERMINAL_NAMES.get(t, repr(t.lower()) if t.isupper() else t) for t in expected})
    return ", ".join(names[:8]) + (", …" if len(names) > 8 else "")


def parse(source: str, path: str = "<string>") -> list[ast.Machine]:
    """Parse .tm source text into machines. Raises TmSyntaxError with a positioned message."""
    if not isinstance(source, str):
        raise TypeError(f"parse() takes the source text as str, not {type(source).__name__}")
    text = source if source.endswith("\n") else source + "\n"
    try:
        tree = _parser().parse(text)
    except lark.exceptions.UnexpectedToken as e:
        got = "end of file" if e.token.type == "$END" else repr(str(e.token).strip() or "end of line")
        message = f"unexpected {got}; expected {_describe_expected(e.expected)}"
        raise TmSyntaxError(Diagnostic(path, e.line, e.column, message, source_line(text, e.line))) from None
    except lark.exceptions.UnexpectedCharacters as e:
        message = f"unexpected character {text[e.pos_in_stream]!r}"
        raise TmSyntaxError(Diagnostic(path, e.line, e.column, message, source_line(text, e.line))) from None
    except lark.exceptions.UnexpectedEOF:
        lines = text.splitlines()
        raise TmSyntaxError(Diagnostic(path, len(lines), len(lines[-1]) + 1 if lines else 1,
                                       "unexpected end of file")) from None
    try:
        return _ToAst(path, source).transform(tree)
    except lark.exceptions.VisitError as e:
        if isinstance(e.orig_exc, TmSyntaxError):
            raise e.orig_exc from None
        raise


def parse_file(path: str | Path) -> list[ast.Machine]:
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TmSyntaxError(Diagnostic(str(path), 1, 1, f"not UTF-8 text ({e.reason})")) from None
    return parse(source, str(path))
