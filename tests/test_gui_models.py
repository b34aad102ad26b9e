"""GUI parts without the pipeline: models, settings, thumbnails, zoom geometry."""

from __future__ import annotations

import json

import pytest
from gui_fixtures import gui_env, make_bursts, questions  # noqa: F401
from PySide6.QtCore import QPointF

from app.catalog import DecisionSource, DecisionState, Flag
from app.gui.filters import (
    FRAME_CRITERIA,
    Filters,
    FlagFilter,
    FrameCriterion,
    FrameFilter,
    SeriesFilter,
)
from app.gui.items import FrameItem, SeriesItem
from app.gui.models import (
    FrameFilterProxy,
    FrameStripModel,
    Role,
    SeriesFilterProxy,
    SeriesListModel,
)
from app.gui.settings import Settings
from app.gui.thumbnails import FULL, ThumbnailManager
from app.gui.views.compare import CompareView
from app.gui.views.image_pane import FIT, ImagePane, ViewState
from app.options import default_of

pytestmark = pytest.mark.gui

USER_PICK = DecisionState(flag=Flag.PICK, source=DecisionSource.USER)
USER_REJECT = DecisionState(flag=Flag.REJECT, source=DecisionSource.USER)
AUTO_PICK = DecisionState(flag=Flag.PICK, source=DecisionSource.AUTO)


@pytest.fixture
def series_items(tmp_path) -> list[SeriesItem]:
    bursts = make_bursts(tmp_path / "photos", bursts=3, frames=3) + make_bursts(
        tmp_path / "single", bursts=1, frames=1
    )
    items, photo_id = [], 0
    for sid, paths in enumerate(bursts, start=1):
        frames = []
        for rank, path in enumerate(paths, start=1):
            photo_id += 1
            frames.append(
                FrameItem(
                    photo_id,
                    str(path),
                    score=8.0 - rank,
                    rank=rank,
                    decision=AUTO_PICK if rank == 1 < len(paths) else DecisionState(),
                    width=320,
                    height=240,
                    series_id=sid,
                )
            )
        items.append(SeriesItem(sid, frames))
    items[1].frames[0].decision = USER_PICK
    items[2].frames[1].decision = USER_REJECT
    return items


@pytest.fixture
def thumbs(qtbot, gui_env, tmp_path):  # noqa: F811
    manager = ThumbnailManager(cache_folder=tmp_path / "thumbs", threads=2)
    yield manager
    manager.shutdown()


def test_series_model_and_every_filter_pass_qtmodeltester(qtmodeltester, series_items, thumbs):
    model = SeriesListModel(thumbs, 64)
    model.set_series(series_items)
    qtmodeltester.check(model)
    model.set_current(2)
    assert [model.index(r).data(Role.Current) for r in range(4)] == [False, True, False, False]
    assert model.index(1).data(Role.Progress) == "1 of 3 decided"
    proxy = SeriesFilterProxy()
    proxy.setSourceModel(model)
    for mode in SeriesFilter:
        proxy.set_filters(Filters(series=mode))
        qtmodeltester.check(proxy)


def test_filters_keep_your_decisions_and_the_models_suggestions_apart(series_items, thumbs):
    model = SeriesListModel(thumbs, 64)
    model.set_series(series_items)
    proxy = SeriesFilterProxy()
    proxy.setSourceModel(model)
    ids = {}
    for mode in SeriesFilter:
        proxy.set_filters(Filters(series=mode))
        ids[mode] = [proxy.index(r, 0).data(Role.Id) for r in range(proxy.rowCount())]
    assert ids[SeriesFilter.All] == [1, 2, 3, 4]
    assert ids[SeriesFilter.MultiFrame] == [1, 2, 3]
    assert ids[SeriesFilter.Unreviewed] == [1, 4]  # automatic picks are not a review
    assert ids[SeriesFilter.Undecided] == [1, 2, 3, 4]
    assert ids[SeriesFilter.Picks] == [2], "the model's suggested picks are not your picks"
    assert ids[SeriesFilter.Rejects] == [3]


