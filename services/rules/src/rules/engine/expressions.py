"""The condition language: one Python-syntax expression, checked against a whitelist of syntax,
fact names and functions, parsed once and evaluated by simpleeval (never Python's eval).

Allowed: literals (numbers, strings, True/False/None, lists and tuples of them), fact names,
`and`/`or`/`not`, comparisons (== != < <= > >= in, not in), + - * / // %, `x if c else y`, and
calls of the functions in `FUNCTIONS` with positional arguments. Not allowed: attribute access,
subscripts, keyword arguments, comprehensions, lambdas, `**`, assignments.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simpleeval import EvalWithCompoundTypes

MAX_CONDITION_LENGTH = 2000


def contains_any(text: str, words: Iterable[str]) -> bool:
    """True when any of `words` occurs in `text`."""
    return any(word in text for word in words)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
    "contains_any": contains_any,
}
FUNCTION_HELP: dict[str, str] = {
    "len": "len(x): length of a text or list",
    "abs": "abs(n): absolute value",
    "min": "min(a, b, ...): smallest value",
    "max": "max(a, b, ...): largest value",
    "contains_any": "contains_any(text, ['词1', '词2']): any of the words occurs in the text",
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.IfExp, ast.Call, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple,
)  # fmt: skip
_CONSTANT_TYPES = (bool, int, float, str, type(None))


class ConditionError(ValueError):
    """A condition that does not parse or uses something outside the language."""


@dataclass(frozen=True, slots=True)
class Condition:
    source: str
    node: ast.expr
    names: tuple[str, ...]  # fact names it reads, in order of first use (the evidence)


def compile_condition(source: str, known_names: Iterable[str]) -> Condition:
    """Parse and check a condition once; raises ConditionError saying what is wrong."""
    text = source.strip()
    if not text:
        raise ConditionError("is empty")
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"is longer than {MAX_CONDITION_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"does not parse: {exc.msg} (column {exc.offset})") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ConditionError(f"does not parse: {type(exc).__name__}") from None
    known = set(known_names)
    names: dict[str, None] = {}
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        _check_node(node, known, names)
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and id(node) not in callees:
            raise ConditionError(f"function {node.id!r} must be called, e.g. {FUNCTION_HELP[node.id]}")
    folded = ast.fix_missing_locations(_FoldConstantSequences().visit(tree))
    return Condition(source=text, node=folded.body, names=tuple(names))


class _FoldConstantSequences(ast.NodeTransformer):
    """`['村', '屯']` becomes one tuple constant, so evaluation does not rebuild it every time."""

    def _fold(self, node: ast.List | ast.Tuple) -> ast.AST:
        self.generic_visit(node)
        constants = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(constants) < len(node.elts):
            return node
        value: Any = tuple(constants)  # a tuple constant is valid AST, though typeshed omits it
        return ast.copy_location(ast.Constant(value), node)

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._fold(node)

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._fold(node)


def _check_node(node: ast.AST, known: set[str], names: dict[str, None]) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise ConditionError(f"{_describe(node)} is not allowed")
    if isinstance(node, ast.Constant) and not isinstance(node.value, _CONSTANT_TYPES):
        raise ConditionError(f"literal {node.value!r} is not allowed")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ConditionError(f"{_describe(node.func)} is not allowed")
        if node.func.id not in FUNCTIONS:
            raise ConditionError(f"unknown function {node.func.id!r}; known: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            raise ConditionError(f"{node.func.id}() takes positional arguments only")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ConditionError("*arguments are not allowed")
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            return  # a callee, or a bare function name (refused by the caller)
        if node.id not in known:
            raise ConditionError(f"unknown name {node.id!r}")
        names[node.id] = None
    if isinstance(node, ast.Name | ast.List | ast.Tuple) and not isinstance(node.ctx, ast.Load):
        raise ConditionError("assignment is not allowed")


def _describe(node: ast.AST) -> str:
    labels = {
        ast.Attribute: "attribute access (.x)",
        ast.Subscript: "indexing ([...])",
        ast.Pow: "the ** operator",
        ast.Lambda: "lambda",
        ast.NamedExpr: "assignment (:=)",
        ast.Dict: "a dict literal",
        ast.Set: "a set literal",
        ast.JoinedStr: "an f-string",
    }
    for kind, label in labels.items():
        if isinstance(node, kind):
            return label
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        return "a comprehension"
    return type(node).__name__


class Evaluator:
    """Evaluates compiled conditions against a fact mapping. One instance per rule set; not
    shared between threads (simpleeval keeps the current names on the instance)."""

    def __init__(self) -> None:
        self._eval = EvalWithCompoundTypes(functions=dict(FUNCTIONS), names={})
        self._eval.functions = dict(FUNCTIONS)  # drop list()/dict()/set()/tuple() it adds

    def truth(self, condition: Condition, facts: Mapping[str, Any]) -> bool:
        """The condition's truth value; evaluation errors propagate to the caller."""
        self._eval.names = facts
        return bool(self._eval.eval(condition.source, previously_parsed=condition.node))
