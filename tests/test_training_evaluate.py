"""Evaluation helpers: model selection, text alignment, and the eval CLI's AVA split."""

import json

import pytest
import torch
import yaml

from fgaesq_core import Scorer, create_model, save_checkpoint
from fgaesq_core.tokens import collate
from training.cli import eval_main
from training.config import resolve_model_config
from training.datasets import open_image
from training.evaluate import evaluate_alignment, selection_score
from training.fgaesthetics import read_fgaesthetics
from training.synthetic import SyntheticSpec, write_synthetic


def test_balance_selection_weighs_fine_and_coarse_equally():
    report = {"fine": {"pair": 0.8, "series": 0.6}, "coarse": {"srcc": 0.5}}
    assert selection_score(report, "balance") == pytest.approx((0.7 + 0.5) / 2)
    assert selection_score(report, "series") == 0.6
    assert selection_score(report, "pair") == 0.8
    assert selection_score(report, "srcc") == 0.5
    assert selection_score({"fine": {"pair": 0.8, "series": 0.6}}, "balance") == 0.7
    assert selection_score({"fine": {"pair": 0.8, "series": 0.6}}, "srcc") == 0.0
    with pytest.raises(ValueError, match="unknown selection rule"):
        selection_score(report, "loss")


def test_alignment_is_positive_along_the_texts_and_negative_against_them(tmp_path):
    _, fg = write_synthetic(tmp_path, SyntheticSpec(series=6, ava_images=2, seed=4))
    torch.manual_seed(0)
    model = create_model(resolve_model_config("tiny-cpu-model"), pretrained=None).eval()
    scorer = Scorer(model, torch.device("cpu"), "test", draws=1)
    series = read_fgaesthetics(fg)
    differences: dict[str, list[torch.Tensor]] = {}
    for item in series:
        for text in item.texts:
            pair = [open_image(item.image_path(fg, i), 256) for i in (text.target, text.reference)]
            with torch.no_grad():
                features = model(collate(list(scorer.tokenizer.tokenize_pair_both(*pair)))).features
            differences.setdefault(text.text, []).append(features[0] - features[1])
    # text directions equal to the mean difference each labels: aligned; negated: against
    along = {text: torch.stack(d).mean(0) for text, d in differences.items()}
    against = {text: -direction for text, direction in along.items()}
    assert evaluate_alignment(scorer, fg, series, along)["cosine"] > 0.3
    assert evaluate_alignment(scorer, fg, series, against)["cosine"] < -0.3
    assert evaluate_alignment(scorer, fg, series, {})["pairs"] == 0


def test_eval_cli_takes_the_ava_fallback_fraction_from_the_run(tmp_path):
    ava, fg = write_synthetic(tmp_path, SyntheticSpec(series=6, ava_images=40, seed=5))
    (ava / "test_ids.txt").unlink()  # no standard list: the hash fallback decides
    torch.manual_seed(0)
    model = create_model(resolve_model_config("tiny-cpu-model"), pretrained=None)
    run = tmp_path / "run"
    run.mkdir()
    save_checkpoint(model, run / "model.safetensors")
    (run / "config.yaml").write_text(yaml.safe_dump({"data": {"ava_test_fraction": 0.5}}))
    out = tmp_path / "report.json"
    args = ["--checkpoint", str(run), "--fgaesthetics", str(fg), "--ava", str(ava)]
    assert eval_main([*args, "--json", str(out), "--mode", "single"]) == 0
    from_run = json.loads(out.read_text())["coarse"]["images"]
    assert (
        eval_main([*args, "--json", str(out), "--mode", "single", "--ava-test-fraction", "0.1"])
        == 0
    )
    given = json.loads(out.read_text())["coarse"]["images"]
    assert 10 <= from_run <= 30 and given <= 8


def test_training_and_evaluation_feed_the_model_frames_of_the_one_input_size(tmp_path, monkeypatch):
    import training.evaluate as evaluate_module
    from fgaesq_core.images import budget_side
    from fgaesq_core.tokenizer import DiffToken
    from training.ava import read_ava
    from training.datasets import CoarseDataset, FineDataset

    # 96 px frames are over the tiny budget (36 regions + 24 fine tokens > 47): fitted at 71
    ava, fg = write_synthetic(tmp_path, SyntheticSpec(series=3, ava_images=4, seed=2, size=96))
    config = resolve_model_config("tiny-cpu-model")
    side = budget_side((96, 96), config.tokenizer)
    assert side < 96
    tokenizer = DiffToken(config.tokenizer)
    series = read_fgaesthetics(fg)
    fine = FineDataset(series, fg, tokenizer, 256, seed=0)
    coarse = CoarseDataset(read_ava(ava), ava, tokenizer, 256, seed=0)
    trained = {fine.image(series[0].image_path(fg, 0)).size}
    trained |= {coarse.image(ava / "images" / f"{item.image_id}.jpg").size for item in coarse.items}
    assert trained == {(side, side)}

    seen = []

    def recorded(scorer, frames, mode, batch_size):
        seen.extend(frame.size for frame in frames)
        return [0.0] * len(frames)

    monkeypatch.setattr(evaluate_module, "series_scores", recorded)
    scorer = Scorer(create_model(config, pretrained=None).eval(), torch.device("cpu"), "t", draws=1)
    evaluate_module.score_series(scorer, fg, series, mode="reference")
    assert seen and set(seen) == trained
