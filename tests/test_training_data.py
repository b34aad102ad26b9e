"""AVA and FGAesthetics readers, the validator and the synthetic writer, on real files."""

import json
import logging

import pytest
from PIL import Image

from training.ava import parse_ava_line, read_ava, split_ava
from training.fgaesthetics import AnnotationError, parse_series, read_fgaesthetics
from training.synthetic import SyntheticSpec, write_synthetic
from training.validate import main as validate_main
from training.validate import validate_fgaesthetics


def _jpeg(path, colour=(120, 60, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), colour).save(path)


def test_ava_line_parsing_and_mean_score():
    item = parse_ava_line("1 953619 0 1 5 17 38 36 15 6 5 1 1 22 1396")
    assert item.image_id == "953619"
    assert item.total_votes == 124
    assert item.mean_score == pytest.approx(
        sum((k + 1) * n for k, n in enumerate(item.votes)) / 124
    )
    assert sum(item.histogram) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="fields"):
        parse_ava_line("1 2 3")


def test_ava_skips_missing_images_and_bad_lines_with_one_message(tmp_path, caplog):
    (tmp_path / "AVA.txt").write_text(
        "1 10 0 0 1 2 3 2 1 0 0 0 0 0 0\n2 11 0 0 1 2 3 2 1 0 0 0 0 0 0\n3 12 oops\n"
        "4 13 0 0 1 2 3 2 1 0 0 0 0 0 0\n"
    )
    _jpeg(tmp_path / "images" / "10.jpg")
    with caplog.at_level(logging.WARNING):
        items = read_ava(tmp_path)
    assert [i.image_id for i in items] == ["10"]
    assert "AVA.txt:3" in caplog.text
    missing = [r for r in caplog.records if "images missing" in r.getMessage()]
    assert len(missing) == 1 and "11" in missing[0].getMessage() and "13" in missing[0].getMessage()


def test_ava_split_uses_test_ids_file_or_a_stable_hash(tmp_path):
    items = [parse_ava_line(f"{n} {n} 0 0 1 2 3 2 1 0 0 0 0 0 0") for n in range(200)]
    train, test = split_ava(items, tmp_path, test_fraction=0.25)
    again_train, again_test = split_ava(items, tmp_path, test_fraction=0.25)
    assert [i.image_id for i in test] == [i.image_id for i in again_test]
    assert 20 < len(test) < 80 and len(train) + len(test) == 200
    (tmp_path / "test_ids.txt").write_text("3\n7\n\n")
    train, test = split_ava(items, tmp_path)
    assert [i.image_id for i in test] == ["3", "7"] and len(train) == 198


def _record(**overrides):
    record = {
        "series_id": "000001",
        "category": "natural",
        "split": "train",
        "images": ["000001-01.jpg", "000001-02.jpg", "000001-03.jpg"],
        "ranking": ["000001-02.jpg", "000001-03.jpg", "000001-01.jpg"],
        "pairs": [{"a": "000001-01.jpg", "b": "000001-02.jpg", "p_a": 0.1}],
        "texts": [{"target": "000001-02.jpg", "reference": "000001-01.jpg", "text": "brighter"}],
    }
    record.update(overrides)
    return record


def test_parse_series_converts_names_to_indices():
    series = parse_series(_record())
    assert series.ranking == (1, 2, 0)
    assert series.evaluated_pairs() == [(0, 1)]
    assert series.text_for(1, 0) == ("brighter", 1.0)
    assert series.text_for(0, 1) == ("brighter", -1.0)
    assert series.text_for(0, 2) is None


@pytest.mark.parametrize(
    ("overrides", "cause"),
    [
        ({"ranking": ["000001-02.jpg", "000001-01.jpg"]}, "unranked: 000001-03.jpg"),
        ({"ranking": ["x.jpg", "000001-01.jpg", "000001-03.jpg"]}, "not in images: x.jpg"),
        ({"category": "painting"}, 'unknown category "painting"'),
        ({"pairs": [{"a": "000001-01.jpg", "b": "nope.jpg"}]}, "pairs[0]"),
        ({"split": None}, 'missing "split"'),
    ],
)
def test_parse_series_names_the_cause(overrides, cause):
    with pytest.raises(AnnotationError) as info:
        parse_series(_record(**overrides))
    assert cause in str(info.value)


def _write_fg(root, records, raw_lines=()):
    lines = [json.dumps(r) for r in records] + list(raw_lines)
    (root / "annotations.jsonl").write_text("\n".join(lines) + "\n")
    for record in records:
        for name in record["images"]:
            _jpeg(root / "images" / record["series_id"] / name)


def test_validator_reports_each_problem_with_its_line(tmp_path, capsys):
    good = _record()
    bad_rank = _record(
        series_id="000002", ranking=["000002-01.jpg"], images=["000002-01.jpg", "000002-02.jpg"]
    )
    bad_rank["pairs"], bad_rank["texts"] = [], []
    _write_fg(tmp_path, [good, bad_rank], raw_lines=['{"series_id": "000003", ', json.dumps(good)])
    (tmp_path / "images" / "000001" / "000001-03.jpg").unlink()
    report = validate_fgaesthetics(tmp_path)
    text = "\n".join(report.problems)
    assert "annotations.jsonl:2" in text and "unranked: 000002-02.jpg" in text
    assert "annotations.jsonl:3: malformed JSON" in text
    assert "annotations.jsonl:4: series 000001 already defined on line 1" in text
    assert "missing file" in text and "000001-03.jpg" in text
    assert validate_main([str(tmp_path)]) == 1
    assert "problem(s)" in capsys.readouterr().out


def test_reader_drops_missing_images_and_keeps_the_rest(tmp_path):
    _write_fg(
        tmp_path,
        [
            _record(),
            _record(
                series_id="000002",
                split="test",
                images=["000002-01.jpg", "000002-02.jpg"],
                ranking=["000002-01.jpg", "000002-02.jpg"],
                pairs=[],
                texts=[],
            ),
        ],
    )
    (tmp_path / "images" / "000001" / "000001-01.jpg").unlink()
    train = read_fgaesthetics(tmp_path, splits=["train"])
    assert len(train) == 1 and train[0].images == ("000001-02.jpg", "000001-03.jpg")
    assert train[0].ranking == (0, 1) and train[0].pairs == ()
    assert [s.series_id for s in read_fgaesthetics(tmp_path, splits=["test"])] == ["000002"]


def test_synthetic_set_is_valid_in_both_formats(tmp_path):
    ava, fg = write_synthetic(tmp_path, SyntheticSpec(series=9, ava_images=10, size=32))
    report = validate_fgaesthetics(fg)
    assert report.ok, report.problems
    assert report.series == 9 and set(report.by_split) == {"train", "val", "test"}
    assert len(read_ava(ava)) == 10
