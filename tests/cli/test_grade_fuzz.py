"""Fuzzing `retain grade --jsonl`: whatever the lines hold, each gets one result line, a
grade or an error, and the batch goes on to the end."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.cli import cli
from tests.core.test_grading_fuzz import PIECES, any_text, pathological

GRADE_KEYS = {"covered", "contradiction", "score", "verdict", "rating"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)


def dumps(value: object) -> bytes:
    return json.dumps(value).encode()


requests = st.builds(
    lambda question, points, typed, extra: dumps(
        {"question": question, "answer_points": points, "typed": typed, **extra}
    ),
    any_text | pathological(3),
    st.lists(any_text | pathological(2), max_size=4) | json_values,
    any_text | pathological() | json_values,
    st.dictionaries(any_text, json_values, max_size=2),
)


@st.composite
def deep(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(1, 5_000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    inside = draw(st.sampled_from([b"1", b'"x"', b"[]", b""]))
    closed = draw(st.booleans())
    return opener * depth + inside + (closer * depth if closed else b"")


lines = st.one_of(
    requests,
    json_values.map(dumps),
    deep(),
    st.binary(max_size=300),
    st.sampled_from(PIECES).map(lambda p: p.encode("utf-8", "surrogatepass")),
).map(lambda line: line.replace(b"\n", b" "))


@settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=st.lists(lines, min_size=1, max_size=6))
def test_every_line_gets_one_result_and_the_batch_goes_on(batch: list[bytes]) -> None:
    data = b"\n".join(batch) + b"\n"
    result = CliRunner().invoke(cli, ["grade", "--jsonl", "--no-semantic"], input=data)
    assert result.exit_code == 0, (result.output, result.exception)
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == len(batch)
    for number, row in enumerate(rows, 1):
        assert isinstance(row, dict)
        if "error" in row:
            assert str(row["error"]).startswith(f"line {number}: ")
        else:
            assert set(row) == GRADE_KEYS
