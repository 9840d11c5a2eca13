"""The test suite keeps clear of patterns that let a test pass without checking anything.

* A property test (``@given``) that ``return``s on inputs it does not want passes silently on them and hides
  how many examples were tested; ``hypothesis.assume`` discards them (and fails the health check when too many
  are). Nested helper functions may return.
* ``assert x == x`` (the same expression on both sides of a comparison) holds whatever the code does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from itertools import pairwise
from pathlib import Path

TESTS = Path(__file__).resolve().parent


@cache
def _parsed() -> tuple[tuple[Path, ast.Module], ...]:
    return tuple(
        (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in sorted(TESTS.glob("*.py"))
    )


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    yield from _parsed()


def _is_given(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Name) and target.id == "given") or (
        isinstance(target, ast.Attribute) and target.attr == "given"
    )


def _own_statements(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """Nodes of ``function``'s body, not descending into nested functions, lambdas or classes."""
    nested = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
    stack: list[ast.AST] = [node for node in function.body if not isinstance(node, nested)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, nested))


def test_property_tests_use_assume_not_return() -> None:
    found = []
    for path, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.FunctionDef) and any(_is_given(d) for d in node.decorator_list):
                found += [
                    f"{path.name}:{n.lineno} {node.name}" for n in _own_statements(node) if isinstance(n, ast.Return)
                ]
    assert not found, f"use hypothesis.assume instead of return in @given tests: {found}"


def test_no_assertion_compares_an_expression_with_itself() -> None:
    found = []
    for path, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for left, right in pairwise(operands):
                    if ast.dump(left) == ast.dump(right):
                        found.append(f"{path.name}:{node.lineno}")
    assert not found, f"comparisons of an expression with itself: {found}"


def test_the_checks_see_what_they_look_for() -> None:
    """The two scanners flag a sample of each pattern (so they cannot pass by finding nothing at all)."""
    sample = ast.parse(
        "@given(st.integers())\n"
        "def test_x(n):\n"
        "    def helper():\n"
        "        return 1\n"
        "    if n < 0:\n"
        "        return\n"
        "    assert n == n\n"
    )
    function = sample.body[0]
    assert isinstance(function, ast.FunctionDef) and _is_given(function.decorator_list[0])
    returns = [n for n in _own_statements(function) if isinstance(n, ast.Return)]
    assert [r.lineno for r in returns] == [6]
    compares = [n for n in ast.walk(sample) if isinstance(n, ast.Compare)]
    assert [ast.dump(c.left) == ast.dump(c.comparators[0]) for c in compares] == [False, True]  # n < 0, n == n
