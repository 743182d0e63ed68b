"""Text → AST: parses .tm source with the lark grammar (`grammar.lark`, LALR, strict) and
turns the parse tree into the dataclasses of `ast.py`, keeping source positions."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import lark
from lark import Token, Transformer, v_args

from . import ast
from .errors import Diagnostic, TmSyntaxError, source_line

GRAMMAR = Path(__file__).with_name("grammar.lark")

# The terminals whose pattern is a class of words, not literal text: what a user calls them.
# Every other terminal is spelled from its pattern in the grammar (`_spellings`).
TERMINAL_CLASSES = {"NAME": "a name", "INT": "a number", "STRING": "a quoted string",
                    "_NL": "end of line", "$END": "end of file"}
MAX_EXPECTED = 10  # an "expected …" list longer than this ends with "…"
MAX_ERRORS = 50    # syntax errors reported for one file at most

@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(GRAMMAR.read_text(), parser="lalr", strict=True, propagate_positions=True,
                     maybe_placeholders=True)


def _pos(meta_or_token) -> ast.Pos:
    return ast.Pos(getattr(meta_or_token, "line", 0) or 0, getattr(meta_or_token, "column", 0) or 0)




@v_args(meta=True)
class _ToAst(Transformer):
    def __init__(self, path: str, source: str):
        super().__init__()
        self.path, self.source = path, source
        self.problems: list[Diagnostic] = []  # every one is reported, after the whole tree

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

    def characters_pattern(self, meta, c):
        chars = self._unquote(c[0])
        wrong = sorted(set(chars) - set(ast.TEXT_CHARACTERS))
        if not chars or wrong:
            self._fail(c[0], f"a quoted pattern lists characters of a text tape "
                             f"({''.join(ast.TEXT_CHARACTERS)}), not {''.join(wrong) or 'nothing'}")
        return ("characters", chars)

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
        return ast.Text(self._unquote(c[0]), _pos(c[0]))

    def render_name(self, meta, c):
        return ast.Ref(str(c[0]), None, None, _pos(c[0]))

    def render_view(self, meta, c):
        return ast.Ref(str(c[1]), str(c[0]), None, _pos(c[0]))

    def render_fallback(self, meta, c):
        ref = c[0]
        return ast.Ref(ref.name, ref.view, self._unquote(c[1]), ref.pos)

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

    def text_decl(self, meta, c):
        return ast.TextTape(str(c[0]), _pos(c[0]))

    def result_decl(self, meta, c):
        return ("result", str(c[0]), _pos(c[0]))

    def start_decl(self, meta, c):
        return ("start", str(c[0]), _pos(c[0]))

    def halt_decl(self, meta, c):
        return ("halt", str(c[0]), _pos(c[0]))

    def command_decl(self, meta, c):
        return ("command_prefix", self._unquote(c[0]), _pos(c[0]))

    def require_decl(self, meta, c):
        return ast.Require(c[0], self._unquote(c[1]), _pos(meta))

    def sample_decl(self, meta, c):
        return ast.Sample(c[0], _pos(meta))

    def operands(self, meta, c):
        return tuple(str(t) for t in c)

    def machine(self, meta, c):
        name, operands, items = str(c[0]), c[1] or (), c[2:]
        parts: dict[str, list] = {"heads": [], "registers": [], "outputs": [], "requires": [],
                                  "samples": [], "texts": [], "rules": [], "renders": []}
        single: dict[str, object] = {}
        decl_pos: list[tuple[str, ast.Pos]] = []
        kinds = {ast.Head: "heads", ast.Register: "registers", ast.Output: "outputs",
                 ast.Require: "requires", ast.Sample: "samples", ast.TextTape: "texts", ast.Rule: "rules",
                 ast.Render: "renders"}
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

    def _unquote(self, token) -> str:
        body = token[1:-1]
        if "\\" not in body:
            return body
        try:
            return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
        except UnicodeDecodeError as e:
            self._fail(token, f"a quoted string has a bad escape ({e.reason})")
            return body

    def _fail(self, where, message: str):
        pos = where if isinstance(where, ast.Pos) else _pos(where)
        self.problems.append(Diagnostic(self.path, pos.line, pos.column, message,
                                        source_line(self.source, pos.line)))


_ALTERNATIVES = re.compile(r"\(\?:((?:[^()|\\]|\\.)+(?:\|(?:[^()|\\]|\\.)+)*)\)")


def _unescape(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


@lru_cache(maxsize=1)
def _spellings() -> dict[str, list[str]]:
    """Each terminal as the language writes it, in the grammar's order: a literal as itself
    ('->'), an alternation of literals as its alternatives ('==', '!=', …), a class of words
    by TERMINAL_CLASSES; anything else as its pattern's text, never the terminal's name."""
    spellings = {}
    for terminal in _parser().terminals:
        pattern = terminal.pattern
        if terminal.name in TERMINAL_CLASSES:
            spellings[terminal.name] = [TERMINAL_CLASSES[terminal.name]]
        elif pattern.type == "str":
            spellings[terminal.name] = [f"'{pattern.value}'"]
        elif match := _ALTERNATIVES.fullmatch(pattern.value):
            spellings[terminal.name] = [f"'{_unescape(alternative)}'"
                                        for alternative in re.split(r"(?<!\\)\|", match[1])]
        else:
            spellings[terminal.name] = [f"/{pattern.value}/"]
    spellings["$END"] = [TERMINAL_CLASSES["$END"]]
    return spellings


def _describe_expected(expected) -> str:
    spellings = _spellings()
    classes = [t for t in TERMINAL_CLASSES if t in expected and t not in ("_NL", "$END")]
    ordered = classes + [t for t in spellings if t in expected and t not in classes]
    words = list(dict.fromkeys(w for t in ordered for w in spellings[t]))
    return ", ".join(words[:MAX_EXPECTED]) + (", …" if len(words) > MAX_EXPECTED else "")


def _got(token) -> str:
    if token.type == "$END":
        return "end of file"
    return repr(str(token).strip()) if str(token).strip() else "end of line"


def _hint(token, expected) -> str:
    """What the parser's "expected" means where a user typed a common slip."""
    words = {word for terminal in expected for word in _spellings().get(terminal, ())}
    if str(token) != "=":
        return ""
    if "'=='" in words:
        return " (a comparison is written '==')"
    if "':='" in words:
        return " (a register is set with ':=')"
    if "'^'" in words:
        return " (a head pattern has one '=': (H = 7), (H = x), (H = _), (H = ^), (H = *), (H = \"+\"))"
    return ""


