"""Face detection, eye state, head pose and eye sharpness on real portraits.

The portraits are public domain (scikit-image's astronaut, the US Navy's Grace Hopper); the
closed-eye and sunglasses variants come from scripts/synthetic_faces.py, whose docstring
says how they are made.  The models are the shipped MediaPipe models on LiteRT.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFilter

from app.faces import FaceAnalyzer, FaceOptions, FacesUnavailable, choose_pick, faces_problem
from app.faces import runtime as face_runtime
from app.faces.detect import square_tiles
from app.faces.eyes import EyeThresholds, classify, eye_region_brightness
from app.faces.landmarks import face_roi
from app.faces.pose import HeadPose, head_pose

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import synthetic_faces as synthetic  # noqa: E402

ASTRONAUT, HOPPER = synthetic.ASTRONAUT, synthetic.GRACE_HOPPER


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    assert faces_problem() is None, faces_problem()
    return FaceAnalyzer()


def only_face(analyzer: FaceAnalyzer, image, source=None):
    faces = analyzer.analyze(image, source)
    assert len(faces) == 1, faces
    return faces[0]


def eye_centres(portrait) -> np.ndarray:
    return np.array([np.mean(eye, axis=0) for eye in portrait.eyes])


# Detection ------------------------------------------------------------------------------


@pytest.mark.parametrize("portrait", [ASTRONAUT, HOPPER], ids=lambda p: p.name)
def test_one_face_is_found_and_its_box_holds_both_eyes(analyzer, portrait):
    face = only_face(analyzer, np.asarray(portrait.load()))
    x, y, w, h = face.box
    for cx, cy in eye_centres(portrait):
        assert x < cx < x + w and y < cy < y + h
    assert 0.6 < face.detection_score <= 1.0
    eye_span = np.ptp(eye_centres(portrait)[:, 0])
    assert 1.5 * eye_span < w < 4.0 * eye_span  # a face box, not the whole frame


@pytest.mark.parametrize("scene", ["chelsea", "coffee", "rocket", "coins"])
def test_no_face_in_photos_without_people(analyzer, scene):
    """A cat's face, a cup, a launch and coins are not faces."""
    assert analyzer.analyze(Image.fromarray(getattr(skimage.data, scene)()).convert("RGB")) == []


def test_box_is_in_the_given_image_pixels_and_scales_to_the_original(analyzer):
    original = ASTRONAUT.load()
    half = original.resize((256, 256), Image.Resampling.LANCZOS)
    full_face = only_face(analyzer, original)
    half_face = only_face(analyzer, half)
    assert np.allclose(half_face.scaled(2.0).box, full_face.box, atol=6)
    assert half_face.to_json()["box"] == [round(v) for v in half_face.box]


def test_a_tilted_face_is_found_and_its_roll_measured(analyzer):
    image = ASTRONAUT.load().rotate(25, resample=Image.Resampling.BICUBIC, expand=True)
    upright = only_face(analyzer, ASTRONAUT.load())
    tilted = only_face(analyzer, image)
    assert tilted.eyes == "open"
    # PIL rotates counter-clockwise, so the eye line turns by -25 degrees.
    assert tilted.pose.roll == pytest.approx(upright.pose.roll - 25, abs=4)


def test_a_small_group_of_faces_in_a_large_frame_is_found_with_tiles():
    """Faces of about 55 px in a 1024 px frame: the whole frame misses them, 2x2 tiles and
    the crowd pass (which a small candidate starts) do not."""
    head = ASTRONAUT.load().crop((130, 20, 330, 240)).resize((120, 132), Image.Resampling.LANCZOS)
    canvas = Image.fromarray(skimage.data.coffee()).resize((1024, 683))
    spots = [(150, 120), (600, 140), (380, 420)]
    for spot in spots:
        canvas.paste(head, spot)
    whole = FaceAnalyzer(FaceOptions(tile_grid=1, crowd_tile=0)).analyze(canvas)
    assert len(whole) < len(spots)
    for options in (FaceOptions(tile_grid=2, crowd_tile=0), FaceOptions()):
        tiled = FaceAnalyzer(options).analyze(canvas)
        assert len(tiled) == len(spots)
        assert all(face.eyes == "open" for face in tiled)
        for x, y, w, h in (f.box for f in tiled):
            assert any(sx < x + w / 2 < sx + 120 and sy < y + h / 2 < sy + 132 for sx, sy in spots)


