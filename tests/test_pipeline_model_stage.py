"""FGAesQ ranks each stretch of the card in a stage of its own while the rest is read: a
series has its model ranking (event and catalog) before the last frame is read, the
forward passes stay full across series and stretches, the scores are those of the whole
card ranked at once, and a cancel stops the model with nothing half-written."""

from __future__ import annotations

import threading
from pathlib import Path

import crashing_decoders
import pytest
from gui_fixtures import make_bursts
from test_pipeline_stream import EARLY

import fgaesq_core
from app.catalog import Catalog
from app.options import CullOptions
from app.pipeline import Stage, decode_ahead, inventory, ranking, run_cull
from fgaesq_core.testing import single_thread

BATCH = 7  # a pair of frames is 8 token sets: every pass but the last runs across series


def card(folder: Path) -> list[list[Path]]:
    """Four stretches of two frames (three bursts a minute apart, one an hour earlier)."""
    bursts = make_bursts(folder, bursts=3, frames=2, size=(96, 64))
    early = make_bursts(folder / "early", bursts=1, frames=2, size=(96, 64), start=EARLY)
    return [early[0], *bursts]


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    fgaesq_core.save_checkpoint(fgaesq_core.create_model(config="tiny", pretrained=None), path)
    return path


@pytest.fixture
def passes(monkeypatch):
    """The size of every forward pass, in order, at ``BATCH`` token sets a pass."""
    sizes: list[int] = []
    forward = fgaesq_core.Scorer._forward

    def counted(self, batch):
        sizes.append(len(batch))
        return forward(self, batch)

    monkeypatch.setattr(fgaesq_core.Scorer, "_forward", counted)
    monkeypatch.setitem(fgaesq_core.device.BATCH_SIZES, "cpu", BATCH)
    with single_thread():
        yield sizes


def model_options(tmp_path: Path, weights: Path, catalog: str, **extra) -> CullOptions:
    return CullOptions(
        scorer="fgaesq",
        weights=str(weights),
        device="cpu",
        faces=False,
        catalog_path=tmp_path / catalog,
        **{"workers": 1, **extra},
    )


def outcome(result) -> list[tuple]:
    return [
        (s.kind, s.pick_reason, s.best.path, tuple((m.path, m.rank, m.score) for m in s.members))
        for s in result.series
    ]


def test_a_series_is_ranked_by_the_model_while_the_card_is_read_as_a_whole_card_would_be(
    tmp_path, tiny_weights, passes, monkeypatch
):
    bursts = card(tmp_path / "card")
    events = []
    ranked_by_then: dict[str, object] = {}
    model_ranked = threading.Event()
    read = inventory.read_for_grouping

    def reading(task):
        if Path(task.path) == bursts[-1][-1]:  # the last frame shot: earlier stretches queued
            ranked_by_then["in time"] = model_ranked.wait(20)
            with Catalog.open(tmp_path / "streamed.sqlite3") as catalog:
                ranked_by_then["stored"] = {
                    s.model
                    for s in catalog.scores(
                        [m.photo_id for e in events if e.series for m in e.series.members],
                        None,
                        None,
                    ).values()
                }
        return read(task)

    def follow(event):
        events.append(event)
        if event.series is not None:
            model_ranked.set()

    monkeypatch.setattr(inventory, "read_for_grouping", reading)
    streamed = run_cull(
        tmp_path / "card", model_options(tmp_path, tiny_weights, "streamed.sqlite3"), follow
    )
    streamed_passes = list(passes)

    assert ranked_by_then["in time"], "no series was ranked by the model before the card was read"
    assert ranked_by_then["stored"] == {"fgaesq"}, "its FGAesQ scores were stored by then"
    read_all = next(
        i for i, e in enumerate(events) if e.stage is Stage.READ and e.done == e.total > 0
    )
    first_ranked = next(i for i, e in enumerate(events) if e.series is not None)
    assert first_ranked < read_all
    model_reports = [e.frames for e in events if e.series is not None and e.behind]
    assert {total for _done, total in model_reports} == {len(bursts) * 2}, (
        "the frames to rank count the whole card from the model's first report on"
    )
    assert [s.id for s in streamed.series] == list(range(1, len(bursts) + 1))

    # the whole card ranked at once: its photos known (read by a technical cull), none ranked
    # by the model yet, so one ranking takes every series
    known = CullOptions(
        scorer="technical", workers=1, faces=False, catalog_path=tmp_path / "whole.sqlite3"
    )
    run_cull(tmp_path / "card", known)
    passes.clear()
    whole = run_cull(tmp_path / "card", model_options(tmp_path, tiny_weights, "whole.sqlite3"))
    assert whole.stats.decoded == len(bursts) * 2 and whole.stats.scored == len(bursts) * 2
    assert outcome(streamed) == outcome(whole), "the same picks, ranks and scores"
    assert streamed_passes == passes, "the same forward passes"
    assert all(n == BATCH for n in streamed_passes[:-1]), "full passes across stretches"


