"""Learn the adapters, head and last layer of `retain.answer_encoder` from SemEval-2013.

Run: ``.venv/bin/python benchmarks/train_answer_encoder.py [--data DIR] [--write]``
(needs the ``semantic`` extra: ``pip install -e '.[semantic]'``).

Only the 2-way *training* split of SemEval-2013 Task 7 (Beetle + SciEntsBank) is read.

1. Cross-validation picks the number of epochs and whether the encoder is combined with
   the answer model. Each fold holds out whole Beetle questions and whole SciEntsBank
   modules (science domains), so its figures are for new questions and new domains, like
   the unseen-questions and unseen-domains test splits.
2. The encoder is then trained on all training answers with that choice. ``--write``
   stores it in ``src/retain/data/answer_encoder.safetensors``.

Training an answer pairs it with one reference per epoch: a correct Beetle answer with the
reference it was matched to by the annotators, any other answer with a reference drawn at
random. Scoring takes the best reference, as `AnswerEncoder.encoder_logit` does.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from _common import read_semeval
from retain.answer_encoder import AnswerEncoder, encoder_inputs, weights_path
from retain.core.answer_model import FEATURE_NAMES, answer_features
from train_answer_model import fit, predict

ROOT = Path(__file__).resolve().parent.parent
ANSWER_MODEL = ROOT / "src/retain/core/grading_data/answer_model.json"


@dataclass(frozen=True)
class Answer:
    corpus: str
    question_id: str
    module: str
    question: str
    references: tuple[str, ...]
    matched: int | None  # index of the reference the annotators matched, if any
    typed: str
    correct: bool
    features: tuple[float, ...]


def load(folder: Path, corpus: str) -> list[Answer]:
    out: list[Answer] = []
    for a in read_semeval(folder, corpus):
        feats = answer_features(a.question, a.references, a.typed)
        match = a.answer_match
        out.append(
            Answer(
                corpus=corpus,
                question_id=a.question_id,
                module=a.module,
                question=a.question,
                references=a.references,
                matched=a.reference_ids.index(match) if match in a.reference_ids else None,
                typed=a.typed,
                correct=a.correct,
                features=tuple(feats[n] for n in FEATURE_NAMES),
            )
        )
    return out


def fold_of(answers: Sequence[Answer], folds: int, seed: int) -> dict[str, int]:
    """A fold per group: Beetle by question, SciEntsBank by module, sizes balanced."""
    fold: dict[str, int] = {}
    for corpus, key in (("beetle", "question_id"), ("sciEntsBank", "module")):
        sizes: dict[str, int] = {}
        for a in answers:
            if a.corpus == corpus:
                g = getattr(a, key)
                sizes[g] = sizes.get(g, 0) + 1
        groups = sorted(sizes)
        random.Random(seed).shuffle(groups)
        groups.sort(key=lambda g: -sizes[g])
        load_ = [0] * folds
        for g in groups:
            f = min(range(folds), key=lambda i: load_[i])
            fold[g] = f
            load_[f] += sizes[g]
    return fold


def group(a: Answer) -> str:
    return a.question_id if a.corpus == "beetle" else a.module


def pick_reference(a: Answer, rng: random.Random) -> int:
    if a.correct and a.matched is not None:
        return a.matched
    return rng.randrange(len(a.references))


def batches(answers: Sequence[Answer], size: int, rng: random.Random) -> list[list[Answer]]:
    """Shuffled batches of answers of similar length, so that little of a batch is padding."""
    order = list(answers)
    rng.shuffle(order)
    out: list[list[Answer]] = []
    span = size * 50
    for i in range(0, len(order), span):
        block = sorted(order[i : i + span], key=lambda a: len(a.question) + len(a.typed))
        out.extend(block[j : j + size] for j in range(0, len(block), size))
    rng.shuffle(out)
    return out


def train(
    enc: AnswerEncoder,
    answers: Sequence[Answer],
    epochs: int,
    stop_after: int,
    seed: int,
    lr: float,
    batch: int,
    on_epoch: Callable[[int], None] | None = None,
) -> None:
    torch.manual_seed(seed)
    rng = random.Random(seed)
    params = enc.trainable()
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(answers) / batch)
    total = steps_per_epoch * epochs
    warmup = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    order = list(answers)
    for epoch in range(1, stop_after + 1):
        enc.model.train()
        enc.head.train()
        started = time.perf_counter()
        running = 0.0
        for step, chunk in enumerate(batches(order, batch, rng), start=1):
            pairs = [
                encoder_inputs(a.question, [a.references[pick_reference(a, rng)]], a.typed)[0]
                for a in chunk
            ]
            y = torch.tensor([1.0 if a.correct else 0.0 for a in chunk])
            loss = loss_fn(enc.forward(pairs), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            running += float(loss.detach())
            if step % 50 == 0 or step == steps_per_epoch:
                el = time.perf_counter() - started
                print(
                    f"  epoch {epoch} step {step}/{steps_per_epoch} "
                    f"loss {running / step:.4f} ({el:.0f} s)",
                    flush=True,
                )
        enc.model.eval()
        enc.head.eval()
        if on_epoch is not None:
            on_epoch(epoch)


def best_logits(enc: AnswerEncoder, answers: Sequence[Answer]) -> list[float]:
    """`enc.encoder_logit` for many answers at once, in batches of pairs of like length."""
    pairs: list[tuple[str, str]] = []
    owner: list[int] = []
    for k, a in enumerate(answers):
        for pair in encoder_inputs(a.question, a.references, a.typed):
            pairs.append(pair)
            owner.append(k)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    scores = enc.logits([pairs[i] for i in order], batch=64)
    best = [-30.0] * len(answers)
    for i, z in zip(order, scores, strict=True):
        if answers[owner[i]].typed.strip():
            best[owner[i]] = max(best[owner[i]], z)
    return best


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def accuracy(pred: Sequence[bool], answers: Sequence[Answer]) -> dict[str, float]:
    hits: dict[str, list[bool]] = {}
    for p, a in zip(pred, answers, strict=True):
        hits.setdefault(a.corpus, []).append(p == a.correct)
    return {c: sum(h) / len(h) for c, h in sorted(hits.items())}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("RETAIN_DATA", str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", default=default, help=f"the data folder (default: {default})")
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cv-out", type=Path, help="keep the out-of-fold scores as JSON")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--out", type=Path, help="write here instead of the shipped file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    base = Path(args.data) / "asag/semeval2013-task7/training/2way"
    answers = load(base / "beetle", "beetle") + load(base / "sciEntsBank", "sciEntsBank")
    l2 = float(json.loads(ANSWER_MODEL.read_text("utf-8"))["l2"])
    print(f"{len(answers)} training answers; {args.folds}-fold cross-validation", flush=True)

    # 1. cross-validation: out-of-fold encoder logits per epoch, and answer-model logits.
    folds = fold_of(answers, args.folds, args.seed)
    oof: dict[int, list[float]] = {e: [0.0] * len(answers) for e in range(1, args.epochs + 1)}
    model_logit = [0.0] * len(answers)
    fold_index = [folds[group(a)] for a in answers]
    for f in range(args.folds):
        train_idx = [i for i, k in enumerate(fold_index) if k != f]
        held = [i for i, k in enumerate(fold_index) if k == f]
        print(
            f"fold {f + 1}/{args.folds}: train {len(train_idx)}, held out {len(held)}", flush=True
        )
        am = fit(
            [answers[i].features for i in train_idx], [answers[i].correct for i in train_idx], l2
        )
        for i in held:
            model_logit[i] = logit(predict(am, answers[i].features))
        enc = AnswerEncoder.fresh()

        def score_held(
            epoch: int, enc: AnswerEncoder = enc, held: list[int] = held, f: int = f
        ) -> None:
            for i, z in zip(held, best_logits(enc, [answers[i] for i in held]), strict=True):
                oof[epoch][i] = z
            acc = accuracy([oof[epoch][i] > 0 for i in held], [answers[i] for i in held])
            print(
                f"  fold {f + 1} epoch {epoch}: "
                + "  ".join(f"{c} {v:.3f}" for c, v in acc.items()),
                flush=True,
            )

        train(
            enc,
            [answers[i] for i in train_idx],
            args.epochs,
            args.epochs,
            args.seed + f,
            args.lr,
            args.batch,
            score_held,
        )
    if args.cv_out:
        args.cv_out.write_text(
            json.dumps({"oof": oof, "model_logit": model_logit, "fold": fold_index}), "utf-8"
        )

    # 2. choose epochs and stacking by mean accuracy over the two corpora.
    labels = [a.correct for a in answers]
    answer_model_acc = accuracy([z > 0 for z in model_logit], answers)
    print("answer model alone: " + "  ".join(f"{c} {v:.3f}" for c, v in answer_model_acc.items()))
    best: tuple[float, int, bool] = (-1.0, 1, False)
    for e in range(1, args.epochs + 1):
        alone = accuracy([z > 0 for z in oof[e]], answers)
        stacked_pred = [False] * len(answers)
        for f in range(args.folds):
            others = [i for i, k in enumerate(fold_index) if k != f]
            m = fit([(oof[e][i], model_logit[i]) for i in others], [labels[i] for i in others], 1.0)
            for i, k in enumerate(fold_index):
                if k == f:
                    stacked_pred[i] = predict(m, (oof[e][i], model_logit[i])) >= 0.5
        stacked = accuracy(stacked_pred, answers)
        for name, acc, stack in (("encoder", alone, False), ("stacked", stacked, True)):
            mean = sum(acc.values()) / len(acc)
            print(
                f"epoch {e} {name:<8} "
                + "  ".join(f"{c} {v:.3f}" for c, v in acc.items())
                + f"  mean {mean:.3f}"
            )
            if mean > best[0]:
                best = (mean, e, stack)
    _, epochs, stack = best
    how = "stacked with the answer model" if stack else "encoder alone"
    print(f"chosen: {epochs} epoch(s), {how}", flush=True)

    # 3. the final encoder, on every training answer.
    stack_weights: dict[str, float] | None = None
    if stack:
        mean_, scale_, w, b = fit(
            [(oof[epochs][i], model_logit[i]) for i in range(len(answers))], labels, 1.0
        )
        # fold the standardisation into plain weights on the raw logits
        we, wm = w[0] / scale_[0], w[1] / scale_[1]
        stack_weights = {
            "bias": b - we * mean_[0] - wm * mean_[1],
            "encoder": we,
            "answer_model": wm,
        }
        print(f"last layer: {stack_weights}")
    if not args.write:
        return 0
    enc = AnswerEncoder.fresh()
    train(enc, answers, args.epochs, epochs, args.seed + 100, args.lr, args.batch)
    meta = {
        "about": "adapters and head for all-MiniLM-L6-v2; see benchmarks/train_answer_encoder.py",
        "trained_on": "SemEval-2013 Task 7 2-way training split (Beetle + SciEntsBank)",
        "rank": "8",
        "alpha": "16",
        "epochs": str(epochs),
    }
    if stack_weights:
        meta["stack"] = json.dumps({k: round(v, 6) for k, v in stack_weights.items()})
    path = args.out or weights_path()
    enc.save(path, meta)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