@pytest.mark.parametrize("size", [(1024, 683), (683, 1024), (1024, 1024), (300, 200)])
def test_crowd_tiles_are_squares_covering_the_image_with_the_overlap_asked(size):
    """Every face up to the overlap wide lies whole in some tile."""
    side, overlap = 320, 80
    boxes = square_tiles(size, side, overlap)
    covered = np.zeros(size[::-1], dtype=int)
    for left, top, right, bottom in boxes:
        assert right - left == min(side, size[0]) and bottom - top == min(side, size[1])
        covered[top:bottom, left:right] += 1
    assert covered.min() >= 1
    for x in range(0, size[0] - overlap + 1, 7):
        for y in range(0, size[1] - overlap + 1, 7):
            assert any(
                a <= x and x + overlap <= c and b <= y and y + overlap <= d for a, b, c, d in boxes
            )


def searched_boxes(detector) -> list[tuple[int, int, int, int]]:
    """The parts of the image ``detector`` is run on, as it runs."""
    boxes: list[tuple[int, int, int, int]] = []
    search = detector.candidates

    def recorded(image, parts, *args):
        boxes.extend(parts)
        return search(image, parts, *args)

    detector.candidates = recorded
    return boxes


def test_a_faint_crowd_is_found_through_the_probe():
    """24 faces of about 33 px in a 1024 px preview: the whole-frame search sees no face and
    only candidates under 0.3; a closer look around the best of them finds a face, which
    starts the crowd pass, and it finds them all.  Without the probe nothing is found."""
    head = ASTRONAUT.load().crop((130, 20, 330, 240)).resize((66, 73), Image.Resampling.LANCZOS)
    canvas = Image.fromarray(skimage.data.coffee()).resize((1024, 683))
    for row in range(3):
        for k in range(8):
            canvas.paste(head, (60 + 115 * k, 80 + 190 * row))
    analyzer = FaceAnalyzer()
    assert len(analyzer.find(canvas)) == 24 and analyzer.crowd_passes == 1
    assert FaceAnalyzer(FaceOptions(crowd_tile=0)).find(canvas) == []
    assert FaceAnalyzer(FaceOptions(crowd_probe_score=1.0)).find(canvas) == []


def test_a_photo_without_people_costs_a_probe_not_the_crowd_pass():
    """The Hubble deep field's galaxies look like small faces to the whole-frame search (one
    scores above 0.3); the probe, the short-range detector on the 128 px square around the
    best, finds no face there, so the twelve tiles are not searched and no false face is
    added."""
    sky = Image.fromarray(skimage.data.hubble_deep_field()).resize((1024, 683))
    analyzer = FaceAnalyzer()
    searched = searched_boxes(analyzer.detector)
    assert analyzer.find(sky) == [] and analyzer.crowd_passes == 0
    assert searched == [(0, 0, 1024, 683)]
    analyzer = FaceAnalyzer()
    probed = searched_boxes(analyzer.probe)
    analyzer.find(sky)
    ((left, top, right, bottom),) = probed
    assert right - left == bottom - top == 128


def crowd(blink_at: int | None) -> Image.Image:
    """A 2048 px group photo: two people in front (faces about 240 px wide) and a row of
    eight behind (about 88 px: 44 px in a 1024 px preview, too small for a search of the
    whole frame); the back-row face ``blink_at`` has its eyes closed."""
    photo = ASTRONAUT.load()
    closed = synthetic.close_eyes(photo, ASTRONAUT.eyes)
    canvas = Image.fromarray(skimage.data.coffee()).resize((2048, 1366))
    front = photo.crop((130, 20, 330, 240)).resize((460, 506), Image.Resampling.LANCZOS)
    for x in (120, 1480):
        canvas.paste(front, (x, 760))
    for k in range(8):
        head = (closed if k == blink_at else photo).crop((130, 20, 330, 240))
        canvas.paste(head.resize((168, 185), Image.Resampling.LANCZOS), (300 + 185 * k, 230))
    return canvas


def test_a_blink_on_a_small_face_of_a_crowd_is_found_by_the_crowd_pass_and_not_picked():
    """The front row is found in the whole preview, which hints at a group photo; the crowd
    pass then finds the back row, and the frame where one of them blinked is not the pick.
    Without the crowd pass the blink goes unseen and the blinking frame, scoring higher,
    is picked."""
    frames = [crowd(blink_at=5), crowd(blink_at=None)]
    previews = [f.resize((1024, 683), Image.Resampling.LANCZOS) for f in frames]
    scores = [9.0, 6.0]

    def faces_of(analyzer):
        return [analyzer.analyze(p, lambda f=f: f) for p, f in zip(previews, frames, strict=True)]

    whole = faces_of(FaceAnalyzer(FaceOptions(crowd_tile=0)))
    assert len(whole[0]) < 10 and not any(f.eyes == "closed" for f in whole[0])
    assert choose_pick(scores, whole).pick == 0
    found = faces_of(FaceAnalyzer())
    assert [len(f) for f in found] == [10, 10]
    assert sum(f.eyes == "closed" for f in found[0]) == 1
    assert not any(f.eyes == "closed" for f in found[1])
    decision = choose_pick(scores, found)
    assert decision.pick == 1 and decision.reason == "eyes_open"


