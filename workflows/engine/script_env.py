"""The only names BPMN scripts, conditions and expressions can see (STYLE P8).

Diagrams are uploaded by agency admins, so their Python must not reach the
host: every script and expression is compiled by RestrictedPython (no imports,
no dunder or underscore names, guarded attribute/item access) and runs with a
small set of pure builtins. On top of RestrictedPython:

* ``try``/``except`` and ``class`` are refused, so a script cannot swallow the
  time-limit exception or build objects with custom hooks;
* ``**``, ``*`` and ``<<`` go through size guards and ``range`` is bounded, so
  a single C-level operation cannot run for minutes;
* a wall-clock deadline is enforced with a per-thread ``sys.settrace`` opcode
  tracer (not SIGALRM, which only works in the main thread): when the deadline
  passes while script code runs, :class:`ScriptTimeout` is raised inside it.

This is defence in depth, not a hard sandbox: memory is not limited and string
methods such as ``'x'.ljust(n)`` are not guarded. Run steps in jobs with their
own time and memory limits.
"""
from __future__ import annotations

import ast
import json
import operator
import sys
import textwrap
import time
from functools import lru_cache
from types import ModuleType
from typing import Any, Callable

from RestrictedPython import (
    compile_restricted_eval, compile_restricted_exec, limited_builtins, safe_builtins)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

__all__ = ["SCRIPT_FILENAME", "ScriptTimeout", "ScriptRejected", "RestrictedEnvironment",
           "check_source", "compile_source", "ensure_json_like", "json_copy"]

SCRIPT_FILENAME = "<bpmn-script>"
MAX_SEQUENCE = 1_000_000      # items/characters a `*` may produce
MAX_INT_BITS = 100_000        # ~30,000 decimal digits
MAX_RANGE = 100_000           # items a `range` may have


FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "getattr", "setattr", "delattr", "hasattr", "globals",
    "locals", "vars", "dir", "input", "breakpoint", "help", "memoryview", "type", "super",
    "object", "classmethod", "staticmethod", "property", "exit", "quit", "print",
})


class ScriptTimeout(BaseException):
    """The deadline passed while script code ran.

    A BaseException so neither SpiffWorkflow's ``except Exception`` wrappers nor
    anything else on the way up can swallow it.
    """


class ScriptRejected(SyntaxError):
    """RestrictedPython (or our policy) refused the source; ``errors`` lists why."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus: no try/class, guarded ``** * <<``."""

    _GUARDED_OPS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_"}

    def visit_Try(self, node):
        """A script could otherwise catch ScriptTimeout and loop on."""
        self.error(node, "try/except is not allowed in BPMN scripts.")
        return node

    def visit_ClassDef(self, node):
        """Classes are never needed for conditions on task data."""
        self.error(node, "class definitions are not allowed in BPMN scripts.")
        return node

    def visit_BinOp(self, node):
        """Route size-exploding operators through the guards below."""
        node = self.node_contents_visit(node)
        guard = self._GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        name = ast.copy_location(ast.Name(guard, ast.Load()), node)
        call = ast.Call(func=name, args=[node.left, node.right], keywords=[])
        return ast.copy_location(call, node)

    def visit_Import(self, node):
        """Nothing is importable; say so at upload time rather than at run time."""
        self.error(node, "import is not allowed in BPMN scripts.")
        return node

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        """Refuse host-reaching builtins by name (they are absent anyway)."""
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not allowed in BPMN scripts.')
            return node
        return super().visit_Name(node)


