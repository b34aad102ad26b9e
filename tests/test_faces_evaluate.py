"""``python -m app.faces.evaluate``: precision and recall of "closed" on a labelled folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import skimage.data
from PIL import Image

from app.faces.evaluate import Outcome, main, read_labels, summarise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import synthetic_faces as synthetic  # noqa: E402


def test_summary_counts_closed_as_the_positive_class():
    outcomes = [
        Outcome("a", "closed", "closed"),
        Outcome("b", "closed", "unknown"),
        Outcome("c", "closed", "no face"),
        Outcome("d", "open", "closed"),
        Outcome("e", "open", "open"),
        Outcome("f", "open", "open"),
        Outcome("g", "open", "error"),
    ]
    report = summarise(outcomes)
    assert report.precision == pytest.approx(1 / 2)
    assert report.recall == pytest.approx(1 / 3)
    assert report.confusion[("open", "open")] == 2 and report.errors == 1
    text = report.text()
    assert '"closed": precision 0.500 (1/2), recall 0.333 (1/3)' in text
    assert "1 photo(s) could not be read" in text


def test_no_closed_verdicts_give_no_precision_rather_than_a_fake_one():
    report = summarise([Outcome("a", "open", "open")])
    assert report.precision is None and report.recall is None
    assert "precision n/a" in report.text()


def test_labels_file_header_and_bad_labels(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\nx.jpg,Closed\n\ny.jpg,open\n", encoding="utf-8")
    assert read_labels(labels) == [(tmp_path / "x.jpg", "closed"), (tmp_path / "y.jpg", "open")]
    labels.write_text("x.jpg,open\ny.jpg,blink\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels.csv:2: label 'blink' is not open or closed"):
        read_labels(labels)


def test_the_command_measures_a_labelled_folder(tmp_path, capsys):
    portrait = synthetic.ASTRONAUT
    photo = portrait.load()
    photo.save(tmp_path / "open.jpg", quality=92)
    synthetic.close_eyes(photo, portrait.eyes).save(tmp_path / "closed.jpg", quality=92)
    synthetic.sunglasses(photo, portrait.eyes).save(tmp_path / "shades.jpg", quality=92)
    Image.fromarray(skimage.data.coffee()).save(tmp_path / "cup.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    (tmp_path / "labels.csv").write_text(
        "path,label\nopen.jpg,open\nclosed.jpg,closed\nshades.jpg,open\ncup.jpg,closed\n"
        "broken.jpg,open\n",
        encoding="utf-8",
    )
    details = tmp_path / "details.csv"
    assert main([str(tmp_path / "labels.csv"), "--details", str(details)]) == 0
    out = capsys.readouterr()
    assert '"closed": precision 1.000 (1/1), recall 0.500 (1/2)' in out.out
    rows = {line.split(",")[0]: line.split(",") for line in details.read_text().splitlines()[1:]}
    assert rows[str(tmp_path / "closed.jpg")][2] == "closed"
    assert rows[str(tmp_path / "shades.jpg")][2] == "unknown"
    assert rows[str(tmp_path / "cup.jpg")][2] == "no face"
    assert rows[str(tmp_path / "broken.jpg")][2] == "error"
    assert "broken.jpg" in out.err


def test_a_face_crop_that_fills_the_frame_is_found_on_a_margin(tmp_path):
    """Closed Eyes in the Wild ships tight 100 px face crops; the detector needs context."""
    from app.faces import FaceAnalyzer
    from app.faces.evaluate import judge

    crop = synthetic.ASTRONAUT.load().crop((180, 75, 270, 175)).resize((100, 100))
    crop.save(tmp_path / "crop.png")
    analyzer = FaceAnalyzer()
    assert analyzer.analyze(crop) == []  # as it is, no face is found
    outcome = judge(tmp_path / "crop.png", "open", analyzer)
    assert outcome.verdict == "open"


def test_unreadable_labels_are_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path / "missing.csv")]) == 2
    assert "cannot read the labels" in capsys.readouterr().err
