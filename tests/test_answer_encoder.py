"""The answer encoder of the semantic extra. Its tests run when the extra is installed,
and must run (not skip) when RETAIN_TEST_SEMANTIC is set, as it is in CI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from retain import answer_encoder
from retain.answer_encoder import AnswerEncoder, EncoderUnavailable
from retain.cli import cli
from retain.core.grading import JUDGE_THRESHOLD, grade_typed_answer

semantic = pytest.mark.semantic


def test_a_missing_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="answer encoder"):
        AnswerEncoder.load(tmp_path / "missing.safetensors")


@pytest.fixture(scope="module")
def encoder() -> AnswerEncoder:
    if not answer_encoder.available():
        if os.environ.get("RETAIN_TEST_SEMANTIC"):
            pytest.fail("RETAIN_TEST_SEMANTIC is set, but the semantic extra is not installed")
        pytest.skip("the semantic extra is not installed")
    return answer_encoder.shared()


PITCH = (
    "Sam makes the rubber band on his box guitar longer. What happens to the pitch?",
    ["When the band is longer, the pitch is lower."],
)


@semantic
def test_paraphrase_is_judged_correct_and_an_unrelated_answer_is_not(
    encoder: AnswerEncoder,
) -> None:
    question, refs = PITCH
    assert encoder.probability(question, refs, "It would have a lower pitch.") > 0.5
    assert encoder.probability(question, refs, "it gets louder") < 0.5
    assert encoder.probability(question, refs, "") == 0.0


@semantic
def test_point_probabilities_one_per_point(encoder: AnswerEncoder) -> None:
    points = [PITCH[1][0], "Sam must pluck the band harder."]
    probs = encoder.point_probabilities(PITCH[0], points, "the pitch will go lower")
    assert len(probs) == 2 and all(0.0 <= p <= 1.0 for p in probs)
    assert probs[0] > JUDGE_THRESHOLD > probs[1]
    assert encoder.point_probabilities(PITCH[0], points, "  ") == [0.0, 0.0]


@semantic
def test_saved_weights_load_back_the_same(encoder: AnswerEncoder, tmp_path: Path) -> None:
    path = tmp_path / "enc.safetensors"
    encoder.save(path, {"rank": "8", "alpha": "16", "stack": json.dumps(encoder.stack or {})})
    again = AnswerEncoder.load(path)
    pairs = [(f"{PITCH[1][0]} [SEP] {PITCH[0]}", "it gets lower")]
    assert again.logits(pairs) == pytest.approx(encoder.logits(pairs), abs=1e-4)
    assert again.stack == encoder.stack


@semantic
def test_the_grader_with_the_encoder_accepts_a_point_in_other_words(
    encoder: AnswerEncoder,
) -> None:
    question, points = PITCH
    typed = "It would have a lower pitch."
    g = grade_typed_answer(question, points, typed, judge=encoder.point_probabilities)
    assert g.covered == (0,) and g.verdict == "correct"
    # the opposite is not accepted, and a wrong fact stays wrong whatever the encoder says
    g = grade_typed_answer(
        question, points, "the pitch gets higher", judge=encoder.point_probabilities
    )
    assert g.covered == ()
    g = grade_typed_answer(
        "When did Lenin die?",
        ["January 1924"],
        "Lenin died in 1925",
        judge=encoder.point_probabilities,
    )
    assert g.verdict == "incorrect" and g.contradiction


@semantic
def test_retain_grade_with_the_encoder_keeps_its_output_shape(encoder: AnswerEncoder) -> None:
    question, points = PITCH
    line = json.dumps(
        {"question": question, "answer_points": points, "typed": "It would have a lower pitch."}
    )
    result = CliRunner().invoke(cli, ["grade", "--jsonl", "--semantic"], input=line + "\n")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert set(row) == {"covered", "contradiction", "score", "verdict", "rating"}
    assert row["covered"] == [0] and row["verdict"] == "correct"