# Eye state ------------------------------------------------------------------------------


@pytest.mark.parametrize("portrait", [ASTRONAUT, HOPPER], ids=lambda p: p.name)
def test_open_eyes_read_as_open(analyzer, portrait):
    """The astronaut laughs with her teeth showing; Grace Hopper wears clear glasses."""
    face = only_face(analyzer, portrait.load())
    assert face.eyes == "open" and face.confidence >= 0.8


def test_closed_eyes_read_as_closed(analyzer):
    closed = synthetic.close_eyes(ASTRONAUT.load(), ASTRONAUT.eyes)
    face = only_face(analyzer, closed)
    assert face.eyes == "closed" and face.confidence >= 0.6
    assert face.openness < EyeThresholds().closed_below


def test_a_closure_the_lids_do_not_show_clearly_is_not_called_open(analyzer):
    """Grace Hopper's synthetic closure behind glasses measures between the thresholds:
    it must not pass for open (it reads as unknown; a closed verdict would also do)."""
    closed = synthetic.close_eyes(HOPPER.load(), HOPPER.eyes)
    assert only_face(analyzer, closed).eyes != "open"


@pytest.mark.parametrize("portrait", [ASTRONAUT, HOPPER], ids=lambda p: p.name)
def test_half_closed_eyes_are_never_closed(analyzer, portrait):
    half = synthetic.close_eyes(portrait.load(), portrait.eyes, amount=0.5)
    assert only_face(analyzer, half).eyes != "closed"


@pytest.mark.parametrize("portrait", [ASTRONAUT, HOPPER], ids=lambda p: p.name)
def test_sunglasses_are_unknown_not_closed(analyzer, portrait):
    face = only_face(analyzer, synthetic.sunglasses(portrait.load(), portrait.eyes))
    assert face.eyes == "unknown" and "hidden" in face.reason


def test_a_face_turned_to_a_camera_viewfinder_is_unknown(analyzer):
    """scikit-image's cameraman: head turned about 35-38 degrees and bowed, one eye behind
    the camera.  Even with the pose limits lifted, the hidden eye keeps it unknown."""
    image = Image.fromarray(skimage.data.camera()).convert("RGB")
    face = only_face(analyzer, image)
    assert face.eyes == "unknown" and face.reason == "face turned away"
    lenient = EyeThresholds(max_yaw=90, max_pitch_down=90)
    face = only_face(FaceAnalyzer(FaceOptions(thresholds=lenient)), image)
    assert face.eyes == "unknown" and "hidden" in face.reason


def test_a_face_too_small_to_judge_is_unknown_and_a_sharper_source_decides(analyzer):
    """At 0.3x the astronaut's eyes are about 5 px wide: unknown.  Given the original as the
    higher-resolution source, the same preview is judged, open or closed."""
    calls = []
    for variant, expected in (
        (ASTRONAUT.load(), "open"),
        (synthetic.close_eyes(ASTRONAUT.load(), ASTRONAUT.eyes), "closed"),
    ):
        preview = variant.resize((154, 154), Image.Resampling.LANCZOS)
        alone = only_face(analyzer, preview)
        assert alone.eyes == "unknown" and alone.reason == "face too small to judge"

        def source(variant=variant):
            calls.append(1)
            return np.asarray(variant)

        helped = only_face(analyzer, preview, source)
        assert helped.eyes == expected
        assert np.allclose(helped.box, alone.box)  # still in the preview's pixels
    assert len(calls) == 2  # one decode per photo


def test_a_large_face_never_asks_for_the_source(analyzer):
    def source():
        raise AssertionError("the preview was enough")

    assert only_face(analyzer, ASTRONAUT.load(), source).eyes == "open"


def test_a_source_that_gives_nothing_or_fails_leaves_the_face_unknown(analyzer):
    preview = ASTRONAUT.load().resize((154, 154), Image.Resampling.LANCZOS)
    assert only_face(analyzer, preview, lambda: None).eyes == "unknown"

    def unreadable():
        raise OSError("truncated file")

    assert only_face(analyzer, preview, unreadable).eyes == "unknown"


# Head pose and the rules that make a verdict unknown ------------------------------------