def _after_semicolon(text: str, error) -> str:
    """A hint where the line before the error's ends with ';': the parser read on into it."""
    lines = text.split("\n")
    if error.token.type == "$END" or ";" in _code(lines[error.line - 1])[:error.column - 1]:
        return ""
    previous = next(_code_lines(lines, error.line - 2, -1), None)
    if previous is None or not _code(lines[previous]).rstrip().endswith(";"):
        return ""
    return f" (line {previous + 1} ends with ';', so this line reads as more of its actions)"


def _lark_error(text: str):
    """The parser's first complaint about `text`, or None when it parses."""
    try:
        _parser().parse(text)
    except (lark.exceptions.UnexpectedToken, lark.exceptions.UnexpectedCharacters) as e:
        return e
    return None


_STRING = re.compile(r'"([^"\\\n]|\\.)*"')
_CONTINUES = (";", ":", ",", "(", "\\")  # a line ending so goes on on the next line


def _code(line: str) -> str:
    """A line without its comment (a '#' inside a quoted string is text, not a comment)."""
    blanked = _STRING.sub(lambda m: " " * len(m[0]), line)
    return line[:blanked.index("#")] if "#" in blanked else line


def _code_lines(lines: list[str], start: int, step: int):
    """Numbers (0-based) of the lines holding code, from `start` going by `step`."""
    i = start
    while 0 <= i < len(lines):
        if _code(lines[i]).strip():
            yield i
        i += step


def _missing_semicolon(text: str, error) -> tuple[int, int] | None:
    """Where a ';' probably belongs: the end of the code line before the line `error` starts,
    when the rule there takes the next line as more actions once that ';' is in."""
    lines = text.split("\n")
    line = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
    if error.token.type == "$END" or line[:error.column - 1].strip():
        return None
    previous = next(_code_lines(lines, error.line - 2, -1), None)
    if previous is None:
        return None
    column = len(_code(lines[previous]).rstrip())
    lines[previous] = lines[previous][:column] + ";" + lines[previous][column:]
    again = _lark_error("\n".join(lines))
    if again is not None and (again.line, again.column) <= (error.line, error.column):
        return None
    return previous + 1, column + 1


