"""Series kinds: brackets, panoramas and focus stacks told apart from bursts, and kept whole."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter
from PIL.TiffImagePlugin import IFDRational
from test_photos_fixtures import blurred, exif, exposed, scene

from app.grouping import GroupingParams, GroupItem, group_series, make_thumbnail
from app.photos import read_metadata
from app.series_kinds import (
    PROTECTED_KINDS,
    KindEvidence,
    assign_kinds,
    classify,
    focus_map,
    panorama_step,
    possible_kind,
    split_kinds,
)


def frames_with_bias(biases, start=0.0, interval=0.2, image=None, seconds=1 / 250):
    base = image or scene("coffee")
    return [
        KindEvidence(
            seconds=start + interval * k,
            camera="A",
            thumbnail=make_thumbnail(exposed(base, bias) if bias else base),
            exposure_bias=bias,
            exposure_seconds=seconds,
            f_number=8.0,
            iso=100,
        )
        for k, bias in enumerate(biases)
    ]


def kinds(pieces):
    return [(piece.kind, list(piece.members)) for piece in pieces]


@pytest.mark.parametrize(
    "biases",
    [(0, -2, 2), (-2, 0, 2), (0, -1, 1), (-1, 0, 1), (0, -1, 1, -2, 2), (-2, -1, 0, 1, 2)],
    ids=[
        "0/-2/+2",
        "-2/0/+2",
        "0/-1/+1",
        "-1/0/+1",
        "5 frames, camera order",
        "5 frames, ascending",
    ],
)
def test_exposure_bias_steps_make_a_bracket(biases):
    frames = frames_with_bias(biases)
    kind, reason = classify(frames)
    assert kind == "bracket" and "EV" in reason
    assert kinds(split_kinds(range(len(frames)), frames)) == [("bracket", list(range(len(frames))))]


def test_a_burst_right_after_a_bracket_is_cut_off_it():
    frames = frames_with_bias((0, -2, 2, 0, 0, 0, 0))
    pieces = split_kinds(range(7), frames)
    assert kinds(pieces) == [("bracket", [0, 1, 2]), ("burst", [3, 4, 5, 6])]
    assert pieces[0].protected and not pieces[1].protected


def test_two_brackets_back_to_back_stay_two():
    frames = frames_with_bias((0, -1, 1, 0, -1, 1))
    assert kinds(split_kinds(range(6), frames)) == [("bracket", [0, 1, 2]), ("bracket", [3, 4, 5])]


def test_a_burst_with_an_over_exposed_frame_stays_a_burst():
    """Pixels alone never make a bracket: EXIF says every frame had the same exposure."""
    base = scene("coffee")
    frames = [
        KindEvidence(
            seconds=0.3 * k,
            thumbnail=make_thumbnail(exposed(base, stops)),
            exposure_bias=0.0,
            exposure_seconds=1 / 1000,
            f_number=2.8,
            iso=400,
        )
        for k, stops in enumerate((0, 2, 0, -2, 0))
    ]
    assert classify(frames)[0] == "burst"
    # and without any exposure metadata at all
    bare = [KindEvidence(seconds=f.seconds, thumbnail=f.thumbnail) for f in frames]
    assert classify(bare)[0] == "burst"


def test_exposure_time_steps_make_a_possible_bracket_small_auto_exposure_drift_does_not():
    """Time alone stepping like a bracket (no bias recorded) is what a meter jumping in a
    hand-held burst records too: a burst with its pick, flagged, never kept whole."""

    def frames(times):
        return [
            KindEvidence(seconds=0.2 * k, exposure_seconds=t, f_number=8.0, iso=100)
            for k, t in enumerate(times)
        ]

    stepped = frames((1 / 250, 1 / 1000, 1 / 60))
    kind, reason = classify(stepped)
    assert kind == "burst" and possible_kind(kind, reason) == "bracket"
    pieces = split_kinds(range(3), stepped)
    assert kinds(pieces) == [("burst", [0, 1, 2])] and pieces[0].possible == "bracket"
    assert not pieces[0].protected
    drift = frames((1 / 250, 1 / 320, 1 / 250, 1 / 200))
    assert classify(drift)[0] == "burst" and possible_kind(*classify(drift)) is None


def test_the_maker_notes_auto_bracket_flag_makes_a_two_frame_bracket():
    frames = [KindEvidence(seconds=0.2 * k, auto_bracket=True) for k in range(2)]
    assert classify(frames)[0] == "bracket"
    assert classify([KindEvidence(seconds=0.2 * k) for k in range(2)])[0] == "burst"


def test_brackets_read_from_real_jpeg_exif(tmp_path):
    base = scene("chelsea")
    evidence = []
    for k, bias in enumerate((0, -2, 2)):
        data = exif(when="2024:06:01 12:00:00", subsec=f"{k * 2}")
        sub = data.get_ifd(0x8769)
        sub[0x9204] = IFDRational(bias, 1)
        sub[0x829A] = IFDRational(1, 250 if bias == 0 else (1000 if bias < 0 else 60))
        path = tmp_path / f"ev{k}.jpg"
        exposed(base, bias).save(path, "JPEG", exif=data)
        meta = read_metadata(path)
        assert meta.exposure_bias == bias
        evidence.append(KindEvidence.from_metadata(meta, make_thumbnail(Image.open(path))))
    assert classify(evidence)[0] == "bracket"


# -- panoramas -------------------------------------------------------------------------------


def panorama(count=4, step=0.45, size=(240, 160), vertical=False):
    """Frames of a wide view, each moved ``step`` of a frame further the same way."""
    source = scene("astronaut", size=(512, 512))
    if vertical:
        source = source.rotate(90)
    wide = source.resize((int(size[0] * (1 + step * (count - 1))), size[1]))
    frames = [
        wide.crop((round(k * step * size[0]), 0, round(k * step * size[0]) + size[0], size[1]))
        for k in range(count)
    ]
    return [f.rotate(-90, expand=True) for f in frames] if vertical else frames


def test_panorama_frames_split_by_grouping_are_joined_again():
    frames = panorama()
    items = [GroupItem(f"p{k}", "A", 1.0 * k, make_thumbnail(f)) for k, f in enumerate(frames)]
    series = group_series(items, GroupingParams())
    assert len(series) == len(frames)  # they do not look alike: grouping alone splits them
    evidence = [
        KindEvidence(seconds=i.seconds, camera=i.camera, thumbnail=i.thumbnail) for i in items
    ]
    result = assign_kinds(series, evidence, max_gap=4.0)
    assert kinds(result) == [("panorama", [0, 1, 2, 3])]
    assert result[0].protected


def test_panorama_frames_grouping_kept_together_are_joined_with_the_rest():
    """Neighbours that overlap by 70 % may look alike enough to share a series; such a run
    still joins the panorama, as its own frames step the same way."""
    frames = panorama(count=4, step=0.3)
    evidence = [
        KindEvidence(seconds=1.0 * k, camera="A", thumbnail=make_thumbnail(f))
        for k, f in enumerate(frames)
    ]
    for series in ([[0, 1], [2], [3]], [[0], [1, 2], [3]], [[0, 1], [2, 3]]):
        assert kinds(assign_kinds(series, evidence, max_gap=4.0)) == [("panorama", [0, 1, 2, 3])]


def test_a_vertical_panorama_and_the_step_direction():
    frames = panorama(count=3, step=0.35, size=(160, 240), vertical=True)
    steps = [
        panorama_step(make_thumbnail(a), make_thumbnail(b))
        for a, b in zip(frames, frames[1:], strict=False)
    ]
    assert all(s is not None for s in steps)
    assert all(abs(dy) > 0.2 and abs(dx) < 0.05 for dy, dx in steps)


def test_unrelated_scenes_back_to_back_are_not_a_panorama():
    names = ["astronaut", "coffee", "chelsea", "rocket", "camera", "coins"]
    evidence = [
        KindEvidence(seconds=0.8 * k, camera="A", thumbnail=make_thumbnail(scene(name)))
        for k, name in enumerate(names)
    ]
    result = assign_kinds([[k] for k in range(len(names))], evidence, max_gap=4.0)
    assert [r.kind for r in result] == ["single"] * len(names)


def test_frames_panning_back_and_forth_or_far_apart_in_time_are_not_joined():
    frames = panorama(count=3)
    thumbs = [make_thumbnail(f) for f in frames]
    back_and_forth = [
        KindEvidence(seconds=k, camera="A", thumbnail=thumbs[i]) for k, i in enumerate((0, 1, 0))
    ]
    assert len(assign_kinds([[0], [1], [2]], back_and_forth, max_gap=4.0)) >= 2
    slow = [KindEvidence(seconds=30.0 * k, camera="A", thumbnail=t) for k, t in enumerate(thumbs)]
    assert [r.kind for r in assign_kinds([[0], [1], [2]], slow, max_gap=4.0)] == ["single"] * 3


def test_a_large_subject_crossing_a_tripod_frame_is_no_panorama():
    """Each frame's subject (45 % of the frame high, a sixth of its width further each frame)
    overlaps the next one's shifted and outweighs the low-contrast background: the best
    shift is a pan's.  The background's textured tiles agree as shot, which no pan does."""
    background = np.asarray(scene("coffee"), dtype=np.float32)
    background = background.mean() + 0.3 * (background - background.mean())
    subject = np.asarray(scene("astronaut", size=(86, 72)), dtype=np.float32)
    frames = []
    for k in range(4):
        pixels = background.copy()
        pixels[44:116, 10 + 40 * k : 96 + 40 * k] = subject
        frames.append(Image.fromarray(pixels.astype(np.uint8)))
    evidence = [
        KindEvidence(seconds=0.2 * k, camera="A", thumbnail=make_thumbnail(f))
        for k, f in enumerate(frames)
    ]
    assert classify(evidence)[0] == "burst"
    assert kinds(assign_kinds([[0, 1, 2, 3]], evidence, max_gap=4.0)) == [("burst", [0, 1, 2, 3])]


# -- focus stacks ----------------------------------------------------------------------------


def focus_stack(count=4, size=(360, 240)):
    """A scene whose depth grows from left to right, focused nearer to farther frame by frame."""
    base = scene("chelsea", size=size)
    bands = 6
    width = size[0] // bands
    frames = []
    for k in range(count):
        focus = (k + 0.5) / count * bands
        frame = base.copy()
        for band in range(bands):
            sigma = abs(band + 0.5 - focus) * 1.6
            box = (band * width, 0, (band + 1) * width, size[1])
            if sigma > 0.3:
                frame.paste(base.filter(ImageFilter.GaussianBlur(sigma)).crop(box), box)
        frames.append(frame)
    return frames


def stack_evidence(frames, interval=0.5):
    return [
        KindEvidence(seconds=interval * k, thumbnail=make_thumbnail(f), focus=focus_map(f))
        for k, f in enumerate(frames)
    ]


def test_sharpness_moving_through_the_frame_makes_a_focus_stack():
    kind, reason = classify(stack_evidence(focus_stack()))
    assert kind == "focus_stack" and "moving" in reason


def test_a_burst_with_one_frame_in_focus_is_not_a_focus_stack():
    base = scene("chelsea", size=(360, 240))
    frames = [base.filter(ImageFilter.GaussianBlur(s)) if s else base for s in (2.0, 0, 3.0, 2.5)]
    evidence = [KindEvidence(seconds=0.2 * k, focus=focus_map(f)) for k, f in enumerate(frames)]
    assert classify(evidence)[0] == "burst"


def wall_and_table_sweep(frames=6):
    """Focus maps of a stack from a tripod: a textured wall filling the top half, sharp only
    in the last frame (3x), and table cells each sharpest in one of the frames between,
    changing 1.45-1.6x over the stack (less than hand-held framing moves a cell's detail)."""
    maps = []
    for k in range(frames):
        cells = np.empty((4, 6), dtype=np.float32)
        cells[:2] = (1.0, 1.1, 1.2, 1.4, 1.8, 3.0)[k]
        for c in range(12):
            peak = 1 + c % 4
            cells[2 + c // 6, c % 6] = 1.6 / (1 + 0.15 * abs(k - peak))
        maps.append(cells)
    return maps


def test_a_tripod_stack_whose_wall_outnumbers_the_sweep_is_kept_whole():
    """At tripod framing the table's smaller changes of detail count, so the wall sharpest
    in the last frame no longer makes one frame the sharpest nearly everywhere; the same
    maps from hand-held frames (framing moving detail between cells) stay a burst."""
    maps = wall_and_table_sweep()
    tripod = make_thumbnail(scene("chelsea", size=(360, 240)))
    fixed = [KindEvidence(seconds=0.3 * k, thumbnail=tripod, focus=m) for k, m in enumerate(maps)]
    kind, reason = classify(fixed)
    assert kind == "focus_stack" and "moving" in reason
    hand_held = [
        replace(e, thumbnail=make_thumbnail(scene("chelsea", size=(360, 240), shift=2 * (k % 2))))
        for k, e in enumerate(fixed)
    ]
    assert classify(hand_held)[0] == "burst"


def subject_crossing(count=6, size=(360, 240)):
    """A tripod burst: a sharp subject (a face, a fifth of the frame high) crossing a
    background the shallow depth of field blurs, left to right at one exposure."""
    background = scene("chelsea", size=size).filter(ImageFilter.GaussianBlur(3))
    height = size[1] // 5
    subject = scene("astronaut", size=(height * 4 // 5, height))
    mask = Image.new("L", subject.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, subject.width - 1, subject.height - 1), fill=255)
    frames = []
    for k in range(count):
        frame = background.copy()
        left = (size[0] - subject.width) * k // (count - 1)
        frame.paste(subject, (left, (size[1] - height) // 2), mask)
        frames.append(frame)
    return frames


def test_a_tripod_burst_of_a_subject_crossing_the_frame_stays_a_burst():
    """Each cell is most detailed while the sharp subject passes over it, so the detail
    rises and falls through the frame as a focus sweep's does; but what the cells show
    changes where the subject passes, which defocus never does: at most a possible stack,
    picked and never kept whole."""
    kind, reason = classify(stack_evidence(subject_crossing(), interval=0.15))
    assert kind == "burst", reason


def test_subject_distance_stepping_one_way_is_at_most_a_possible_focus_stack():
    """A camera tracking a subject that comes closer records a distance stepping one way
    too: on its own that is a burst; at one exposure and framing, a possible stack."""
    stepping = [KindEvidence(seconds=0.5 * k, subject_distance=0.30 + 0.02 * k) for k in range(5)]
    assert classify(stepping)[0] == "burst"
    thumb = make_thumbnail(scene("chelsea"))
    fixed = [replace(e, thumbnail=thumb) for e in stepping]
    kind, reason = classify(fixed)
    assert kind == "burst" and possible_kind(kind, reason) == "focus_stack"
    constant = [replace(e, subject_distance=2.0) for e in fixed]
    assert classify(constant) == ("burst", "frames of one scene")


def test_singles_and_every_index_kept_once():
    assert kinds(split_kinds([7], [KindEvidence()] * 8)) == [("single", [7])]
    frames = frames_with_bias((0, -2, 2, 0, 0)) + [KindEvidence(seconds=60.0, camera="A")]
    result = assign_kinds([[0, 1, 2, 3, 4], [5]], frames, max_gap=4.0)
    assert sorted(i for r in result for i in r.members) == list(range(6))
    assert [r.kind for r in result] == ["bracket", "burst", "single"]
    assert {"bracket", "panorama", "focus_stack"} == PROTECTED_KINDS


def test_evidence_from_metadata_tolerates_missing_fields():
    class Bare:
        wall_seconds = 3.0

    evidence = KindEvidence.from_metadata(Bare(), thumbnail=np.zeros((64, 64), np.uint8))
    assert evidence.seconds == 3.0 and evidence.exposure_bias is None


def test_exposure_fields_are_read_and_impossible_values_dropped(tmp_path):
    from app.photos.exif import read_auto_bracket

    data = exif(make="Canon", model="EOS R5")
    sub = data.get_ifd(0x8769)
    sub[0x9204] = IFDRational(-1, 3)
    sub[0x829A] = IFDRational(1, 250)
    sub[0x9206] = IFDRational(0, 1)  # 0 means "unknown"
    good = tmp_path / "good.jpg"
    scene().save(good, "JPEG", exif=data)
    meta = read_metadata(good)
    assert meta.exposure_bias == pytest.approx(-0.333, abs=1e-3)
    assert meta.exposure_seconds == pytest.approx(0.004) and meta.subject_distance is None
    assert meta.auto_bracket is None  # no maker note here: not known, not "no"

    sub[0x9204] = IFDRational(10**6, 1)  # no camera biases a million stops
    sub[0x9206] = IFDRational(3, 2)
    odd = tmp_path / "odd.jpg"
    scene().save(odd, "JPEG", exif=data)
    meta = read_metadata(odd)
    assert meta.exposure_bias is None and meta.subject_distance == 1.5

    garbage = tmp_path / "garbage.cr2"
    garbage.write_bytes(b"II*\x00" + b"\xff" * 64)
    assert read_auto_bracket(garbage, "Canon") is None
    assert read_auto_bracket(good, "Leica") is None


# -- strong evidence only: what bursts do that brackets and stacks also do -------------------


def settings_burst(stops, biases=None, image=None, interval=0.15):
    """Burst frames whose exposure moved by ``stops`` (EV; the frames get brighter with it),
    recorded as exposure time, and as exposure bias where ``biases`` are given."""
    base = image or scene("coffee")
    return [
        KindEvidence(
            seconds=interval * k,
            camera="A",
            thumbnail=make_thumbnail(exposed(base, ev) if ev else base),
            exposure_bias=None if biases is None else biases[k],
            exposure_seconds=2.0**ev / 500,
            f_number=4.0,
            iso=400,
        )
        for k, ev in enumerate(stops)
    ]


@pytest.mark.parametrize(
    "stops",
    [(0, 2 / 3, 4 / 3, 2, 8 / 3), (0, 2 / 3, -2 / 3, 0, 2 / 3), (1, 1 / 3, -1 / 3, -1)],
    ids=["drifting up", "wandering", "drifting down"],
)
def test_auto_exposure_drift_is_a_burst_not_a_bracket(stops):
    """The meter moving the exposure time by 2/3 EV a frame is no bracket, nor a possible one."""
    frames = settings_burst(stops)
    assert classify(frames) == ("burst", "frames of one scene")
    assert kinds(split_kinds(range(len(frames)), frames)) == [("burst", list(range(len(frames))))]


def test_exposure_compensation_turned_during_a_burst_is_one_burst():
    biases = (0, 1 / 3, 2 / 3, 2 / 3, 1, 4 / 3)
    frames = settings_burst(biases, biases=[round(b, 2) for b in biases])
    pieces = split_kinds(range(6), frames)
    assert kinds(pieces) == [("burst", list(range(6)))] and pieces[0].possible is None


def test_exposure_stepping_for_a_few_frames_does_not_split_a_burst():
    frames = settings_burst((0, 0, 2 / 3, 4 / 3, 2, 2))
    pieces = split_kinds(range(6), frames)
    assert kinds(pieces) == [("burst", list(range(6)))] and pieces[0].possible is None


@pytest.mark.parametrize("recorded", ["exposure time", "exposure bias"])
@pytest.mark.parametrize("stops", [(0, 0, 1, 2, 3, 3), (3, 2, 1, 0, 0)], ids=["up", "down"])
def test_exposure_ramping_a_full_stop_a_frame_is_one_burst(stops, recorded):
    """A dial turned a stop a click, or the meter following the light a stop a frame: three
    evenly stepped frames in exposure order look like a bracket, but the frames around them
    continue the ramp or dwell at its end, so the burst stays whole."""
    biases = list(stops) if recorded == "exposure bias" else None
    frames = settings_burst(stops, biases=biases)
    pieces = split_kinds(range(len(stops)), frames)
    assert kinds(pieces) == [("burst", list(range(len(stops))))] and pieces[0].possible is None


def half_sharp(image, side):
    """The frame focused on one half: the other half blurred."""
    soft = blurred(image, 3.0)
    width, height = image.size
    box = (width // 2, 0, width, height) if side == "left" else (0, 0, width // 2, height)
    frame = image.copy()
    frame.paste(soft.crop(box), box)
    return frame


def test_focus_misses_in_a_hand_held_burst_are_no_focus_stack():
    """Autofocus landing on the subject, on the background, nowhere, back on the background
    and the subject, in shifted hand-held frames: each frame is sharpest somewhere, but the
    sharp region jumps back and forth instead of sweeping through the scene."""
    shots = [("left", 0), ("right", 3), ("missed", 6), ("right", 5), ("left", 1)]
    frames = []
    for side, shift in shots:
        view = scene("chelsea", size=(360, 240), shift=shift)
        frames.append(blurred(view, 2.0) if side == "missed" else half_sharp(view, side))
    kind, reason = classify(stack_evidence(frames, interval=0.1))
    assert kind == "burst" and possible_kind(kind, reason) is None


def test_a_bracket_with_its_exposure_tags_stripped_is_a_possible_bracket():
    """Clear brightness steps at fixed framing and no exposure tags: the frames stay one
    burst with a pick, flagged, so that nothing of it is rejected."""
    frames = [
        KindEvidence(
            seconds=0.2 * k,
            thumbnail=make_thumbnail(exposed(scene("coffee"), ev) if ev else scene("coffee")),
            focus=focus_map(exposed(scene("coffee"), ev)),
        )
        for k, ev in enumerate((0, -2, 2))
    ]
    (piece,) = split_kinds(range(3), frames)
    assert piece.kind == "burst" and piece.possible == "bracket" and not piece.protected
    assert possible_kind(piece.kind, piece.reason) == "bracket" and "EV" in piece.reason
    assert classify(frames)[0] == "burst"


def test_the_exif_exposure_mode_auto_bracket_makes_a_bracket(tmp_path):
    """EXIF ExposureMode 2 ("auto bracket") is the camera's word, even for two frames and
    without exposure bias."""
    evidence = []
    for k, ev in enumerate((0, -1)):
        data = exif(when="2024:06:01 12:00:00", subsec=f"{k * 2}")
        data.get_ifd(0x8769)[0xA402] = 2
        path = tmp_path / f"aeb{k}.jpg"
        exposed(scene("chelsea"), ev).save(path, "JPEG", exif=data)
        meta = read_metadata(path)
        assert meta.auto_bracket is True
        evidence.append(KindEvidence.from_metadata(meta, make_thumbnail(Image.open(path))))
    assert classify(evidence)[0] == "bracket"


def camera_frame(image, stops, rotation):
    """A hand-held frame through a camera's tone curve: exposure changed by ``stops`` in
    linear light, highlights rolled off by a shoulder (a +2 EV frame's steps compress),
    rotated by ``rotation`` degrees and cropped to its centre."""
    linear = (np.asarray(image, dtype=np.float32) / 255.0) ** 2.2 * 2.0**stops
    toned = linear * (1 + linear / 4) / (1 + linear)  # white at 4x the metered white
    frame = Image.fromarray((np.clip(toned, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8))
    width, height = frame.size
    turned = frame.rotate(rotation, resample=Image.Resampling.BILINEAR)
    box = (width * 0.05, height * 0.05, width * 0.95, height * 0.95)
    return turned.resize((width, height), Image.Resampling.BILINEAR, box=box)


@pytest.mark.parametrize(
    "stops",
    [(0, -3, 3), (0, -2, 2, 0, 0), (0, 0, 2, 0, -2)],
    ids=["0/-3/+3", "0/-2/+2, then the base", "descending, after the base"],
)
def test_a_stripped_bracket_through_a_tone_curve_hand_held_is_a_possible_bracket(stops):
    """No exposure tags: a camera's tone curve rolls the brighter frame's highlights off
    (its step looks smaller, its detail flatter) and the frames turn by a degree or so
    against each other; the bracket is still flagged, none of its frames rejected."""
    frames = tone_curve_series("coffee", stops)
    (piece,) = split_kinds(range(len(frames)), frames)
    assert piece.kind == "burst" and piece.possible == "bracket" and not piece.protected


def tone_curve_series(name, stops):
    """Untagged hand-held frames of one scene through a camera's tone curve."""
    base = scene(name, size=(256, 192))
    rotations = (0.0, 1.2, -0.8, 0.5, -1.5)
    frames = []
    for k, ev in enumerate(stops):
        image = camera_frame(base, ev, rotations[k])
        frames.append(
            KindEvidence(seconds=0.2 * k, thumbnail=make_thumbnail(image), focus=focus_map(image))
        )
    return frames


@pytest.mark.parametrize(
    ("name", "stops"),
    [("astronaut", (0, -1, 1)), ("coffee", (-1, 0, 1)), ("astronaut", (0, -1, 1, -2, 2))],
    ids=["0/-1/+1", "-1/0/+1", "0/-1/+1/-2/+2"],
)
def test_a_stripped_1_ev_bracket_whose_brighter_frames_the_shoulder_compresses(name, stops):
    """Through the shoulder a +1 EV frame measures about 0.8 EV brighter and a +2 EV frame
    1.5: the steps under the base keep their size, those over it shrink as the frame
    brightens, which is still a bracket (flagged, none of its frames rejected)."""
    frames = tone_curve_series(name, stops)
    (piece,) = split_kinds(range(len(frames)), frames)
    assert piece.kind == "burst" and piece.possible == "bracket" and not piece.protected


@pytest.mark.parametrize(
    ("name", "stops"),
    [("camera", (0, -1, 0.6)), ("chelsea", (0, -1, 0.6)), ("coffee", (-0.7, 0, 0.5))],
    ids=["dropped then rose, bright scene", "dropped then rose", "ramping"],
)
def test_auto_exposure_drift_through_a_tone_curve_is_no_possible_bracket(name, stops):
    """Untagged, a meter that drops a stop and rises 0.6 EV steps like a bracket whose
    brighter frame a shoulder compressed, but its brighter frame is not bright enough for
    a shoulder to take that much off the step: a burst, culled as one."""
    frames = tone_curve_series(name, stops)
    (piece,) = split_kinds(range(len(frames)), frames)
    assert piece.kind == "burst" and piece.possible is None


@pytest.mark.parametrize(
    ("name", "stops", "sigma"),
    [("coffee", 1.5, 2.0), ("chelsea", 3.0, 1.5)],
    ids=["1.5 EV off, 2 px", "3 EV off, 1.5 px: beyond the allowance's growth"],
)
def test_a_burst_with_blurred_under_and_over_exposed_frames_is_no_possible_bracket(
    name, stops, sigma
):
    """Without tags, a hand-held burst whose meter missed down and then up looks stepped,
    but those frames are also shaken soft, more than a brighter frame's tone curve
    flattens detail (which the sharpness test allows more of the farther apart the
    exposures are, up to a bound a blur of 1.5 px at this size exceeds): a plain burst,
    culled as one."""
    base = scene(name, size=(256, 192))
    frames = []
    for k, (ev, blur) in enumerate(((0, 0), (-stops, sigma), (stops, sigma), (0, 0))):
        image = camera_frame(blurred(base, blur) if blur else base, ev, 0.6 * k)
        frames.append(
            KindEvidence(seconds=0.1 * k, thumbnail=make_thumbnail(image), focus=focus_map(image))
        )
    (piece,) = split_kinds(range(len(frames)), frames)
    assert piece.kind == "burst" and piece.possible is None


def test_a_bracket_whose_brightest_frame_grouping_split_off_is_joined_again():
    """The +2 EV frame of a -2..+2 bracket, highlights blown, can look too unlike the rest
    for grouping; the exposure bias the camera recorded says it belongs to the bracket."""
    frames = frames_with_bias((0, -1, 1, -2, 2))
    result = assign_kinds([[0, 1, 2, 3], [4]], frames, max_gap=4.0)
    assert kinds(result) == [("bracket", [0, 1, 2, 3, 4])]
    ascending = frames_with_bias((-2, -1, 0, 1, 2))
    assert kinds(assign_kinds([[0, 1, 2], [3, 4]], ascending, max_gap=4.0)) == [
        ("bracket", [0, 1, 2, 3, 4])
    ]


def test_only_a_recorded_bracket_running_across_joins_two_series():
    """A frame after a whole bracket, a burst's frame at another bias, a bracket's frame
    seconds later, and a bracket of another camera stay apart."""
    after_bracket = frames_with_bias((0, -1, 1, 0))
    assert [r.kind for r in assign_kinds([[0, 1, 2], [3]], after_bracket, 4.0)] == [
        "bracket",
        "single",
    ]
    burst_then_dark = frames_with_bias((0, 0, 0, 0, -2))
    assert len(assign_kinds([[0, 1, 2, 3], [4]], burst_then_dark, 4.0)) == 2
    late = frames_with_bias((0, -1, 1, -2)) + frames_with_bias((2,), start=30.0)
    assert [4] in [r.members for r in assign_kinds([[0, 1, 2, 3], [4]], late, 4.0)]
    other_camera = frames_with_bias((0, -1, 1, -2)) + [
        replace(frames_with_bias((2,), start=0.8)[0], camera="B")
    ]
    assert [4] in [r.members for r in assign_kinds([[0, 1, 2, 3], [4]], other_camera, 4.0)]


def photo_on_a_wall(left=1 / 6, size=(256, 192)):
    """A bright plain wall (a soft gradient) with a photograph hung on it, ``left`` of the
    way across: most of the frame blows out two stops over."""
    width, height = size
    ramp = np.linspace(145, 195, width, dtype=np.float32)[None, :, None]
    wall = np.repeat(np.repeat(ramp, height, axis=0), 3, axis=2)
    photo = np.asarray(scene("coffee", size=(width * 3 // 8, height * 3 // 8)), np.float32)
    top, x = (height // 2, int(left * width)) if left < 0.5 else (height // 8, int(left * width))
    wall[top : top + photo.shape[0], x : x + photo.shape[1]] = photo
    return Image.fromarray(wall.astype(np.uint8))


def grainy(image, seed, sigma=2.0):
    """A JPEG's faint grain, so a flat area is not flat to the last grey level."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0.0, sigma, (image.size[1], image.size[0], 1))
    values = np.asarray(image, dtype=np.float32) + grain
    return Image.fromarray(values.clip(0, 255).round().astype(np.uint8))


def untagged(images):
    return [
        KindEvidence(seconds=0.2 * k, thumbnail=make_thumbnail(image), focus=focus_map(image))
        for k, image in enumerate(images)
    ]


def test_a_stripped_bracket_whose_brightest_frame_is_mostly_blown_is_a_possible_bracket():
    """The +2 EV frame of a bright scene is white over most of the frame, which grouping's
    similarity reads as another view; with both frames clipped alike, the white areas are
    the same area, and the bracket is flagged.  A blown frame of another view is not."""
    base, dark = photo_on_a_wall(), exposed(photo_on_a_wall(), -2)
    for blown, flagged in ((photo_on_a_wall(), "bracket"), (photo_on_a_wall(left=0.55), None)):
        images = [grainy(image, k) for k, image in enumerate((base, dark, exposed(blown, 2)))]
        (piece,) = split_kinds(range(3), untagged(images))
        assert piece.kind == "burst" and piece.possible == flagged and not piece.protected


def test_a_stripped_bracket_compares_sharpness_as_the_tone_curve_leaves_it():
    """Shot 0/-2/+2, the -2 and +2 EV frames are neighbours, four stops apart: grain lifts
    the darker frame's detail and the tone curve's shoulder flattens the brighter one's, by
    more than a blur would.  Compared next to each other in exposure, against each cell's
    contrast, the frames are equally sharp."""
    rng = np.random.default_rng(0)
    photo = np.asarray(scene("coffee", size=(256, 192)).convert("L"), np.float32) / 255
    images = []
    for stops in (1, -1, 3):
        linear = photo**2.2 * 2.0**stops
        grain = rng.normal(0, 1, linear.shape) * np.sqrt(1.6e-5 + 1e-4 * linear)
        linear = np.maximum(linear + grain, 0)
        toned = np.clip(linear * (1 + linear / 4) / (1 + linear), 0, 1) ** (1 / 2.2)
        images.append(Image.fromarray((toned * 255).round().astype(np.uint8)))
    (piece,) = split_kinds(range(3), untagged(images))
    assert piece.kind == "burst" and piece.possible == "bracket"


def test_an_untagged_bracket_whose_brightest_frame_grouping_split_off_is_joined_again():
    """No exposure tags: the -2..+2 bracket's blown +2 frame, split off by grouping, joins
    the rest as one possible bracket (nothing of it rejected); a frame shot after the
    grouping's time limit, or a burst's frame carrying its exposure, stays apart."""
    images = [exposed(scene("coffee"), ev) for ev in (-2, -1, 0, 1, 2)]
    frames = untagged(images)
    (piece,) = assign_kinds([[0, 1, 2, 3], [4]], frames, max_gap=4.0)
    assert piece.members == [0, 1, 2, 3, 4] and piece.possible == "bracket"
    late = [*frames[:4], replace(frames[4], seconds=30.0)]
    assert [4] in [r.members for r in assign_kinds([[0, 1, 2, 3], [4]], late, 4.0)]
    tagged = [replace(f, exposure_seconds=1 / 250, f_number=8.0, iso=100) for f in frames]
    assert [4] in [r.members for r in assign_kinds([[0, 1, 2, 3], [4]], tagged, 4.0)]


def test_a_bracket_some_of_whose_frames_lost_their_tags_is_judged_by_its_pixels():
    """One frame still records its exposure, the others lost theirs: the settings cannot
    say whether the exposure stepped, the pixels can.  Where every frame records the same
    settings, the pixels' steps are a burst's faults, not a bracket."""
    images = [exposed(scene("coffee"), ev) for ev in (-2, 0, 2)]
    frames = untagged(images)
    frames[0] = replace(frames[0], exposure_seconds=1 / 250, f_number=8.0, iso=100)
    (piece,) = split_kinds(range(3), frames)
    assert piece.kind == "burst" and piece.possible == "bracket"
    same = [replace(f, exposure_seconds=1 / 250, f_number=8.0, iso=100) for f in frames]
    (piece,) = split_kinds(range(3), same)
    assert piece.possible is None


def test_a_bracket_like_run_in_a_burst_whose_exposure_wanders_is_no_possible_bracket():
    """No tags: auto exposure wandering by 0.6-1 EV a frame steps -1/0/+1 somewhere by
    chance, with frames between those levels around it; a bracket's series holds its base
    exposure or its farther exposures besides the run, as shot after a 0/-1/+1 bracket."""
    photo = scene("coffee")
    wandering = untagged([exposed(photo, ev) for ev in (0.6, -1, 0, 1, -0.6)])
    (piece,) = split_kinds(range(5), wandering)
    assert piece.kind == "burst" and piece.possible is None
    bracket_then_base = untagged([exposed(photo, ev) for ev in (0, -1, 1, 0, 0)])
    (piece,) = split_kinds(range(5), bracket_then_base)
    assert piece.possible == "bracket"