@lru_cache(maxsize=1024)
def _compile(source: str, mode: str):
    """Compile once per distinct source: RestrictedPython costs ~1 ms a call."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename=SCRIPT_FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        return None, tuple(result.errors) or ("cannot compile",)
    return result.code, ()


def compile_source(source: str, mode: str):
    """Return restricted code for ``source`` (mode "eval" or "exec") or raise ScriptRejected."""
    text = source.strip() if mode == "eval" else textwrap.dedent(source).strip("\n")
    code, errors = _compile(text, mode)
    if code is None:
        raise ScriptRejected(list(errors))
    return code


def check_source(source: str, mode: str) -> str | None:
    """The reason ``source`` is refused, or None; used when a diagram is uploaded."""
    try:
        compile_source(source, mode)
    except ScriptRejected as exc:
        return str(exc)
    return None


# --- guards ---------------------------------------------------------------

def _too_big(what: str) -> ValueError:
    return ValueError(f"result of {what} would be too large")


def _mul_(a, b):
    """``a * b`` without building huge sequences or integers."""
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
            if len(seq) * max(n, 0) > MAX_SEQUENCE:
                raise _too_big("*")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise _too_big("*")
    return a * b


def _pow_(a, b, mod=None):
    """``a ** b`` / ``pow`` without multi-minute big-integer arithmetic."""
    if mod is None and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if a.bit_length() * b > MAX_INT_BITS:
            raise _too_big("**")
    return pow(a, b) if mod is None else pow(a, b, mod)


def _lshift_(a, b):
    if isinstance(b, int) and b > MAX_INT_BITS:
        raise _too_big("<<")
    return a << b


def _range(*args):
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise _too_big("range")
    return r


_INPLACE = {
    "+=": operator.add, "-=": operator.sub, "*=": _mul_, "/=": operator.truediv,
    "//=": operator.floordiv, "%=": operator.mod, "**=": _pow_, "<<=": _lshift_,
    ">>=": operator.rshift, "|=": operator.or_, "&=": operator.and_, "^=": operator.xor,
}


def _inplacevar_(op: str, target, value):
    """RestrictedPython rewrites ``n += 1`` into ``n = _inplacevar_('+=', n, 1)``."""
    if op not in _INPLACE:
        raise SyntaxError(f"operator {op} is not allowed")
    return _INPLACE[op](target, value)


def _apply_(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def _builtins() -> dict[str, Any]:
    """safe + limited builtins and a few pure helpers; nothing that reaches the host."""
    names = dict(safe_builtins)
    names.update(limited_builtins)
    for unsafe in ("__build_class__", "setattr", "delattr", "_getattr_", "id", "hash"):
        names.pop(unsafe, None)
    names.update({
        "len": len, "min": min, "max": max, "sum": sum, "sorted": sorted, "reversed": reversed,
        "str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict,
        "set": set, "tuple": tuple, "any": any, "all": all, "enumerate": enumerate, "zip": zip,
        "abs": abs, "round": round, "range": _range, "pow": _pow_,
    })
    return names


def _globals() -> dict[str, Any]:
    return {
        "__builtins__": _builtins(),
        "_getattr_": safer_getattr, "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence, "_write_": full_write_guard,
        "_inplacevar_": _inplacevar_, "_apply_": _apply_,
        "_pow_": _pow_, "_mul_": _mul_, "_lshift_": _lshift_,
    }


# --- time limit -------------------------------------------------------------

def run_with_deadline(fn: Callable[[], Any], deadline: float | None) -> Any:
    """Call ``fn``; raise ScriptTimeout in script code once ``time.monotonic() > deadline``.

    The tracer is installed for the current thread only and only script frames
    (compiled with SCRIPT_FILENAME) get per-opcode tracing, so app code called
    from a script is not slowed down. A previous tracer (coverage, debugger) is
    put back afterwards.
    """
    if deadline is None:
        return fn()
    if time.monotonic() > deadline:
        raise ScriptTimeout()

    def local(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout()
        return local

    def on_call(frame, event, arg):
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        frame.f_trace_opcodes = True     # `while True: pass` emits no line events in 3.11
        return local

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        return fn()
    finally:
        sys.settrace(previous)


# --- JSON-like data -----------------------------------------------------------

def ensure_json_like(value: Any, what: str = "value") -> None:
    """Task data is stored as JSON: refuse sets, objects, NaN..."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} is not JSON data ({exc})") from None


def json_copy(value: Any) -> Any:
    """A deep, JSON-safe copy (non-JSON leftovers become strings)."""
    return json.loads(json.dumps(value, default=str))


class RestrictedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow script environment running restricted code under a deadline.

    ``deadline`` (a ``time.monotonic()`` value or None) is set by the runtime
    for the duration of one engine call.
    """

    def __init__(self):
        super().__init__(_globals())
        self.deadline: float | None = None

    def evaluate(self, expression, context, external_context=None):
        """Evaluate an expression against task data (conditions, timers, properties)."""
        code = compile_source(expression, "eval")
        names = {**self.globals, **(external_context or {}), **context}
        return run_with_deadline(lambda: eval(code, names), self.deadline)

    def execute(self, script, context, external_context=None):
        """Run a script; its top-level variables become task data (JSON-like only)."""
        external = external_context or {}
        self.check_for_overwrite(context, external)
        code = compile_source(script, "exec")
        names = {**self.globals, **external, **context}
        run_with_deadline(lambda: exec(code, names), self.deadline)
        self._write_back(names, context, external)
        return True

    def _write_back(self, names: dict, context: dict, external: dict) -> None:
        """Copy the script's variables into task data, dropping functions and helpers."""
        for key in [k for k in context if k not in names]:
            del context[key]                       # the script used `del`
        for key, value in names.items():
            if key in self.globals or key in external or key.startswith("_"):
                continue
            if callable(value) or isinstance(value, ModuleType):
                continue
            ensure_json_like(value, f"script variable '{key}'")
            context[key] = value