@pytest.fixture(scope="module")
def astronaut_landmarks(analyzer):
    image = ASTRONAUT.load()
    detection = analyzer.detector.detect(image)[0]
    return image, analyzer.landmarks.face(image, face_roi(detection))


def rotated(landmarks, yaw: float = 0.0, pitch: float = 0.0):
    """The landmarks turned in 3-D about the face's centre (yaw about the vertical axis,
    pitch about the horizontal one; positive pitch tips the face down)."""
    mesh = landmarks.mesh.copy()
    centre = mesh.mean(axis=0)
    a, b = math.radians(yaw), math.radians(pitch)
    turn = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    tip = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    mesh = (mesh - centre) @ turn.T @ tip.T + centre
    return replace(landmarks, mesh=mesh)


def test_head_pose_of_a_frontal_face_is_near_zero(astronaut_landmarks):
    pose = head_pose(astronaut_landmarks[1].mesh)
    assert abs(pose.yaw) < 8 and abs(pose.pitch) < 8


@pytest.mark.parametrize("yaw", [-50, -25, 25, 50])
def test_head_pose_follows_a_turned_mesh(astronaut_landmarks, yaw):
    base = head_pose(astronaut_landmarks[1].mesh)
    pose = head_pose(rotated(astronaut_landmarks[1], yaw=yaw).mesh)
    assert pose.yaw - base.yaw == pytest.approx(yaw, abs=3)


def test_pitch_follows_a_bowed_mesh(astronaut_landmarks):
    base = head_pose(astronaut_landmarks[1].mesh)
    pose = head_pose(rotated(astronaut_landmarks[1], pitch=30).mesh)
    assert pose.pitch - base.pitch == pytest.approx(30, abs=3)


@pytest.mark.parametrize(
    ("pose", "reason"),
    [
        (HeadPose(yaw=50, pitch=0, roll=0), "face turned away"),
        (HeadPose(yaw=-40, pitch=0, roll=0), "face turned away"),
        (HeadPose(yaw=0, pitch=28, roll=0), "looking down"),
        (HeadPose(yaw=0, pitch=-35, roll=0), "looking up"),
    ],
)
def test_turned_or_bowed_heads_are_unknown_even_with_closed_looking_lids(
    astronaut_landmarks, pose, reason
):
    image = synthetic.close_eyes(ASTRONAUT.load(), ASTRONAUT.eyes)
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    _, landmarks = astronaut_landmarks
    verdict = classify(landmarks, pose, eye_region_brightness(gray, landmarks))
    assert verdict.state == "unknown" and verdict.reason == reason


def laughing(landmarks, gap: float):
    """The landmarks with the lower inner lip moved down by ``gap`` of the face's height."""
    mesh = landmarks.mesh.copy()
    height = np.linalg.norm(mesh[152, :2] - mesh[10, :2])
    mesh[14, 1] = mesh[13, 1] + gap * height
    return replace(landmarks, mesh=mesh)


def test_a_laugh_needs_more_tightly_closed_lids(analyzer):
    """Laughing squeezes the eyes: with the mouth wide open, lids that would read as closed
    (openness about 0.13) give unknown; the same lids with the mouth closed read closed."""
    image = synthetic.close_eyes(ASTRONAUT.load(), ASTRONAUT.eyes)
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    landmarks = analyzer.landmarks.face(image, face_roi(analyzer.detector.detect(image)[0]))
    pose = head_pose(landmarks.mesh)
    brightness = eye_region_brightness(gray, landmarks)
    assert classify(laughing(landmarks, 0.02), pose, brightness).state == "closed"
    verdict = classify(laughing(landmarks, 0.2), pose, brightness)
    assert verdict.state == "unknown" and verdict.reason == "laughing"


def test_every_threshold_can_be_changed(analyzer):
    strict = EyeThresholds(min_eye_width=40.0)  # the astronaut's eyes are about 18 px wide
    face = only_face(FaceAnalyzer(FaceOptions(thresholds=strict)), ASTRONAUT.load())
    assert face.eyes == "unknown" and face.reason == "face too small to judge"


# Sharpness ------------------------------------------------------------------------------


def focus_variants(portrait, sigma: float):
    """(face blurred, background blurred): a missed focus and a shallow depth of field."""
    image = portrait.load()
    (x0, y0), (x1, y1) = eye_centres(portrait)
    span = x1 - x0
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(
        (x0 - 1.2 * span, y0 - 1.5 * span, x1 + 1.2 * span, y1 + 2.4 * span), fill=255
    )
    mask = mask.filter(ImageFilter.GaussianBlur(4))
    soft = image.filter(ImageFilter.GaussianBlur(sigma))
    return Image.composite(soft, image, mask), Image.composite(image, soft, mask)


