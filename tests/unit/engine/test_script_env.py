"""The restricted script environment on its own: what diagram code can and cannot do."""
from __future__ import annotations

import time

import pytest

from workflows.engine.script_env import (
    RestrictedEnvironment, ScriptRejected, ScriptTimeout, check_source)
from workflows.engine.service_tasks import ServiceRegistry


@pytest.mark.parametrize("source, mode", [
    ("__import__('os')", "eval"), ("x.__class__", "eval"), ("open('/etc/passwd')", "eval"),
    ("import os", "exec"), ("from os import path", "exec"), ("eval('1')", "eval"),
    ("type(x)", "eval"), ("class A:\n    pass", "exec"), ("print(1)", "exec"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "exec"), ("x ==", "eval"),
])
def test_dangerous_or_broken_sources_are_refused(source, mode):
    assert check_source(source, mode)


@pytest.mark.parametrize("expression, data, expected", [
    ('route == "leader"', {"route": "leader"}, True),
    ("len(ids) > 0 and max(ids) == 8", {"ids": [7, 8]}, True),
    ("sorted(ids, reverse=True)[0]", {"ids": [1, 9, 3]}, 9),
    ("any(i > 5 for i in ids) and all(isinstance(i, int) for i in ids)", {"ids": [1, 9]}, True),
    ("str(n).zfill(2)", {"n": 4}, "04"),
    ("{'a': 1}.get('a')", {}, 1),
])
def test_pure_helpers_work(expression, data, expected):
    assert RestrictedEnvironment().evaluate(expression, data) == expected


@pytest.mark.parametrize("expression", ["10 ** 10 ** 10", "'a' * 10 ** 9", "[0] * 10 ** 8",
                                        "1 << 10 ** 9", "list(range(10 ** 9))", "pow(10, 10 ** 9)"])
def test_size_guards_stop_single_huge_operations(expression):
    with pytest.raises(ValueError, match="too large"):
        RestrictedEnvironment().evaluate(expression, {})


def test_scripts_write_json_data_back_and_drop_functions():
    data = {"a": 1, "old": True}
    RestrictedEnvironment().execute(
        "def double(v):\n    return v * 2\nb = double(a)\nn = 0\nn += 3\ndel old", data)
    assert data == {"a": 1, "b": 2, "n": 3}
    with pytest.raises(TypeError, match="not JSON"):
        RestrictedEnvironment().execute("s = {1, 2}", {})


def test_indented_scripts_from_xml_are_dedented():
    data = {}
    RestrictedEnvironment().execute("\n      x = 1\n      y = x + 1\n    ", data)
    assert data == {"x": 1, "y": 2}


def test_deadline_stops_scripts_and_comprehensions():
    env = RestrictedEnvironment()
    for source in ("while True:\n    pass", "y = [i for i in range(10 ** 5) for j in range(10 ** 5)]"):
        env.deadline = time.monotonic() + 0.2
        began = time.monotonic()
        with pytest.raises(ScriptTimeout):
            env.execute(source, {})
        assert time.monotonic() - began < 2


def test_runtime_compile_errors_raise_script_rejected():
    with pytest.raises(ScriptRejected):
        RestrictedEnvironment().evaluate("__import__('os')", {})


def test_service_registry_rules():
    registry = ServiceRegistry()
    registry.register("record_status", lambda context, data, status: {"status": status}, "Ghi trạng thái")
    assert registry.names() == {"record_status"}
    assert registry.call("record_status", None, {"status": "04"}, {}) == {"status": "04"}
    with pytest.raises(ValueError):
        registry.register("record_status", lambda context, data: None)
    with pytest.raises(ValueError):
        registry.register("not a name", lambda context, data: None)
    registry.register("bad", lambda context, data: ["not", "a", "dict"])
    with pytest.raises(TypeError):
        registry.call("bad", None, {}, {})
