"""Render the screenshots of docs/gui.md and the README from the sample bursts.

    xvfb-run -s "-screen 0 1920x1200x24" python docs/screenshots/make_screenshots.py
    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_screenshots.py   # no X server

Culls resources/samples/bursts into a throwaway catalog, marks a few photos the way a
photographer would (so your marks and the model's suggestions both show), then runs
``fgaesq-cull-gui --screenshot`` once per view: the loupe with the photo information and
the histogram, compare with the histograms, and the portrait burst in the loupe with the
face close-ups and face boxes, and compare with why this frame (W).  Name shots (``why``)
to make only those.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples" / "bursts"
OUT = Path(__file__).resolve().parent

MARKS = {  # file name: (flag, stars, label)
    "chelsea_01.jpg": ("pick", 4, "Green"),
    "chelsea_04.jpg": ("reject", 0, None),
    "chelsea_06.jpg": ("reject", 0, None),
    "chelsea_05.jpg": ("none", 2, "Yellow"),
    "astronaut_05.jpg": ("pick", 5, None),
    "coffee_04.jpg": ("pick", 3, "Red"),
}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FGAESQ_CULL_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["FGAESQ_CULL_CACHE_DIR"] = str(Path(tmp) / "cache")
        catalog_path = Path(tmp) / "catalog.sqlite3"

        from app.catalog import Catalog, DecisionSource
        from app.gui.main import main as gui_main
        from app.gui.settings import Settings
        from app.pipeline import CullOptions, run_cull

        Settings().set("scorer", "technical")
        run_cull(SAMPLES, CullOptions(scorer="technical", catalog_path=catalog_path))
        with Catalog.open(catalog_path) as catalog:
            for photo in catalog.photos(SAMPLES):
                if photo.relpath in MARKS:
                    flag, stars, label = MARKS[photo.relpath]
                    catalog.set_decision(
                        photo.id, flag=flag, rating=stars, label=label, source=DecisionSource.USER
                    )
        settings = Settings()
        shots = (  # (file, view, info overlay, faces shown, why regions shown, series)
            ("series", "series", False, False, False, None),
            ("loupe", "loupe", True, False, False, None),
            ("compare", "compare", False, False, False, None),
            ("faces", "loupe", False, True, False, "portrait_01.jpg"),
            ("why", "compare", False, False, True, "chelsea_01.jpg"),
        )
        wanted = set(sys.argv[1:])  # names of the shots to make; none named: all of them
        for name, view, info, faces, why, series in shots:
            if wanted and name not in wanted:
                continue
            settings.set("info_overlay", info)
            settings.set("face_strip", faces)
            settings.set("face_boxes", faces)
            settings.set("why_regions", why)
            code = gui_main(
                ["--screenshot", str(OUT / f"{name}.png"), "--view", view]
                + (["--series", series] if series else [])
                + ["--db", str(catalog_path), str(SAMPLES)]
            )
            if code:
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
