"""The cull names every photo's catalog id before it reads any (``ProgressEvent.listed``),
so a window can show and mark a card while it is read; a run stopped before the reading
leaves rows that the next run reads as new."""

from __future__ import annotations

import threading

from gui_fixtures import make_bursts

from app.catalog import Catalog, DecisionSource, Flag
from app.options import CullOptions
from app.pipeline import Stage, run_cull


def options(tmp_path) -> CullOptions:
    return CullOptions(scorer="technical", catalog_path=tmp_path / "catalog.sqlite3", workers=1)


def test_every_photo_is_named_before_any_is_read(tmp_path):
    make_bursts(tmp_path / "card", bursts=2, frames=3, size=(96, 64))
    events = []
    result = run_cull(tmp_path / "card", options(tmp_path), progress=events.append)
    named = [i for i, e in enumerate(events) if e.listed is not None]
    assert len(named) == 1
    first_read = next(i for i, e in enumerate(events) if e.stage is Stage.READ and e.done)
    assert named[0] < first_read, "named before the first photo is read"
    listed = events[named[0]].listed
    assert listed == {m.path: m.photo_id for s in result.series for m in s.members}


def test_a_mark_on_a_named_photo_before_it_is_read_is_the_photographers(tmp_path):
    """Marked between naming and reading (as the window does), a frame keeps the person's
    mark: the automatic decisions at the end of the run do not replace it."""
    burst = make_bursts(tmp_path / "card", bursts=1, frames=3, size=(96, 64))[0]
    blurriest = burst[-1].name
    marked = threading.Event()

    def progress(event):
        if event.listed is not None:
            with Catalog.open(tmp_path / "catalog.sqlite3") as catalog:
                catalog.set_decision(
                    event.listed[blurriest], source=DecisionSource.USER, flag=Flag.PICK
                )
            marked.set()

    result = run_cull(tmp_path / "card", options(tmp_path), progress=progress)
    assert marked.is_set()
    photo_id = next(m.photo_id for s in result.series for m in s.members if m.path == blurriest)
    assert result.decisions[photo_id].flag is Flag.PICK
    assert result.decisions[photo_id].source is DecisionSource.USER


def test_a_run_stopped_before_reading_leaves_photos_the_next_run_reads(tmp_path):
    make_bursts(tmp_path / "card", bursts=2, frames=3, size=(96, 64))
    cancel = threading.Event()

    def stop_when_named(event):
        if event.listed is not None:
            cancel.set()

    stopped = run_cull(
        tmp_path / "card", options(tmp_path), progress=stop_when_named, cancel=cancel
    )
    assert stopped.cancelled and not stopped.series
    again = run_cull(tmp_path / "card", options(tmp_path))
    fresh = run_cull(tmp_path / "card", options(tmp_path / "elsewhere"))
    assert again.stats.photos == fresh.stats.photos == 6
    assert [[m.path for m in s.members] for s in again.series] == [
        [m.path for m in s.members] for s in fresh.series
    ]
    assert [m.score for s in again.series for m in s.members] == [
        m.score for s in fresh.series for m in s.members
    ]