@pytest.mark.parametrize("portrait", [ASTRONAUT, HOPPER], ids=lambda p: p.name)
def test_sharpness_falls_when_the_focus_misses_the_face_and_rises_before_a_blurred_background(
    analyzer, portrait
):
    sharp = only_face(analyzer, portrait.load()).sharpness
    face_soft, background_soft = focus_variants(portrait, 1.5)
    missed = only_face(analyzer, face_soft).sharpness
    shallow = only_face(analyzer, background_soft).sharpness
    assert 0.3 < sharp < 1.5  # as sharp as the rest of an all-sharp frame, roughly
    assert missed < 0.5 * sharp
    assert shallow > 2.0 * sharp


# Runtime and models ---------------------------------------------------------------------


def test_a_missing_runtime_is_said_in_one_line_and_nothing_loads(monkeypatch):
    message = "face analysis is off: the LiteRT runtime (ai-edge-litert) is not installed"
    monkeypatch.setattr(face_runtime, "runtime_problem", lambda: message)
    with pytest.raises(FacesUnavailable, match="not installed"):
        FaceAnalyzer()


def test_a_damaged_or_missing_model_file_is_refused_with_its_name(tmp_path, monkeypatch):
    shipped = face_runtime.model_path
    for spec in (
        face_runtime.FULL_RANGE_DETECTOR,
        face_runtime.SHORT_RANGE_DETECTOR,  # the crowd probe
        face_runtime.FACE_MESH,
    ):
        (tmp_path / spec.file).write_bytes(shipped(spec).read_bytes())
    monkeypatch.setattr(face_runtime, "model_path", lambda spec: tmp_path / spec.file)
    with pytest.raises(FacesUnavailable, match=r"face model missing: .*iris_landmark\.tflite"):
        FaceAnalyzer()
    (tmp_path / face_runtime.IRIS.file).write_bytes(b"not a model")
    with pytest.raises(FacesUnavailable, match=r"face model damaged: .*iris_landmark\.tflite"):
        FaceAnalyzer()


def test_the_shipped_models_match_their_checksums():
    import hashlib

    for spec in (
        face_runtime.SHORT_RANGE_DETECTOR,
        face_runtime.FULL_RANGE_DETECTOR,
        face_runtime.FACE_MESH,
        face_runtime.IRIS,
    ):
        assert hashlib.sha256(face_runtime.model_path(spec).read_bytes()).hexdigest() == spec.sha256
    licence = face_runtime.model_path(face_runtime.IRIS).with_name("LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence


def test_an_image_that_is_not_rgb_is_refused_clearly(analyzer):
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        analyzer.analyze(np.zeros((10, 10), dtype=np.uint8))


# The bundled samples --------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples" / "bursts"


def test_the_sample_portrait_burst_shows_the_closed_eye_rule(analyzer):
    """The sharpest frame of the portrait burst has closed eyes: the scores pick it, the rule
    picks the best frame with open eyes, as truth.json says."""
    from app.faces import choose_pick
    from app.photos import decode_image
    from app.scoring import TechnicalScorer

    truth = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    series = next(s for s in truth["series"] if "pick_reason" in s)
    names = [m["path"] for m in series["members"]]
    images = [decode_image(SAMPLES / name, 1024) for name in names]
    faces = [analyzer.analyze(image) for image in images]
    for member, found in zip(series["members"], faces, strict=True):
        assert len(found) == 1
        assert found[0].eyes == ("closed" if member["defect"] == "closed_eyes" else "open")
    decision = choose_pick(TechnicalScorer().rank_series(images), faces)
    assert names[decision.by_score] == series["best_by_score"]
    assert names[decision.pick] == series["best"]
    assert decision.reason == series["pick_reason"]


def test_no_other_sample_photo_has_closed_eyes(analyzer):
    from app.photos import decode_image

    for path in sorted(SAMPLES.glob("*.jpg")):
        if path.name != "portrait_02.jpg":
            faces = analyzer.analyze(decode_image(path, 1024))
            assert all(face.eyes != "closed" for face in faces), path.name


def test_results_cross_process_boundaries(analyzer):
    """Decode workers are processes: a face must pickle and come back equal."""
    import pickle

    faces = analyzer.analyze(ASTRONAUT.load())
    assert pickle.loads(pickle.dumps(faces)) == faces


def test_loading_the_models_prints_nothing(tmp_path):
    """LiteRT's native log line must not land among the cull's progress bars."""
    import subprocess

    code = "from app.faces import FaceAnalyzer; FaceAnalyzer(); print('done')"
    repo = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n" and result.stderr == ""
