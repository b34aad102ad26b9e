"""``fgaesq-cull learn``: learn, list, export and forget taste profiles.

    fgaesq-cull learn FOLDER... [--profile NAME] [ranking and grouping options] [--db FILE]
    fgaesq-cull learn --list | --export FILE [--profile NAME] | --remove --profile NAME

Learning reads the folders (marks from sidecars and embedded XMP, series, features) and
writes only the catalog: no sidecar, no move, no change to any file in the folders.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from app.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    _add_option,
    _interrupt_sets,
    _ProgressBars,
    options_from,
)
from app.options import OptionError, option_fields
from app.taste.evaluate import CONFIDENCE, MARGIN, SIGN_P
from app.taste.learner import LEARNERS
from app.taste.profiles import DEFAULT_PROFILE
from app.text import printable

# the cull options that change what is learnt from (features, series) or where
LEARN_GROUPS = ("ranking", "grouping")
LEARN_OUTPUTS = ("catalog_path", "workers", "recursive")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fgaesq-cull learn",
        description="Learn your taste from folders you already culled (marks in sidecars or "
        "inside the photos). Reads the folders; writes only the catalog.",
    )
    parser.add_argument("folders", nargs="*", type=Path, metavar="FOLDER")
    parser.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        metavar="NAME",
        help=f"the taste profile to learn, export or remove (default: {DEFAULT_PROFILE})",
    )
    parser.add_argument("--learner", choices=LEARNERS, default="linear", help=argparse.SUPPRESS)
    parser.add_argument("--list", action="store_true", help="list the taste profiles")
    parser.add_argument(
        "--export", type=Path, metavar="FILE", help="write the profile and its data as JSON"
    )
    parser.add_argument(
        "--remove", action="store_true", help="forget the profile and everything it learnt from"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    group = parser.add_argument_group("reading")
    for spec in option_fields():
        if spec.name == "taste":
            continue
        if spec.metadata["group"] in LEARN_GROUPS or spec.name in LEARN_OUTPUTS:
            _add_option(group, spec)
    return parser


def learn_main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        options = options_from(args)
    except OptionError as exc:
        print(f"fgaesq-cull learn: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.list or args.export or args.remove:
        if args.folders:
            print(
                "fgaesq-cull learn: error: FOLDER goes without --list, --export, --remove",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return _manage(args, options)
    if not args.folders:
        parser.print_usage(sys.stderr)
        print("fgaesq-cull learn: error: at least one FOLDER is required", file=sys.stderr)
        return EXIT_USAGE
    for folder in args.folders:
        if not folder.is_dir():
            print(f"fgaesq-cull learn: error: {printable(folder)}: not a folder", file=sys.stderr)
            return EXIT_USAGE
    return _learn(args, options)


def _learn(args: argparse.Namespace, options) -> int:
    from app.errors import AppError
    from app.taste.learn import learn_folders

    cancel = threading.Event()
    progress = _ProgressBars(quiet=args.quiet)
    try:
        with _interrupt_sets(cancel):
            outcome = learn_folders(
                args.folders, args.profile, options, progress, cancel, args.learner
            )
    except KeyboardInterrupt:
        progress.close()
        print("Interrupted; nothing was learnt.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except AppError as exc:
        progress.close()
        print(f"fgaesq-cull learn: error: {printable(exc)}", file=sys.stderr)
        return EXIT_FAILED
    progress.close()
    for problem in outcome.problems:
        print(f"  problem: {printable(problem)}", file=sys.stderr)
    if outcome.cancelled or outcome.taste is None:
        print("Interrupted; nothing was learnt.", file=sys.stderr)
        return EXIT_INTERRUPTED
    evaluation = outcome.taste.evaluation
    print(printable(outcome.taste.describe()))
    print(
        f"  held out by {evaluation.split}: {evaluation.held_out} series; the gain's "
        f"{CONFIDENCE * 100:.0f} % lower bound {evaluation.gain_low * 100:+.1f} points "
        f"(needs > {MARGIN * 100:.0f}), sign test p = {evaluation.sign_p:.2g} "
        f"(needs < {SIGN_P:g}); learnt in {evaluation.seconds:.1f} s"
    )
    return EXIT_OK


def _manage(args: argparse.Namespace, options) -> int:
    from app.catalog import Catalog
    from app.errors import AppError
    from app.taste.evaluate import Evaluation
    from app.taste.profiles import export_profile, remove_profile

    try:
        with Catalog.open(options.catalog_path) as catalog:
            if args.list:
                tastes = catalog.tastes()
                for taste in tastes:
                    evaluation = Evaluation.from_json(dict(taste.evaluation))
                    state = "in use" if evaluation.used else "not used"
                    print(printable(f"{taste.name} ({state}): {evaluation.figures()}"))
                if not tastes:
                    print("No taste profiles yet: fgaesq-cull learn FOLDER... to learn one.")
            if args.export:
                count = export_profile(catalog, args.profile, args.export)
                print(
                    f"Wrote '{printable(args.profile)}' ({count} frames) to "
                    f"{printable(args.export)}."
                )
            if args.remove:
                remove_profile(catalog, args.profile)
                print(
                    f"Forgot the taste '{printable(args.profile)}' and the data it was learnt from."
                )
    except (AppError, OSError, KeyError, TypeError, ValueError) as exc:
        print(f"fgaesq-cull learn: error: {printable(exc)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
