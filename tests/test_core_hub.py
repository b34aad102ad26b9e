"""Weights resolution through huggingface_hub against a local imitation of the hub."""

import hashlib
import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from loopback_hub import COMMIT, REPO, LoopbackHub, serving

import fgaesq_core
from fgaesq_core import pretrained
from fgaesq_core.errors import CheckpointError, WeightsUnavailable
from fgaesq_core.testing import released_state_dict

FILE = pretrained.REGISTRY["fgaesq"].filename


class FakeHub(LoopbackHub):
    files: dict[str, bytes] = {}
    requests: list[str] = []


@pytest.fixture
def hub(tmp_path, monkeypatch):
    ckpt = tmp_path / "src.pt"
    torch.save(released_state_dict(3, "tiny"), ckpt)
    # a decoy .pt that sorts first: only the registry's exact file name may be taken
    FakeHub.files = {"README.md": b"fake", "A_other.pt": b"decoy", FILE: ckpt.read_bytes()}
    FakeHub.requests = []
    with serving(FakeHub, monkeypatch, tmp_path / "hub-cache"):
        yield tmp_path


def test_download_lands_in_hub_cache_and_works_offline_afterwards(hub, monkeypatch):
    assert fgaesq_core.weights_available("fgaesq")
    scorer = fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    cached = list((hub / "hub-cache" / "models--yzc002--FGAesQ").rglob(FILE))
    assert cached, "the .pt file should be in the temporary HF cache"
    digest = hashlib.sha256(FakeHub.files[FILE]).hexdigest()
    assert scorer.weights_id == f"fgaesq:{digest[:12]}"
    assert any(r.endswith(f"/resolve/main/{FILE}") for r in FakeHub.requests)
    assert not any("A_other.pt" in r for r in FakeHub.requests)

    FakeHub.requests.clear()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pretrained.clear_availability_cache()
    again = fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    assert again.weights_id == scorer.weights_id
    assert FakeHub.requests == []
    assert fgaesq_core.weights_available("fgaesq")


def test_offline_without_cache_names_the_cache_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    pretrained.clear_availability_cache()
    start = time.perf_counter()
    assert fgaesq_core.weights_available("fgaesq") is False
    assert time.perf_counter() - start < 5  # generous: the offline answer involves no network
    with pytest.raises(WeightsUnavailable) as err:
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    message = str(err.value)
    assert "HF_HUB_OFFLINE" in message
    assert str(tmp_path / "empty-cache" / "models--yzc002--FGAesQ") in message
    assert "--weights PATH" in message


