"""Entry point of ``fgaesq-cull-gui`` (and ``python -m app``), including ``--screenshot``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.options import option_field


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="fgaesq-cull-gui",
        description="Cull photo bursts: the series, the best frame of each, keyboard culling.",
    )
    parser.add_argument("folder", nargs="?", help="folder of photos to open")
    # the flag, its help and metavar are the command line's (CullOptions.catalog_path)
    catalog = option_field("catalog_path").metadata
    parser.add_argument(
        catalog["flag"], dest="catalog_path", metavar=catalog["metavar"], help=catalog["help"]
    )
    # the name before 0.3, still taken
    parser.add_argument("--catalog", dest="catalog_path", help=argparse.SUPPRESS)
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the window with FOLDER loaded to a PNG and exit",
    )
    parser.add_argument(
        "--view",
        choices=("series", "loupe", "compare"),
        default="series",
        help="the view to render with --screenshot",
    )
    parser.add_argument(
        "--series",
        metavar="FILE",
        help="with --screenshot: show the series with this file name (default: the longest)",
    )
    parser.add_argument("--size", default="1600x1000", help="window size for --screenshot")
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds --screenshot waits for the cull to finish",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # decoder worker processes in a frozen build
    args = parse_args(argv)
    if args.screenshot and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.screenshot and not args.folder:
        print("fgaesq-cull-gui: --screenshot needs a FOLDER", file=sys.stderr)
        return 2
    from app.gui.platform_check import check_display

    problem = check_display()  # Qt would abort without saying which package is missing
    if problem:
        print(problem, file=sys.stderr)
        return 1

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from app import heap
    from app.gui import theme
    from app.gui.mainwindow import MainWindow
    from app.gui.resources import icon_path
    from app.scoring.factory import preload_model_library

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("FGAesQ Cull")
    app.setOrganizationName("fgaesq-cull")
    app.setDesktopFileName("io.github.fgaesq.Cull")
    app.setWindowIcon(QIcon(str(icon_path())))
    theme.apply(app)
    window = MainWindow(catalog_path=args.catalog_path)
    if args.screenshot:
        return screenshot(
            window,
            Path(args.folder),
            Path(args.screenshot),
            args.view,
            args.size,
            args.timeout,
            args.series,
        )
    window.show()
    if args.folder:
        window.controller.open_folder(args.folder)
    QTimer.singleShot(200, lambda: (preload_model_library(), heap.freeze_long_lived()))
    return app.exec()


def wait_until_settled(window, timeout_s: float) -> bool:
    """Process events until the cull and every thumbnail job are done; False on timeout."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if not window.controller.is_busy():
            QApplication.processEvents()
            if not window.controller.is_busy():
                return True
        time.sleep(0.01)
    return False


def screenshot(
    window,
    folder: Path,
    out: Path,
    view: str,
    size: str,
    timeout_s: float,
    series_of: str | None = None,
) -> int:
    """Load ``folder``, pick the series holding ``series_of`` (else the longest burst),
    switch to ``view`` and save a PNG."""
    width, height = (int(v) for v in size.lower().split("x"))
    window.resize(width, height)
    window.show()
    controller = window.controller
    if not controller.open_folder(folder):
        reasons = "; ".join(message for _where, message in window.messages.problems)
        print(f"fgaesq-cull-gui: cannot open {folder}: {reasons}", file=sys.stderr)
        return 1
    settled = wait_until_settled(window, timeout_s)
    series = max(controller.series(), key=lambda s: s.frame_count, default=None)
    if series_of is not None:
        holding = [
            s for s in controller.series() if any(series_of in f.file_names for f in s.frames)
        ]
        if not holding:
            print(f"fgaesq-cull-gui: no series holds {series_of}", file=sys.stderr)
            window.shutdown()
            return 1
        series = holding[0]
    if series is not None:
        controller.select_series(series.series_id)
    controller.set_view(view)
    for _ in range(3):  # painting requests the thumbnails it lacks: paint until none is missing
        window.grab()
        wait_until_settled(window, 30)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out))
    window.shutdown()
    if not ok:
        print(f"fgaesq-cull-gui: cannot write {out}", file=sys.stderr)
        return 1
    print(
        f"{out}: {len(controller.series())} series"
        + ("" if settled else " (the cull had not finished)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