def test_whole_shoot_strip_and_frame_filters_pass_qtmodeltester(
    qtmodeltester, series_items, thumbs
):
    model = FrameStripModel(thumbs, 64)
    model.set_series(series_items)
    qtmodeltester.check(model)
    assert model.rowCount() == 10, "every frame of every series"
    assert [model.index(r).data(Role.Rank) for r in range(3)] == [1, 2, 3]
    assert [model.index(r).data(Role.SeriesStart) for r in range(4)] == [True, False, False, True]
    assert model.index(0).data(Role.Score) == pytest.approx(7.0)
    assert model.index(0).data(Role.Decision).flag is Flag.PICK
    assert model.index(1).data() == "B00_F01.jpg", "the strip names frames by file"
    model.set_current(2)
    model.set_current_series(1)
    assert model.index(1).data(Role.Current) and not model.index(0).data(Role.Current)
    assert model.index(0).data(Role.CurrentSeries) and not model.index(3).data(Role.CurrentSeries)
    model.set_chosen([1, 5])
    assert model.index(0).data(Role.Chosen) and model.index(4).data(Role.Chosen)
    proxy = FrameFilterProxy()
    proxy.setSourceModel(model)

    def shown(frames: FrameFilter, series: SeriesFilter = SeriesFilter.All) -> list[int]:
        proxy.set_filters(Filters(series=series, frames=frames))
        qtmodeltester.check(proxy)
        return [proxy.index(r, 0).data(Role.Id) for r in range(proxy.rowCount())]

    assert shown(FrameFilter(flag=FlagFilter.PICKED)) == [4]
    assert shown(FrameFilter(flag=FlagFilter.SUGGESTED)) == [1, 7], "the model's picks"
    assert shown(FrameFilter(flag=FlagFilter.REJECTED)) == [8]
    assert shown(FrameFilter(flag=FlagFilter.UNFLAGGED)) == [1, 2, 3, 5, 6, 7, 9, 10]
    assert shown(FrameFilter(), SeriesFilter.MultiFrame) == list(range(1, 10))
    model.set_series([])
    assert model.rowCount() == 0


def test_frame_filters_combine_and_take_new_criteria(series_items):
    from dataclasses import replace

    frames = [f for s in series_items for f in s.frames]
    frames[0] = replace(
        frames[0], decision=DecisionState(rating=4, label="Red", source=DecisionSource.USER)
    )
    frames[1] = replace(
        frames[1], decision=DecisionState(rating=2, label="Red", source=DecisionSource.USER)
    )
    assert [f.photo_id for f in frames if FrameFilter(min_rating=3).matches(f)] == [1]
    assert [f.photo_id for f in frames if FrameFilter(label="Red").matches(f)] == [1, 2]
    both = FrameFilter(min_rating=2, label="Red").toggled_rating(2)
    assert both.min_rating == 0 and both.text() == "Red label"
    assert FrameFilter(min_rating=3).text() == "3 stars or more"
    # a new criterion (closed eyes, once faces reach the catalog) is one entry
    FRAME_CRITERIA["odd"] = FrameCriterion("odd", "Odd ids", lambda f: f.photo_id % 2 == 1)
    try:
        odd = FrameFilter().toggled_criterion("odd")
        assert [f.photo_id for f in frames if odd.matches(f)] == [1, 3, 5, 7, 9]
        assert odd.text() == "Odd ids"
    finally:
        del FRAME_CRITERIA["odd"]


def test_thumbnail_arrives_in_gui_thread_and_is_cached_on_disk(
    qtbot, series_items, thumbs, tmp_path
):
    path = series_items[0].frames[0].path
    assert thumbs.pixmap(path, 64) is None
    qtbot.waitUntil(
        lambda: thumbs.pixmap(path, 64) is not None or path in thumbs.errors, timeout=30_000
    )
    assert path not in thumbs.errors, thumbs.errors
    pix = thumbs.pixmap(path, 64)
    assert pix is not None and max(pix.width(), pix.height()) == 64
    # the picture is shown before it is stored: the disk write may still be under way
    folder = tmp_path / "thumbs"

    def stored() -> bool:
        kept = [f for f in folder.rglob("*.jpg") if not f.name.startswith(".thumb-")]
        return bool(kept) and not list(folder.rglob(".thumb-*"))

    qtbot.waitUntil(stored, timeout=10_000)  # written, and no temporary file left behind

    def refuse(_path, _size):
        raise AssertionError("decoded again although the disk cache holds it")

    second = ThumbnailManager(decoder=refuse, cache_folder=tmp_path / "thumbs", threads=1)
    second.request(path, 64)
    qtbot.waitUntil(
        lambda: second.pixmap(path, 64) is not None or path in second.errors, timeout=30_000
    )
    assert path not in second.errors, second.errors
    second.shutdown()


