"""``fgaesq-cull``: cull a folder of photo bursts from the command line.

Exit codes: 0 the run completed (problems with single files are listed, not fatal);
1 the run failed (model unavailable, output not writable, undo refused, unexpected error);
2 usage error (bad arguments, folder missing); 130 interrupted (Ctrl-C; the catalog keeps
what was finished and the next run resumes).

Heavy modules are imported inside ``main``: decoding worker processes import this module
first, and they must start fast.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import traceback
from pathlib import Path

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
    model = parser.add_argument_group("ranking")
    model.add_argument(
        "--model",
        choices=("auto", "fgaesq", "technical"),
        default="auto",
        help="auto: FGAesQ when its weights are at hand, else the technical scorer",
    )
    model.add_argument("--weights", help="FGAesQ weights: a registry name or a checkpoint file")
    model.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    model.add_argument(
        "--series-mode",
        choices=("reference", "pairwise"),
        default="reference",
        help="how FGAesQ compares the frames of a series",
    )
    grouping = parser.add_argument_group("grouping")
    grouping.add_argument(
        "--max-gap",
        type=_positive,
        metavar="SECONDS",
        help="longest capture-time gap inside a series",
    )
    grouping.add_argument(
        "--min-similarity",
        type=_unit,
        metavar="SSIM",
        help="lowest thumbnail similarity between neighbouring frames of a series",
    )
    grouping.add_argument("--no-recursive", action="store_true", help="do not look into subfolders")
    output = parser.add_argument_group("output")
    output.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    output.add_argument("--csv", type=Path, metavar="FILE", help="write one CSV row per photo")
    output.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bars and no summary"
    )
    output.add_argument(
        "--db", type=Path, metavar="FILE", help="catalog file (default: per-user catalog)"
    )
    output.add_argument(
        "--workers", type=int, metavar="N", help="decoding processes (default: CPU cores)"
    )
    marks = parser.add_argument_group("decisions")
    marks.add_argument(
        "--write-xmp", action="store_true", help="write ratings and labels to XMP sidecars"
    )
    marks.add_argument(
        "--sidecar-style",
        choices=("replace", "append", "both"),
        default="replace",
        help="IMG_0001.xmp (replace), IMG_0001.CR3.xmp (append) or both",
    )
    marks.add_argument(
        "--reject-others",
        action="store_true",
        help="mark every frame but the best of each series as rejected",
    )
    marks.add_argument(
        "--move-rejects",
        type=Path,
        metavar="DIR",
        help="move rejected photos (with companions and sidecars) into DIR, journaled",
    )
    marks.add_argument(
        "--undo",
        type=Path,
        metavar="DIR",
        help="move the last batch moved into DIR back to where it came from",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on errors and 0 on --help
        return int(exc.code or 0)
    if args.undo is not None:
        return _undo(args)
    if args.folder is None:
        parser.print_usage(sys.stderr)
        print("fgaesq-cull: error: a FOLDER is required (or --undo DIR)", file=sys.stderr)
        return EXIT_USAGE
    if not args.folder.is_dir():
        print(f"fgaesq-cull: error: {args.folder}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    return _cull(args)


def _cull(args: argparse.Namespace) -> int:
    from app.catalog import CatalogError
    from app.pipeline import CullError, CullOptions, run_cull
    from app.report import summary_text, write_csv, write_json
    from app.scoring import ScorerUnavailable

    options = CullOptions(
        scorer=args.model,
        weights=args.weights,
        device=args.device,
        series_mode=args.series_mode,
        catalog_path=args.db,
        recursive=not args.no_recursive,
        write_xmp=args.write_xmp,
        sidecar_style=args.sidecar_style,
        reject_others=args.reject_others,
        move_rejects=args.move_rejects,
        workers=args.workers,
    )
    if args.max_gap is not None:
        options.time_gap_s = args.max_gap
    if args.min_similarity is not None:
        options.similarity = args.min_similarity
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
    except (CullError, ScorerUnavailable, CatalogError) as exc:
        progress.close()
        print(f"fgaesq-cull: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug, not bad input: show where, then fail cleanly
        progress.close()
        traceback.print_exc()
        print(f"fgaesq-cull: error: the run failed ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_FAILED
    progress.close()
    for target, write in ((args.json, write_json), (args.csv, write_csv)):
        if target is None:
            continue
        try:
            write(result, target)
        except OSError as exc:
            print(
                f"fgaesq-cull: error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr
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
    return EXIT_OK


def _undo(args: argparse.Namespace) -> int:
    from app.catalog import Catalog, CatalogError
    from app.moves import MoveError, undo_last

    try:
        with Catalog.open(args.db) as catalog:
            report = undo_last(args.undo, catalog=catalog)
    except (MoveError, CatalogError, OSError) as exc:
        print(f"fgaesq-cull: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        print(f"Restored {len(report.restored)} files of batch {report.batch}.")
    return EXIT_OK


class _ProgressBars:
    """tqdm bars on stderr, one per stage; one-line notes (e.g. the scorer choice) above them."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._bar = None
        self._stage = None

    def __call__(self, event) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if event.stage == "note":
            tqdm.write(event.message, file=sys.stderr)
            return
        if event.stage in ("problem", "done") or event.total <= 0:
            return
        if event.stage != self._stage:
            self.close()
            self._stage = event.stage
            self._bar = tqdm(
                total=event.total,
                desc=event.stage,
                unit="photo" if event.stage == "read" else "item",
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        self._bar.total = event.total
        self._bar.n = event.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar, self._stage = None, None


class _interrupt_sets:
    """First Ctrl-C sets the cancel event (the run stops cleanly); a second one interrupts."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self._previous = None

    def _handle(self, signum, frame) -> None:
        if self.cancel.is_set():
            raise KeyboardInterrupt
        self.cancel.set()
        print(
            "\nStopping after the current photo (Ctrl-C again to stop at once)...", file=sys.stderr
        )

    def __enter__(self) -> _interrupt_sets:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _positive(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {text}")
    return value


def _unit(text: str) -> float:
    value = float(text)
    if not -1.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie between -1 and 1, not {text}")
    return value


if __name__ == "__main__":
    sys.exit(main())