def _diagnose(error, work: str, source: str, path: str) -> tuple[Diagnostic, str]:
    """The diagnostic for the parser's complaint about `work` (the source with the earlier
    errors' lines set aside, lines and columns unchanged), and `work` set aside past it."""
    lines = work.split("\n")
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        message = f"unexpected character {work[error.pos_in_stream]!r}"
    else:
        got, expected = _got(error.token), _describe_expected(error.expected)
        message = (f"unexpected {got}; expected {expected}{_hint(error.token, error.expected)}"
                   f"{_after_semicolon(work, error)}")
        place = _missing_semicolon(work, error)
        if place is not None:
            line, column = place
            message = (f"missing ';' at the end of this line? line {error.line} goes on with "
                       f"{got}, more actions of this rule")
            lines[line - 1] = lines[line - 1][:column - 1] + ";" + lines[line - 1][column - 1:]
            return Diagnostic(path, line, column, message, source_line(source, line)), "\n".join(lines)
    line = min(max(error.line, 1), len(lines))
    if not _code(lines[line - 1]).strip():
        line = next(_code_lines(lines, line - 1, -1), line - 1) + 1
    diagnostic = Diagnostic(path, error.line, error.column, message, source_line(source, error.line))
    return diagnostic, _set_aside(lines, line - 1, error)


def _set_aside(lines: list[str], i: int, error) -> str:
    """Blank the item holding line `i` (the lines before and after it that it continues onto),
    so that the parser can go on to the next item and report its errors too. A machine's
    header line becomes a plain header instead, so that its items still have a machine."""
    first = last = i
    for j in _code_lines(lines, i - 1, -1):
        if not _code(lines[j]).rstrip().endswith(_CONTINUES):
            break
        first = j
    while _code(lines[last]).rstrip().endswith(_CONTINUES):
        following = next(_code_lines(lines, last + 1, 1), None)
        if following is None:
            break
        last = following
    header = lines[first].split()[:1] == ["machine"] or (
        isinstance(error, lark.exceptions.UnexpectedToken) and error.expected <= {"MACHINE", "_NL"})
    for j in range(first, last + 1):
        lines[j] = " " * len(lines[j].rstrip("\r"))
    if header:
        lines[first] = "machine E()"
    return "\n".join(lines)


def _syntax_errors(text: str, path: str, error) -> list[Diagnostic]:
    """Every syntax error of `text`, starting with `error` (the parser's first): each line an
    error is on is set aside and the text parsed again, until it parses."""
    diagnostics, work = [], text
    while error is not None and len(diagnostics) < MAX_ERRORS:
        diagnostic, repaired = _diagnose(error, work, text, path)
        if diagnostic in diagnostics or repaired == work:
            break
        diagnostics.append(diagnostic)
        work, error = repaired, _lark_error(repaired)
    return diagnostics


def parse(source: str, path: str = "<string>") -> list[ast.Machine]:
    """Parse .tm source text into machines. Raises TmSyntaxError holding every syntax error
    found (each positioned), the first one first."""
    if not isinstance(source, str):
        raise TypeError(f"parse() takes the source text as str, not {type(source).__name__}")
    text = source if source.endswith("\n") else source + "\n"
    try:
        tree = _parser().parse(text)
    except (lark.exceptions.UnexpectedToken, lark.exceptions.UnexpectedCharacters) as e:
        raise TmSyntaxError(*_syntax_errors(text, path, e)) from None
    except lark.exceptions.UnexpectedEOF:
        lines = text.splitlines()
        raise TmSyntaxError(Diagnostic(path, len(lines), len(lines[-1]) + 1 if lines else 1,
                                       "unexpected end of file")) from None
    to_ast = _ToAst(path, source)
    machines = to_ast.transform(tree)
    if to_ast.problems:
        raise TmSyntaxError(*sorted(to_ast.problems, key=lambda d: (d.line, d.column)))
    return machines


def parse_file(path: str | Path) -> list[ast.Machine]:
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise TmSyntaxError(Diagnostic(str(path), 1, 1, f"not UTF-8 text ({e.reason})")) from None
    return parse(source, str(path))
