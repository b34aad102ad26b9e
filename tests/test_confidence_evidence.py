"""What the confidence doubts in a pick's lead: a JPEG grid the burst judgement did not charge,
and a frame sharper than the pick in another part of the picture."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFilter
from test_photos_fixtures import blurred, scene

from app.scoring.burst import FrameVerdict, judge_burst
from app.scoring.confidence import SURE, score_confidence
from app.scoring.frame_measures import measure_frame
from app.scoring.technical import _DECADES_PER_STOP, PLACE_SHARE, _shown_costs, _to_score


def _verdict(blur: float, grid: tuple = (), places: tuple = ()) -> FrameVerdict:
    """A frame's verdict: ``blur`` stops of detail lost, nothing else; ``grid`` and ``places``
    its unjudged grid and outdone places against each frame of the burst."""
    return FrameVerdict(
        0.0, blur, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, blur, unjudged_grid=grid, outdone_places=places
    )


def _confidence(pick: FrameVerdict) -> float:
    """The confidence in ``pick`` ahead of a runner-up 0.8 stops blurrier and two far behind."""
    verdicts = [pick, _verdict(0.8), _verdict(3.0), _verdict(3.0)]
    shown = _shown_costs(verdicts)
    assert sorted(range(4), key=shown.__getitem__) == [0, 1, 2, 3]  # the order stays
    return score_confidence("technical", [_to_score(-1.0 - c * _DECADES_PER_STOP) for c in shown])


def test_a_lead_that_an_unjudged_grid_would_cost_is_not_sure():
    """The pick shows a JPEG grid beyond the runner-up that was not charged (the runner-up
    is too blurred to judge it against): its grid's edges may be the detail it leads on."""
    assert _confidence(_verdict(0.0)) >= SURE
    assert _confidence(_verdict(0.0, grid=(0.0, 0.1, 0.0, 0.0))) >= SURE
    assert _confidence(_verdict(0.0, grid=(0.0, 0.6, 0.0, 0.0))) < SURE


def test_a_lead_in_detail_over_a_frame_sharper_elsewhere_is_not_sure():
    """The runner-up is clearly sharper than the pick over part of the pair's detail (a
    focus or a subject that moved): the pick's lead in detail is a trade of places."""
    assert _confidence(_verdict(0.0, places=(0.0, PLACE_SHARE / 2, 0.0, 0.0))) >= SURE
    assert _confidence(_verdict(0.0, places=(0.0, PLACE_SHARE, 0.0, 0.0))) < SURE


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_the_grid_of_a_sharper_frame_resaved_is_not_charged_but_kept(name):
    """A JPEG saved again is judged for its grid only against frames about as sharp; against
    a defocused frame its grid is not charged, and the verdict keeps what it would cost."""
    size = (360, 240)
    defocused = _jpeg(blurred(scene(name, size=size, shift=4), 3.0), 92)
    for quality, grid in ((15, True), (92, False)):
        sharp = _jpeg(scene(name, size=size, shift=2), quality)
        pick, other = judge_burst([measure_frame(sharp), measure_frame(defocused)])
        assert pick.cost < other.cost and pick.blocking == 0.0
        assert (pick.unjudged_grid[1] > 0.5) == grid
        assert other.unjudged_grid == (0.0, 0.0)


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_frames_sharp_in_different_places_outdo_each_other_there(name):
    """Half the frame defocused in one frame, the other half in another: each is clearly
    sharper than the other over a good part of their detail.  A frame sharp everywhere is
    outdone nowhere, against either."""
    size = (720, 480)

    def half_defocused(shift: int, left: bool) -> Image.Image:
        image = scene(name, size=size, shift=shift)
        box = (0, 0, size[0] // 2, size[1]) if left else (size[0] // 2, 0, size[0], size[1])
        image.paste(image.crop(box).filter(ImageFilter.GaussianBlur(3.0)), box[:2])
        return _jpeg(image, 92)

    frames = [half_defocused(2, False), half_defocused(4, True), _jpeg(scene(name, size=size), 92)]
    left_sharp, right_sharp, sharp = judge_burst([measure_frame(f) for f in frames])
    assert left_sharp.outdone_places[1] >= PLACE_SHARE
    assert right_sharp.outdone_places[0] >= PLACE_SHARE
    assert max(sharp.outdone_places) < PLACE_SHARE / 2
