"""A card is read in capture order and each run of it up to a pause longer than the time gap
is grouped, stored and (photo-by-photo scorers) ranked as soon as it is read, so the first
series can be reviewed while the rest is read; the series are those of the whole card."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from gui_fixtures import make_bursts

from app.catalog import Catalog
from app.options import CullOptions
from app.pipeline import Stage, inventory, run_cull


def options(tmp_path: Path, catalog: str = "catalog.sqlite3", **extra) -> CullOptions:
    return CullOptions(
        scorer="technical", catalog_path=tmp_path / catalog, workers=1, faces=False, **extra
    )


EARLY = datetime(2024, 5, 1, 9)  # an hour before the others


def card(folder: Path) -> list[list[Path]]:
    """Four bursts a minute apart, and one shot an hour earlier whose names sort last."""
    bursts = make_bursts(folder, bursts=4, frames=3, size=(96, 64))
    early = make_bursts(folder / "early", bursts=1, frames=3, size=(96, 64), start=EARLY)
    return [early[0], *bursts]


def outcome(result) -> list[tuple]:
    return [(s.kind, tuple((m.path, m.rank, m.score) for m in s.members)) for s in result.series]


def test_the_first_series_is_stored_and_ranked_before_the_last_frame_is_read(tmp_path, monkeypatch):
    bursts = card(tmp_path / "card")
    events = []
    read_order: list[str] = []
    seen_before_last: dict[str, object] = {}
    read = inventory.read_for_grouping

    def reading(task):
        read_order.append(Path(task.path).name)
        if Path(task.path) == bursts[-1][-1]:  # the last frame shot
            with Catalog.open(tmp_path / "catalog.sqlite3") as catalog:
                seen_before_last["stored"] = catalog.grouping(tmp_path / "card").groups
            seen_before_last["ranked"] = [e.series for e in events if e.series is not None]
        return read(task)

    monkeypatch.setattr(inventory, "read_for_grouping", reading)
    result = run_cull(tmp_path / "card", options(tmp_path), progress=events.append)

    assert read_order == [p.name for burst in bursts for p in burst], "read in capture order"
    ranked = seen_before_last["ranked"]
    assert len(ranked) >= 1 and len(seen_before_last["stored"]) >= 1
    assert [m.path for m in ranked[0].members] == [m.path for m in result.series[0].members], (
        "the earliest burst, ranked while later ones were still to read"
    )
    assert ranked[0].best.path == "early/B00_F00.jpg"
    assert [s.id for s in result.series] == list(range(1, len(bursts) + 1))
    assert [len(s.members) for s in result.series] == [3] * len(bursts)


def test_run_by_run_gives_the_whole_cards_series_and_ranks(tmp_path):
    """Against a whole-card grouping: a rerun whose photos are all known but whose grouping
    parameters changed groups the whole card at once."""
    card(tmp_path / "card")
    fresh = run_cull(tmp_path / "card", options(tmp_path, "fresh.sqlite3"))
    run_cull(tmp_path / "card", options(tmp_path, "whole.sqlite3", time_gap_s=600.0))
    whole = run_cull(tmp_path / "card", options(tmp_path, "whole.sqlite3"))
    assert whole.stats.decoded == 0, "every photo known: grouped as a whole, not read"
    assert len(fresh.series) == 5
    assert outcome(fresh) == outcome(whole)
    with Catalog.open(tmp_path / "fresh.sqlite3") as catalog:
        stored = catalog.grouping(tmp_path / "card")
    assert [len(g) for g in stored.groups] == [3] * 5
    assert stored.ids == sorted(stored.ids), "stored in capture order"


def test_a_run_cancelled_after_its_first_series_keeps_it_and_the_next_run_completes(tmp_path):
    card(tmp_path / "card")
    cancel = threading.Event()

    def stop_after_first_series(event):
        if event.series is not None:
            cancel.set()

    stopped = run_cull(
        tmp_path / "card", options(tmp_path), progress=stop_after_first_series, cancel=cancel
    )
    assert stopped.cancelled and 1 <= len(stopped.series) < 5
    events = []
    again = run_cull(tmp_path / "card", options(tmp_path), progress=events.append)
    fresh = run_cull(tmp_path / "card", options(tmp_path, "fresh.sqlite3"))
    assert not again.cancelled and outcome(again) == outcome(fresh)
    grouped = [e for e in events if e.stage is Stage.GROUP]
    assert grouped[-1].done == grouped[-1].total == 15


def test_a_capture_time_unlike_its_headers_groups_the_whole_card_at_once(tmp_path, monkeypatch):
    """Should a photo's capture time, once read, not be the one its header gave, the runs
    cannot be trusted to hold whole series: the card is grouped and ranked as a whole."""
    card(tmp_path / "card")
    fresh = run_cull(tmp_path / "card", options(tmp_path, "fresh.sqlite3"))
    header_time = inventory.capture_time

    def misread(task):
        index, captured, from_camera = header_time(task)
        if Path(task[1]).name == "B00_F01.jpg":
            captured = "2030-01-01T00:00:00"
        return index, captured, from_camera

    monkeypatch.setattr(inventory, "capture_time", misread)
    events = []
    odd = run_cull(tmp_path / "card", options(tmp_path), progress=events.append)
    assert outcome(odd) == outcome(fresh)
    assert [s.id for s in odd.series] == list(range(1, 6))
    grouped = [e for e in events if e.stage is Stage.GROUP]
    assert grouped[-1].done == grouped[-1].total == 15


def test_every_photo_of_a_run_has_its_marks_before_the_run_is_ranked(tmp_path, monkeypatch):
    """However far ahead the reading takes a person's marks (here: not ahead at all), the
    marks of a run's photos are taken before the run is grouped and ranked, and the cull's
    suggestions never lower them."""
    bursts = card(tmp_path / "card")
    rated = bursts[3][2]  # a blurred frame of a later burst: the technical scorer's last
    rated.with_suffix(".xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/>'
        "</rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    monkeypatch.setattr(inventory, "MARKS_FIRST", 0)
    monkeypatch.setattr(inventory, "MARKS_AHEAD", 0)
    events = []
    result = run_cull(
        tmp_path / "card", options(tmp_path, xmp_scheme="reject_others"), progress=events.append
    )
    photo_id = next(m.photo_id for s in result.series for m in s.members if m.file == rated)
    marked = next(i for i, e in enumerate(events) if e.marks and photo_id in e.marks)
    ranked = next(
        i
        for i, e in enumerate(events)
        if e.series is not None and photo_id in {m.photo_id for m in e.series.members}
    )
    assert marked < ranked, "its marks were taken before its series was ranked"
    decision = result.decisions[photo_id]
    assert (decision.rating, decision.is_user, str(decision.flag)) == (4, True, "none")


def test_a_run_is_given_once_every_photo_of_it_arrived_with_its_marks_taken_before():
    """The reading's bookkeeping: runs are given in shooting order once all their photos
    are stored (one that could not be read at all is passed over), and each after the
    marks of its photos and of every photo read before them; each photo's marks once."""
    from app.photos import PhotoFile
    from app.pipeline.inventory import PhotoState
    from app.pipeline.reading_runs import MarksAhead, ReadingRuns

    names = ["a1", "a2", "b1", "c1", "c2"]  # runs a, b, c: a pause between each
    times = [(0.0, "a1"), (1.0, "a2"), (100.0, "b1"), (200.0, "c1"), (201.0, "c2")]
    files = {n: PhotoFile(path=Path(n), rel=n, size=1, mtime_ns=0) for n in names}
    photo = {n: PhotoState(file=files[n], seconds=s) for s, n in times}
    taken: list[list[str]] = []
    runs = ReadingRuns(times, max_gap=10.0)
    marks = MarksAhead([files[n] for n in names], lambda fs: taken.append([f.rel for f in fs]))
    marks.up_to(1)
    given = []

    def arrive(name: str, readable: bool = True) -> None:
        last_of_its_run = runs.read(name)
        runs.arrive(name, photo[name] if readable else None)
        for run in marks.covered(runs.complete()):
            given.append(([p.file.rel for p in run], list(taken), last_of_its_run))

    arrive("a2")
    assert given == []
    arrive("a1")
    arrive("c1")
    arrive("c2")
    assert given == [(["a1", "a2"], [["a1"], ["a2"]], True)], "c waits for b"
    arrive("b1", readable=False)
    assert given[1:] == [(["c1", "c2"], [["a1"], ["a2"], ["b1", "c1", "c2"]], True)]
    marks.all()
    assert len(taken) == 3, "no photo's marks are taken twice"