def test_the_next_stretch_is_decoded_while_the_model_ranks_the_one_before(
    tmp_path, tiny_weights, passes, monkeypatch
):
    """The model does not wait for the decoding at each stretch's border: while its first
    pass runs (the first stretch's one series), frames of the next stretches are decoded."""
    bursts = card(tmp_path / "card")
    later = {str(path) for burst in bursts[1:] for path in burst}
    later_decoded = threading.Event()
    decode, forward = ranking.decode_for_scoring, fgaesq_core.Scorer._forward
    first_pass: list[bool] = []

    def decoding(task):
        if str(task.path) in later:
            later_decoded.set()
        return decode(task)

    def waiting_pass(self, batch):
        if not first_pass:
            first_pass.append(later_decoded.wait(10))
        return forward(self, batch)

    monkeypatch.setattr(ranking, "decode_for_scoring", decoding)
    monkeypatch.setattr(fgaesq_core.Scorer, "_forward", waiting_pass)
    monkeypatch.setattr(decode_ahead, "MIN_CPUS_AHEAD", 1)  # as on a machine with cores to spare
    result = run_cull(tmp_path / "card", model_options(tmp_path, tiny_weights, "c.sqlite3"))
    assert first_pass == [True], "a later stretch was decoded during the model's first pass"
    assert [s.id for s in result.series] == list(range(1, len(bursts) + 1))


def test_a_cancel_stops_the_model_stage_and_a_rerun_completes_the_card(
    tmp_path, tiny_weights, passes
):
    bursts = card(tmp_path / "card")
    cancel = threading.Event()
    ranked = []

    def stop_after_first_series(event):
        if event.series is not None:
            ranked.append(event.series)
            cancel.set()

    stopped = run_cull(
        tmp_path / "card",
        model_options(tmp_path, tiny_weights, "catalog.sqlite3"),
        stop_after_first_series,
        cancel,
    )
    assert stopped.cancelled and 1 <= len(stopped.series) < len(bursts)
    left = {t.name for t in threading.enumerate()} & {"model-stage", "decode-ahead"}
    assert not left, "no thread of the model's stage outlives the run"
    assert len(ranked) == len(stopped.series), "no series ranked after the cancel was seen"
    with Catalog.open(tmp_path / "catalog.sqlite3") as catalog:
        ids = [m.photo_id for s in stopped.series for m in s.members]
        stored = catalog.scores(ids, None, None)
        assert sorted(stored) == sorted(ids), "every series it gave is stored, whole"
        assert {s.model for s in stored.values()} == {"fgaesq"}
    again = run_cull(tmp_path / "card", model_options(tmp_path, tiny_weights, "catalog.sqlite3"))
    assert not again.cancelled and [s.id for s in again.series] == list(range(1, len(bursts) + 1))
    assert again.stats.cached == len(stopped.series) * 2, "the stopped run's series kept"
    assert outcome(again)[: len(stopped.series)] == outcome(stopped)


def test_a_decoder_crash_in_the_models_stage_while_the_card_is_read_loses_only_its_frame(
    tmp_path, tiny_weights, monkeypatch
):
    """Two threads decode in one pool (the reading, the model's stage); a frame whose decoding
    takes its process down in the model's stage, while the reading's photos are in the same
    processes, is reported by name; every other photo is read, ranked and stored."""
    early = make_bursts(tmp_path / "card" / "early", bursts=1, frames=2, size=(96, 64), start=EARLY)
    bursts = make_bursts(tmp_path / "card", bursts=4, frames=2, size=(96, 64))
    hostile = early[0][1].with_name(f"{crashing_decoders.HOSTILE}.jpg")
    early[0][1].rename(hostile)
    monkeypatch.setattr(inventory, "read_for_grouping", crashing_decoders.read_slowly)
    monkeypatch.setattr(ranking, "decode_for_scoring", crashing_decoders.decode_or_crash)
    # two processes: the reading's photos and the model's frames go to the same ones
    options = model_options(tmp_path, tiny_weights, "catalog.sqlite3", workers=2)
    result = run_cull(tmp_path / "card", options)

    assert not result.cancelled and result.stats.photos == 9
    assert [(p.path, "crashed" in p.error) for p in result.errors] == [
        ("early/hostile.jpg", True)
    ], "the hostile frame, and it alone, is reported by name"
    ranked = sorted(m.path for s in result.series for m in s.members)
    assert ranked == sorted(
        p.relative_to(tmp_path / "card").as_posix() for b in [early[0][:1], *bursts] for p in b
    ), "every other frame ranked"
    with Catalog.open(tmp_path / "catalog.sqlite3") as catalog:
        ids = [m.photo_id for s in result.series for m in s.members]
        assert {s.model for s in catalog.scores(ids, None, None).values()} == {"fgaesq"}
        assert len(catalog.scores(ids, None, None)) == 9, "and stored"


def test_decoding_ahead_only_where_cores_or_an_accelerator_are_spare():
    """On two CPU cores decoding ahead takes the model's cores (the cull took longer)."""
    assert decode_ahead.frames_ahead_for("cpu", cpus=2) == 0
    assert decode_ahead.frames_ahead_for("cpu", cpus=8) == decode_ahead.FRAMES_AHEAD
    assert decode_ahead.frames_ahead_for("cuda:0", cpus=2) == decode_ahead.FRAMES_AHEAD
    assert decode_ahead.frames_ahead_for("mps", cpus=2) == decode_ahead.FRAMES_AHEAD