def test_unreadable_file_reports_its_cause(qtbot, thumbs, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with qtbot.waitSignal(thumbs.failed, timeout=10_000) as blocker:
        thumbs.request(str(bad), 64)
    assert blocker.args[0] == str(bad)
    assert "damaged" in blocker.args[1] or "image" in blocker.args[1]


def test_clear_drops_results_of_the_old_folder(qtbot, series_items, tmp_path):
    slow_started = []

    def decoder(path, size):
        from app.photos import decode_image

        slow_started.append(path)
        return decode_image(path, size)

    manager = ThumbnailManager(decoder=decoder, threads=1)
    paths = [f.path for s in series_items for f in s.frames]
    for path in paths:
        manager.request(path, 32)
    manager.clear()
    manager.pool.waitForDone()
    qtbot.wait(50)
    assert len(slow_started) < len(paths), "queued jobs were not dropped"
    assert not manager._pixmaps, "a result from before clear() was kept"
    manager.shutdown()


def test_settings_persist_emit_changed_and_survive_bad_files(qtbot, gui_env, tmp_path):  # noqa: F811
    settings = Settings()
    assert settings.path.parent == tmp_path / "config"
    with qtbot.waitSignal(settings.auto_advance.changed) as blocker:
        settings.set("auto_advance", False)
    assert blocker.args == [False]
    settings.add_recent_folder(tmp_path)
    again = Settings()
    assert again.auto_advance.value is False
    assert again.recent_folders.value == (str(tmp_path.resolve()),)
    with pytest.raises(KeyError):
        settings.set("no_such_preference", 1)
    with pytest.raises(ValueError):
        settings.set("auto_advance", "yes")
    settings.path.write_text("{ not json", encoding="utf-8")
    broken = Settings()
    assert broken.auto_advance.value is True and broken.load_errors
    settings.path.write_text(json.dumps({"time_gap_s": "abc", "device": "cpu"}), encoding="utf-8")
    partial = Settings()
    assert partial.device.value == "cpu" and partial.load_errors
    assert partial.time_gap_s.value == default_of("time_gap_s")  # the one default, not a copy


def test_zoom_to_100_percent_keeps_the_point_under_the_cursor(qtbot, series_items, thumbs):
    frame = FrameItem(1, series_items[0].frames[0].path, width=4000, height=3000)
    pane = ImagePane(thumbs, ViewState())
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.set_frame(frame)
    cursor = QPointF(600, 150)
    before = pane.image_rect()
    fx = (cursor.x() - before.left()) / before.width()
    fy = (cursor.y() - before.top()) / before.height()
    pane.toggle_zoom(cursor)
    assert pane.state.zoom == 1.0
    after = pane.image_rect()
    assert after.width() == pytest.approx(4000)
    assert after.left() + fx * after.width() == pytest.approx(cursor.x(), abs=0.5)
    assert after.top() + fy * after.height() == pytest.approx(cursor.y(), abs=0.5)
    pane.pan_by(100, 0)
    assert pane.image_rect().left() == pytest.approx(after.left() + 100, abs=0.5)
    pane.toggle_zoom()
    assert pane.state.zoom == FIT


def test_compare_panes_zoom_and_pan_together(qtbot, series_items, thumbs):
    view = CompareView(thumbs)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    frames = series_items[0].frames
    view.show_frames(frames, frames[1].photo_id)
    assert len(view.panes) == 3
    assert [p.current for p in view.panes] == [False, True, False]
    view.panes[0].toggle_zoom(QPointF(50, 50))
    view.panes[2].pan_by(-30, 10)
    centres = {(p.state.zoom, p.state.center.x(), p.state.center.y()) for p in view.panes}
    assert len(centres) == 1 and next(iter(centres))[0] == 1.0
    qtbot.waitUntil(
        lambda: all(thumbs.pixmap(f.path, FULL) is not None for f in frames), timeout=10_000
    )


def test_void_qt_calls_cannot_use_up_none(qtbot):
    import sys

    from PySide6.QtWidgets import QLabel

    import app.gui.compat as compat

    label = QLabel()
    qtbot.addWidget(label)
    for _ in range(50_000):  # more than the reference count None starts with on Python 3.11
        label.setText("x")
    assert sys.getrefcount(None) > 0
    assert compat.affected("6.12.0", (3, 11)) and not compat.affected("6.12.0", (3, 12))


def test_every_bus_signal_has_a_subscriber_and_every_key_one_command(qtbot, gui_env):  # noqa: F811
    from PySide6.QtCore import QMetaMethod

    from app.gui.bus import SignalBus
    from app.gui.mainwindow import MainWindow

    window = MainWindow(settings=Settings(), catalog_path=str(gui_env), run_pipeline=False)
    qtbot.addWidget(window)
    meta = SignalBus.staticMetaObject
    signals = [
        meta.method(i)
        for i in range(meta.methodOffset(), meta.methodCount())
        if meta.method(i).methodType() == QMetaMethod.MethodType.Signal
    ]
    assert len(signals) >= 12
    unheard = [bytes(m.name()).decode() for m in signals if not window.bus.isSignalConnected(m)]
    assert unheard == [], f"bus signals nobody subscribes to: {unheard}"
    keys: dict[str, str] = {}
    for cmd in window.commands:
        for key in cmd.spec.keys:
            assert key not in keys, f"{key} runs both {keys[key]} and {cmd.spec.name}"
            keys[key] = cmd.spec.name
    window.shutdown()


def test_settings_take_defaults_choices_and_checks_from_the_cull_options(gui_env):  # noqa: F811
    from app.options import CullOptions, ScorerName, XmpScheme

    settings = Settings()
    assert settings.cull_options() == CullOptions()
    assert settings.scorer.choices is ScorerName and settings.xmp_scheme.choices is XmpScheme
    assert settings.similarity.label == "Burst similarity"
    with pytest.raises(ValueError, match="min-similarity"):
        settings.set("similarity", 3.0)
    with pytest.raises(ValueError, match="model"):
        settings.set("scorer", "no-such-model")
    settings.set("weights", "")
    assert settings.weights.value is None


def test_docs_list_every_key(qtbot, gui_env):  # noqa: F811
    from pathlib import Path

    from app.gui.mainwindow import MainWindow

    docs = (Path(__file__).resolve().parents[1] / "docs" / "gui.md").read_text(encoding="utf-8")
    shown = {"Right": "→", "Left": "←", "Up": "↑", "Down": "↓", "Escape": "Esc"}
    window = MainWindow(settings=Settings(), catalog_path=str(gui_env), run_pipeline=False)
    qtbot.addWidget(window)
    for cmd in window.commands:
        for key in cmd.spec.keys:
            key = shown.get(key, key)
            if key[-1].isdigit() and len(key) > 1:  # Alt+3 is in "Alt+1 – Alt+5"
                key = key[:-1]
            assert key in docs, f"docs/gui.md does not mention {key} ({cmd.spec.text})"
    window.shutdown()


def test_picks_worth_a_second_look_list_the_least_sure_first(series_items, thumbs):
    series_items[0].confidence = 0.6
    series_items[1].confidence = 0.95  # sure: not listed
    series_items[2].confidence = 0.3
    series_items[3].confidence = 0.1  # a single has no pick to doubt
    model = SeriesListModel(thumbs, 64)
    model.set_series(series_items)
    proxy = SeriesFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filters(Filters(series=SeriesFilter.Unsure))
    assert [proxy.index(r, 0).data(Role.Id) for r in range(proxy.rowCount())] == [3, 1]
    proxy.set_filters(Filters(series=SeriesFilter.All))  # back in capture order
    assert [proxy.index(r, 0).data(Role.Id) for r in range(proxy.rowCount())] == [1, 2, 3, 4]
