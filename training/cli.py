"""Command lines: ``fgaesq-train``, ``fgaesq-eval`` and ``python -m training``.

``fgaesq-train`` works the same under ``torchrun`` (one process per device)::

    torchrun --nproc_per_node 8 -m training train --config fgaesq-vit-b16 ...
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from fgaesq_core import FGAesQError, load_model
from training.config import ConfigError, DataSection, load_config


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )


def train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fgaesq-train", description="Train FGAesQ.")
    parser.add_argument(
        "--config",
        required=True,
        help="YAML config file or a bundled name (fgaesq-vit-b16, tiny-cpu)",
    )
    parser.add_argument("--ava", type=Path, help="AVA folder (AVA.txt, images/)")
    parser.add_argument(
        "--fgaesthetics", type=Path, help="FGAesthetics folder (annotations.jsonl, images/)"
    )
    parser.add_argument("--out", type=Path, required=True, help="run folder: checkpoints and logs")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field, e.g. --set stage2.lr=1e-5 (repeatable)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/last")
    parser.add_argument(
        "--allow-config-change",
        action="store_true",
        help="with --resume: apply a config that differs from the run's (listed in the log)",
    )
    return parser


def train_main(argv: list[str] | None = None) -> int:
    """Entry point of ``fgaesq-train``; returns the exit status."""
    from training import distributed
    from training.trainer import Trainer

    args = train_parser().parse_args(argv)
    _setup_logging()
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as exc:
        print(f"fgaesq-train: {exc}", file=sys.stderr)
        return 2
    try:
        trainer = Trainer(
            config,
            args.ava,
            args.fgaesthetics,
            args.out,
            resume=args.resume,
            allow_config_change=args.allow_config_change,
        )
        progress = trainer.run()
    except (ValueError, FileNotFoundError, FGAesQError) as exc:
        print(f"fgaesq-train: {exc}", file=sys.stderr)
        return 1
    finally:
        distributed.teardown()
    if trainer.dist.is_main:
        print(f"finished at step {progress.step}; checkpoints in {args.out / 'checkpoints'}")
        for note in trainer.notes:
            print(note)
    return 0


def eval_parser() -> argparse.ArgumentParser:
    from training.config import EVAL_MODES

    parser = argparse.ArgumentParser(
        prog="fgaesq-eval", description="Evaluate an FGAesQ checkpoint."
    )
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="model file (.safetensors, released .pt) or a checkpoint folder",
    )
    parser.add_argument("--fgaesthetics", type=Path, required=True)
    parser.add_argument("--ava", type=Path, help="also report SRCC/PLCC on the AVA test split")
    parser.add_argument(
        "--ava-test-fraction",
        type=float,
        help="hash-split fraction when the AVA folder has no standard test list "
        "(default: the run's data.ava_test_fraction from the checkpoint folder, else 0.08)",
    )
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--json", type=Path, required=True, help="write the report here")
    parser.add_argument(
        "--mode",
        default="pairwise",
        choices=EVAL_MODES,
        help="series scoring: pairwise (released scheme), reference, single",
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=16)
    return parser


def eval_main(argv: list[str] | None = None) -> int:
    """Entry point of ``fgaesq-eval``; prints a Table-7-like table and writes JSON."""
    from training.evaluate import evaluate_coarse, evaluate_fine, format_table

    args = eval_parser().parse_args(argv)
    _setup_logging()
    weights = Path(args.checkpoint)
    run_config = weights / "config.yaml" if weights.is_dir() else weights.parent / "config.yaml"
    if weights.is_dir():
        weights = weights / "model.safetensors"
    test_fraction = args.ava_test_fraction
    if test_fraction is None:
        test_fraction = DataSection.ava_test_fraction
        if run_config.is_file():
            try:
                test_fraction = load_config(run_config).data.ava_test_fraction
            except ConfigError as exc:
                print(f"fgaesq-eval: {exc}", file=sys.stderr)
                return 1
    try:
        scorer = load_model(weights=weights, device=args.device)
        report: dict = {
            "fine": evaluate_fine(
                scorer,
                args.fgaesthetics,
                split=args.split,
                mode=args.mode,
                batch_size=args.batch_size,
            )
        }
        if args.ava is not None:
            report["coarse"] = evaluate_coarse(
                scorer, args.ava, batch_size=args.batch_size, test_fraction=test_fraction
            )
    except (FGAesQError, FileNotFoundError, ValueError) as exc:
        print(f"fgaesq-eval: {exc}", file=sys.stderr)
        return 1
    print(format_table(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m training {train,eval,validate,synthetic} ...``; train when no command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"train": train_main, "eval": eval_main}
    if argv and argv[0] in ("validate", "synthetic"):
        from training import synthetic, validate

        return {"validate": validate.main, "synthetic": synthetic.main}[argv[0]](argv[1:])
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    return train_main(argv)


if __name__ == "__main__":
    sys.exit(main())
