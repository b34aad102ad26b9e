"""The window follows a taste profile in use: frame order, ranks, BEST tag, the pick in the
grid, the details panel and the status bar, while the catalog keeps the base ranks and a
person's marks stay as they were."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from gui_fixtures import gui_env, new_window, scene, settle, write_jpeg  # noqa: F401
from PIL import ImageFilter

from app.catalog import Catalog, DecisionSource
from app.gui.models import Role
from app.taste.features import FEATURE_NAMES
from app.taste.learner import base_model

IN_USE = {
    "learner": "linear", "personal": 0.81, "base": 0.66, "gain_low": 0.1, "held_out": 300,
    "split": "shoot", "decisions": 1240, "series": 300, "shoots": 14, "used": True,
    "seconds": 0.1, "sign_p": 0.001,
}  # fmt: skip


def brighter_and_softer(folder, bursts=2, frames=3):
    """Bursts whose later frames are softer (the base ranking puts them last) and brighter
    (a photographer who likes bright frames puts them first)."""
    folder.mkdir()
    start = datetime(2024, 5, 1, 10, 0, 0)
    for b in range(bursts):
        picture = scene(b + 1, (160, 120))
        for f in range(frames):
            image = picture.filter(ImageFilter.GaussianBlur(radius=f * 1.5)) if f else picture
            image = image.point(lambda v, f=f: min(255, v // 2 + 60 * f))
            when = start + timedelta(minutes=b, seconds=0.2 * f)
            write_jpeg(folder / f"B{b:02d}_F{f:02d}.jpg", image, when)


def ranked(window) -> str:
    """The status bar's words on the ranking (its tooltip holds them whole)."""
    from PySide6.QtWidgets import QLabel

    return window.findChild(QLabel, "rankedBy").toolTip()


def names(series):
    return [f.file_names[0] for f in series.frames]


def test_the_window_orders_by_a_taste_in_use_and_says_how_much_it_agreed(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
):
    shoot = tmp_path / "shoot"
    brighter_and_softer(shoot)
    window = new_window(qtbot, gui_env)
    controller = window.controller
    assert controller.open_folder(shoot)
    settle(qtbot, window)
    assert [names(s) for s in controller.series()] == [
        [f"B{b:02d}_F00.jpg", f"B{b:02d}_F01.jpg", f"B{b:02d}_F02.jpg"] for b in range(2)
    ]
    model = base_model()
    model.weights[FEATURE_NAMES.index("brightness")] = 100.0
    with Catalog(gui_env) as catalog:
        catalog.save_taste("bright", model.as_json(), IN_USE, [])
        mine = catalog.series(str(shoot))[0].members[1].photo.id
        catalog.set_decision(mine, rating=2, source=DecisionSource.USER)
        before = catalog.decisions(p.id for p in catalog.photos(shoot))
        base_ranks = {m.photo.id: m.rank for v in catalog.series(str(shoot)) for m in v.members}

    window.settings.taste.value = "bright"  # culls again with it, then reads the series
    qtbot.waitUntil(lambda: "Order:" in ranked(window), timeout=60_000)
    settle(qtbot, window)

    series = controller.series()
    assert [names(s) for s in series] == [
        [f"B{b:02d}_F02.jpg", f"B{b:02d}_F01.jpg", f"B{b:02d}_F00.jpg"] for b in range(2)
    ]
    assert [f.rank for f in series[0].frames] == [1, 2, 3]
    assert [f.base_rank for f in series[0].frames] == [3, 2, 1]
    strip = controller.strip_model
    tagged = [strip.frame_at(r).file_names[0] for r in range(strip.rowCount())
              if strip.data(strip.index(r, 0), Role.Best)]  # fmt: skip
    assert tagged == ["B00_F02.jpg", "B01_F02.jpg"]
    assert [s.best.file_names[0] for s in controller.series_model.series()] == tagged
    controller.select_frame(series[0].frames[0].photo_id)
    assert window.details.values["Rank"].text() == "1 of 3 by your taste (base ranking: 3)"
    assert window.details.values["Pick"].text() == "this frame: your taste's first choice"
    status = ranked(window)
    assert (
        "Order: your taste 'bright': 81 % of your held-out picks, base 66 %, "
        "from 1,240 decisions in 14 shoots" in status
    )
    with Catalog(gui_env) as catalog:  # the catalog keeps the base ranks; marks unchanged
        stored = {m.photo.id: m.rank for v in catalog.series(str(shoot)) for m in v.members}
        assert stored == base_ranks
        after = catalog.decisions(p.id for p in catalog.photos(shoot))
    assert after[mine] == before[mine] and after[mine].rating == 2 and after[mine].is_user

    window.settings.taste.value = None  # back to the base ranking
    qtbot.waitUntil(lambda: "Order:" not in ranked(window), timeout=60_000)
    settle(qtbot, window)
    assert names(controller.series()[0]) == ["B00_F00.jpg", "B00_F01.jpg", "B00_F02.jpg"]
    assert controller.series()[0].frames[0].base_rank == 0
    window.shutdown()


def test_the_window_chooses_exports_and_removes_taste_profiles(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from app.catalog import TasteExampleRecord
    from app.gui.taste_profiles import TasteProfilesDialog

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text: asked.append(text))
    window = new_window(qtbot, gui_env, run_pipeline=False)
    model = base_model()
    examples = [
        TasteExampleRecord("/shoot", "/shoot|1", f"f{i}.jpg", float(i), i == 2, (0.0,) * 13)
        for i in range(3)
    ]
    with Catalog(gui_env) as catalog:
        catalog.save_taste("bright", model.as_json(), IN_USE, examples)
        catalog.save_taste("random", model.as_json(), {**IN_USE, "used": False}, [])
    action = window.commands.action("taste_profiles")
    assert action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    (dialog,) = window.findChildren(TasteProfilesDialog)
    assert dialog.isVisible()
    rows = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    figures = "81 % of your held-out picks, base 66 %, from 1,240 decisions in 14 shoots"
    assert rows == [
        f"bright: {figures}; used where chosen",
        f"random: {figures}; not used: not measurably better",
    ]
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.use, Qt.MouseButton.LeftButton)
    assert window.settings.taste.value == "bright"  # the window's culls use it
    assert dialog.list.item(0).text().startswith("bright (chosen for the culls): ")

    target = tmp_path / "out" / "bright.json"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    qtbot.mouseClick(dialog.export, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.note.text().startswith("Wrote 'bright' (3 frames)"))
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["name"] == "bright" and len(exported["examples"]) == 3

    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove, Qt.MouseButton.LeftButton)  # answered "no"
    assert asked and "Forget the taste 'bright'" in asked[0]
    with Catalog(gui_env) as catalog:
        assert catalog.taste("bright") is not None
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.note.text().startswith("Forgot the taste 'bright'"))
    assert window.settings.taste.value is None  # back to the base ranking
    assert dialog.list.count() == 1
    assert dialog.list.item(0).data(Qt.ItemDataRole.UserRole) == "random"
    with Catalog(gui_env) as catalog:
        assert catalog.taste("bright") is None and catalog.taste_examples("bright") == []
        assert catalog.taste("random") is not None

    # the menu's learning command asks for a folder (nothing chosen: nothing happens)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: "")
    window.learn_taste()
    assert window.taste_learning.job is None
    window.shutdown()
