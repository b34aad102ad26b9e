"""``fgaesq-cull``: cull a folder of photo bursts from the command line.

Exit codes: 0 the run completed (problems with single files are listed, not fatal);
1 the run failed (model unavailable, output not writable, a move the user asked for did not
happen, undo refused, unexpected error); 2 usage error (bad arguments, folder missing);
130 interrupted (Ctrl-C or SIGTERM; the catalog keeps what was finished and the next run
resumes).

The flags are built from ``app.options.CullOptions``: its fields carry every flag's help,
choices and default.  Heavy modules are imported inside ``main``: decoding worker processes
import this module first, and they must start fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from app.options import CullOptions, OptionError, XmpScheme, option_fields, value_type
from app.text import printable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fgaesq-cull",
        description="Group photo bursts into series, rank every series and mark its best frame. "
        "Originals are never modified.",
        epilog="Exit codes: 0 completed, 1 failed, 2 usage error, 130 interrupted.",
    )
    parser.add_argument(
        "folder", nargs="?", type=Path, help="folder of photos (searched recursively)"
    )
    groups = {
        name: parser.add_argument_group(name)
        for name in ("ranking", "grouping", "output", "decisions")
    }
    for spec in option_fields():
        _add_option(groups[spec.metadata["group"]], spec)
    output, decisions = groups["output"], groups["decisions"]
    output.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    output.add_argument("--csv", type=Path, metavar="FILE", help="write one CSV row per photo")
    output.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bars and no summary"
    )
    decisions.add_argument(
        "--reject-others",
        dest="xmp_scheme",
        action="store_const",
        const=XmpScheme.SUGGEST_REJECT.value,
        help="the same as --marks suggest_reject",
    )
    decisions.add_argument(
        "--undo",
        type=Path,
        metavar="DIR",
        help="move the newest batch moved into DIR that still has files there back to where "
        "it came from",
    )
    decisions.add_argument(
        "--list",
        dest="undo_list",
        action="store_true",
        help="with --undo DIR: list the batches moved into DIR (date, counts, state); move nothing",
    )
    decisions.add_argument(
        "--batch",
        dest="undo_batch",
        metavar="ID",
        help="with --undo DIR: undo this batch (see --list), retrying files an undo left",
    )
    return parser


def _add_option(group: argparse._ArgumentGroup, spec: dataclasses.Field) -> None:
    """One flag from one CullOptions field: its help, choices, bounds and default."""
    meta = spec.metadata
    flag, default, kind = meta["flag"], spec.default, value_type(spec)
    if kind is bool:
        action = "store_false" if flag.startswith("--no-") else "store_true"
        group.add_argument(flag, dest=spec.name, action=action, default=None, help=meta["help"])
        return
    choices = meta["choices"]
    shown = f" (default: {default})" if default is not None else ""
    kwargs: dict[str, Any] = {"dest": spec.name, "default": None, "help": meta["help"] + shown}
    if meta["metavar"]:
        kwargs["metavar"] = meta["metavar"]
    if choices is not None and kind is not str:  # a device may also be "cuda:1"
        kwargs["choices"] = [member.value for member in choices]
    elif kind in (float, int):
        kwargs["type"] = _finite
    elif kind is Path:
        kwargs["type"] = Path
    group.add_argument(flag, **kwargs)


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def options_from(args: argparse.Namespace) -> CullOptions:
    """The CullOptions the flags ask for: given flags only, CullOptions' defaults for the rest."""
    given = {
        spec.name: getattr(args, spec.name)
        for spec in option_fields()
        if getattr(args, spec.name, None) is not None
    }
    return CullOptions(**given)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["learn"]:  # fgaesq-cull learn ...: docs/taste.md
        from app.taste.cli import learn_main

        return learn_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on errors and 0 on --help
        return int(exc.code or 0)
    if args.undo is not None:
        return _undo(args)
    if args.undo_list or args.undo_batch:
        print("fgaesq-cull: error: --list and --batch go with --undo DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.folder is None:
        parser.print_usage(sys.stderr)
        print("fgaesq-cull: error: a FOLDER is required (or --undo DIR)", file=sys.stderr)
        return EXIT_USAGE
    if not args.folder.is_dir():
        print(f"fgaesq-cull: error: {printable(args.folder)}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    from app.photos.formats import is_photo_or_sidecar

    for flag, report in (("--json", args.json), ("--csv", args.csv)):
        if report is not None and is_photo_or_sidecar(report):
            print(
                f"fgaesq-cull: error: {flag} {printable(report)}: a photo or sidecar's name; "
                "a report is never written over one",
                file=sys.stderr,
            )
            return EXIT_USAGE
    try:
        options = options_from(args)
    except OptionError as exc:
        print(f"fgaesq-cull: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _cull(args, options)


def _cull(args: argparse.Namespace, options: CullOptions) -> int:
    from app.errors import AppError
    from app.pipeline import run_cull
    from app.report import summary_text, write_csv, write_json

    cancel = threading.Event()
    progress = _ProgressBars(quiet=args.quiet)
    try:
        with _interrupt_sets(cancel):
            result = run_cull(args.folder, options, progress=progress, cancel=cancel)
    except KeyboardInterrupt:
        progress.close()
        print(
            "Interrupted; the catalog keeps what was finished. Run again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except AppError as exc:
        progress.close()
        print(f"fgaesq-cull: error: {printable(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug, not bad input: show where, then fail cleanly
        progress.close()
        traceback.print_exc()
        print(
            f"fgaesq-cull: error: the run failed ({type(exc).__name__}: {printable(exc)})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    progress.close()
    for target, write in ((args.json, write_json), (args.csv, write_csv)):
        if target is None:
            continue
        try:
            write(result, target)
        except OSError as exc:
            print(
                f"fgaesq-cull: error: cannot write {printable(target)}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_FAILED
    if not args.quiet:
        print(summary_text(result))
    if result.cancelled:
        print(
            "Interrupted; the catalog keeps what was finished. Run again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if result.moves is not None and result.moves.failed:
        print(f"fgaesq-cull: error: {printable(result.moves.summary())}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _undo(args: argparse.Namespace) -> int:
    from app.catalog import Catalog
    from app.errors import AppError
    from app.moves import list_batches, other_catalogs_note, undo_batch, undo_last

    try:
        with Catalog.open(args.catalog_path) as catalog:
            if args.undo_list:
                batches = list_batches(args.undo, catalog=catalog)
                for info in batches:
                    print(printable(info.line()))
                if not batches:
                    other = other_catalogs_note(args.undo, catalog=catalog)
                    if other:
                        where = printable(args.undo)
                        print(
                            f"This catalog records no batch moved into {where}; {printable(other)}."
                        )
                    else:
                        print(f"No batches were moved into {printable(args.undo)}.")
                return EXIT_OK
            if args.undo_batch:
                report = undo_batch(args.undo, args.undo_batch, catalog=catalog)
            else:
                report = undo_last(args.undo, catalog=catalog)
    except (AppError, OSError) as exc:
        print(f"fgaesq-cull: error: {printable(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        print(printable(report.summary()) + ".")
    for note in report.notes:
        print(f"  note: {printable(note)}", file=sys.stderr)
    for problem in report.problems:
        print(f"  not put back: {printable(problem)}", file=sys.stderr)
    if report.problems:
        print(
            f"  retry them with: fgaesq-cull --undo {printable(args.undo)} "
            f"--batch {printable(report.batch)}",
            file=sys.stderr,
        )
    return EXIT_FAILED if report.problems else EXIT_OK


class _ProgressBars:
    """tqdm bars on stderr, one per stage; one-line notes (e.g. the scorer choice) above them."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._bar = None
        self._stage = None
        self._reading = False  # the card is being read (runs of it are grouped meanwhile)
        self._read = False  # the card was read: its runs were grouped as it was
        from app.pipeline.pace import Pace

        self._ranking = Pace()  # the ranking's frames while the card is read
        self.now = time.monotonic  # the clock of its pace

    def __call__(self, event) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if event.stage == "note":
            tqdm.write(printable(event.message), file=sys.stderr)
            return
        if event.stage in ("problem", "done") or event.total <= 0 or event.provisional:
            return
        if event.stage == "read":
            self._reading, self._read = event.done < event.total, True
        elif self._reading and event.stage in ("group", "rank"):
            # a run grouped and ranked while the card is read: the read bar stays, and says
            # how fast the ranking goes (a model ranks behind the reading)
            if event.behind and event.series is not None and event.frames is not None:
                self._ranking.update(event.frames, self.now())
                self._say_ranking()
            return
        elif self._read and event.stage == "group":
            return  # grouped run by run as the card was read: nothing left to wait for
        # Ranking counts frames when the scorer has any to rank (its rate and time left
        # are what a long model run needs); series taken from the catalog count as done.
        done, total, unit = event.done, event.total, "photo" if event.stage == "read" else "item"
        if event.stage == "rank" and event.frames is not None and event.frames[1] > 0:
            (done, total), unit = event.frames, "frame"
        # every series' scores taken from the catalog in a blink: a rate of thousands of
        # series a second would say nothing of how fast anything is ranked
        from_catalog = event.stage == "rank" and event.frames == (0, 0)
        if event.stage != self._stage:
            self.close()
            self._stage = event.stage
            self._bar = tqdm(
                total=total,
                initial=done,  # done before the bar was shown: not counted in its rate
                desc="rank (from the catalog)" if from_catalog else str(event.stage),
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}"
                if from_catalog
                else None,
                unit=unit,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        self._bar.total = total
        if done >= self._bar.n:
            self._bar.update(done - self._bar.n)  # through update: tqdm's rate and time left
        else:
            self._bar.n = done
        self._bar.refresh()

    def _say_ranking(self) -> None:
        """``ranked 12/80 frames, 3.1 frames/s, 00:22 left`` beside the read bar."""
        if self._bar is None or self._stage != "read":
            return
        from tqdm import tqdm

        now = self.now()
        (done, total), rate = self._ranking.frames, self._ranking.rate(now)
        words = [f"ranked {done}/{total} frames"]
        left = self._ranking.left(now)
        if rate is not None and left is not None:
            words += [f"{rate:.1f} frames/s", f"{tqdm.format_interval(left)} left"]
        self._bar.set_postfix_str(", ".join(words))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar, self._stage = None, None


class _interrupt_sets:
    """First Ctrl-C or SIGTERM sets the cancel event (the run stops cleanly); a second one
    interrupts at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self._previous: dict[int, Any] = {}

    def _handle(self, signum, frame) -> None:
        if self.cancel.is_set():
            raise KeyboardInterrupt
        self.cancel.set()
        print(
            "\nStopping after the current photo (Ctrl-C again to stop at once)...", file=sys.stderr
        )

    def __enter__(self) -> _interrupt_sets:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)


if __name__ == "__main__":
    sys.exit(main())