def test_unreachable_endpoint_answers_false_once_and_remembers(tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    pretrained.clear_availability_cache()
    assert fgaesq_core.weights_available("fgaesq") is False
    assert pretrained._probe_results == {(f"http://127.0.0.1:{port}", REPO): False}
    with pytest.raises(WeightsUnavailable, match="cannot download"):
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    pretrained.clear_availability_cache()


def test_local_path_is_accepted_wherever_a_name_is(tmp_path):
    path = tmp_path / "local.pt"
    torch.save(released_state_dict(3, "tiny"), path)
    assert fgaesq_core.weights_available(str(path))
    assert not fgaesq_core.weights_available(str(tmp_path / "absent.pt"))
    scorer = fgaesq_core.load_model(weights=path, config="tiny", device="cpu")
    assert scorer.weights_id.startswith("file:")
    assert Path(path).exists()


def _pin(monkeypatch, **values):
    spec = replace(pretrained.REGISTRY["fgaesq"], **values)
    monkeypatch.setitem(pretrained.REGISTRY, "fgaesq", spec)
    return spec


def test_pinned_revision_and_digest_are_downloaded_and_checked(hub, monkeypatch):
    digest = hashlib.sha256(FakeHub.files[FILE]).hexdigest()
    _pin(monkeypatch, revision=COMMIT, sha256=digest)
    scorer = fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    assert scorer.weights_id == f"fgaesq:{digest[:12]}"
    assert any(r.endswith(f"/resolve/{COMMIT}/{FILE}") for r in FakeHub.requests)
    snapshot = hub / "hub-cache" / "models--yzc002--FGAesQ" / "snapshots" / COMMIT / FILE
    assert snapshot.is_file()

    # A cached copy that changed on disk is refused, offline too.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    blob = snapshot.resolve()
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(CheckpointError) as err:
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    message = str(err.value)
    assert digest in message and "not loaded" in message and str(snapshot) in message


def test_a_digest_mismatch_after_download_is_an_error(hub, monkeypatch):
    wrong = "0" * 64
    _pin(monkeypatch, revision=COMMIT, sha256=wrong)
    with pytest.raises(CheckpointError) as err:
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    actual = hashlib.sha256(FakeHub.files[FILE]).hexdigest()
    assert wrong in str(err.value) and actual in str(err.value)


def test_an_unknown_revision_or_file_is_a_clear_error(hub, monkeypatch):
    _pin(monkeypatch, revision="f" * 40)
    with pytest.raises(WeightsUnavailable, match=f"revision {'f' * 40} does not exist"):
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    _pin(monkeypatch, filename="missing.pt", revision=None)
    with pytest.raises(WeightsUnavailable, match="file missing.pt.*does not exist"):
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")


def test_pin_reads_revision_and_digest_from_the_hub(hub, capsys):
    spec = pretrained.pin("fgaesq")
    digest = hashlib.sha256(FakeHub.files[FILE]).hexdigest()
    assert (spec.filename, spec.revision, spec.sha256) == (FILE, COMMIT, digest)
    assert spec.pinned and not pretrained.REGISTRY["fgaesq"].pinned
    assert pretrained.main(["pin", "fgaesq"]) == 0
    assert f'sha256="{digest}"' in capsys.readouterr().out


def test_the_first_download_pins_the_commit_and_digest_for_every_later_load(hub, monkeypatch):
    """Unpinned in the registry: the first download records what it got; a file that differs
    later (changed upstream, or on disk) is refused with both digests named."""
    assert not pretrained.REGISTRY["fgaesq"].pinned
    first = hashlib.sha256(FakeHub.files[FILE]).hexdigest()
    scorer = fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    assert scorer.weights_id == f"fgaesq:{first[:12]}"
    pins = json.loads((hub / "pins.json").read_text())
    assert pins[f"{REPO}/{FILE}"]["revision"] == COMMIT
    assert pins[f"{REPO}/{FILE}"]["sha256"] == first

    # Upstream serves other bytes under the same name; the cache still holds the first file.
    changed = hub / "other.pt"
    torch.save(released_state_dict(4, "tiny"), changed)
    FakeHub.files = {**FakeHub.files, FILE: changed.read_bytes()}
    FakeHub.requests.clear()
    again = fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    assert again.weights_id == scorer.weights_id and FakeHub.requests == []

    # The cache cleared: the download asks for the recorded commit and refuses what differs.
    shutil.rmtree(hub / "hub-cache")
    with pytest.raises(CheckpointError) as err:
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    second = hashlib.sha256(FakeHub.files[FILE]).hexdigest()
    message = str(err.value)
    assert first in message and second in message and "not loaded" in message
    assert str(hub / "pins.json") in message and "unpin fgaesq" in message
    assert any(r.endswith(f"/resolve/{COMMIT}/{FILE}") for r in FakeHub.requests)
    assert json.loads((hub / "pins.json").read_text()) == pins  # the record stands

    # Taking new weights on purpose: unpin, and the next load records them.
    assert pretrained.main(["unpin", "fgaesq"]) == 0
    taken = fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
    assert taken.weights_id == f"fgaesq:{second[:12]}"
    assert json.loads((hub / "pins.json").read_text())[f"{REPO}/{FILE}"]["sha256"] == second

    # A recorded pin holds offline too: a cached copy changed on disk is refused.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    blob = next((hub / "hub-cache").rglob(FILE)).resolve()
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=second):
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")


def test_a_damaged_record_of_pins_is_refused_by_name(hub):
    (hub / "pins.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="pins.json: the record of downloaded weights"):
        fgaesq_core.load_model(weights="fgaesq", config="tiny", device="cpu")
