"""Simulated photographers and the shoots they cull, for benchmarks/bench_taste.py.

The simulator knows nothing of the learner's features.  Each frame has latent properties
(exposure, subject size, where the subject looks, sharpness); the simulator *renders* what
the app would have stored for such a frame: a grayscale thumbnail, face boxes in the
original's pixels with detection noise, a measured yaw and pitch, the eye state, and a base
score that follows sharpness only (the base ranking does not share any of the
photographers' preferences).  The photographer decides on the latent properties, never on
the rendered values; the learner sees only the features computed from the rendering by
``app.taste.features``.

Two generators render differently, so that a figure can be reported on one that nothing
was tuned on:

- ``tuning``: 64 x 48 thumbnails, flat background, round subject, one face per frame,
  bursts of 4-10, mild measurement noise, pick + rejects of the bottom third;
- ``heldout``: 80 x 60 thumbnails with a gradient background and an elliptical subject,
  bursts of 3-12, a second face in a third of the frames, a face missed in 15 % of frames,
  twice the measurement noise, a noisier photographer who also gives stars (pick 3-5 stars,
  a runner-up 2 stars) and rejects the bottom quarter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from app.catalog import DecisionSource, DecisionState, FaceRecord, Flag, PhotoRecord
from app.catalog.records import SeriesMember, SeriesView

PREFERENCES = ("brighter", "larger_subject", "facing_camera", "random")
WIDTH, HEIGHT = 6000, 4000


@dataclass(frozen=True)
class Generator:
    name: str
    thumb: tuple[int, int]
    burst: tuple[int, int]
    box_noise: float  # relative error of a detected face box
    angle_noise: float  # degrees of error of the measured yaw and pitch
    second_face: float
    missed_face: float
    temperature: float  # the photographer's noise (Gumbel scale) against a strength of 1
    stars: bool
    reject_share: float


GENERATORS = {
    "tuning": Generator("tuning", (64, 48), (4, 10), 0.05, 5.0, 0.0, 0.0, 0.35, False, 1 / 3),
    "heldout": Generator("heldout", (80, 60), (3, 12), 0.10, 10.0, 1 / 3, 0.15, 0.5, True, 1 / 4),
}


def latent_frames(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """The true properties of a burst's frames."""
    scene_exposure = rng.uniform(-0.3, 0.3)
    scene_size = rng.uniform(0.12, 0.35)
    return {
        "exposure": scene_exposure + rng.normal(0, 0.25, count),  # stops
        "size": scene_size * np.exp(rng.normal(0, 0.25, count)),  # subject height / frame
        "yaw": rng.uniform(-70, 70, count),  # where the subject looks
        "pitch": rng.normal(0, 12, count),
        "sharpness": rng.normal(0, 1, count),
        "eyes_closed": rng.random(count) < 0.05,
    }


def photographer_choice(
    rng: np.random.Generator, preference: str, latent: dict, temperature: float
) -> np.ndarray:
    """The photographer's utility per frame: what they see, plus the noise of a real choice."""
    count = len(latent["exposure"])
    if preference == "random":
        return rng.random(count)
    wanted = {
        "brighter": latent["exposure"],
        "larger_subject": latent["size"],
        "facing_camera": -np.abs(latent["yaw"]),
    }[preference]
    spread = wanted.std() or 1.0
    strength = (wanted - wanted.mean()) / spread
    return strength + 0.2 * latent["sharpness"] + rng.gumbel(0, temperature, count)


def render_thumbnail(
    rng: np.random.Generator, generator: Generator, exposure: float, size: float
) -> bytes:
    width, height = generator.thumb
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    if generator.name == "tuning":
        scene = np.full((height, width), 0.30, np.float32)
        inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 <= (size * height / 2) ** 2
    else:
        scene = 0.20 + 0.25 * y / height
        inside = ((x - width * 0.45) / (0.7 * size * height)) ** 2 + (
            (y - height / 2) / (size * height)
        ) ** 2 <= 0.25
    scene = np.where(inside, 0.65, scene)
    pixels = 255 * scene * 2.0**exposure + rng.normal(0, 3, scene.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8).tobytes()


def render_faces(
    rng: np.random.Generator, generator: Generator, latent: dict, i: int
) -> tuple[FaceRecord, ...]:
    if rng.random() < generator.missed_face:
        return ()
    side = latent["size"][i] * HEIGHT * np.exp(rng.normal(0, generator.box_noise))
    faces = [
        FaceRecord(
            ((WIDTH - side) / 2, (HEIGHT - side) / 2, side, side),
            "closed" if latent["eyes_closed"][i] else "open",
            0.9,
            float(1.0 + 0.3 * latent["sharpness"][i]),
            float(latent["yaw"][i] + rng.normal(0, generator.angle_noise)),
            float(latent["pitch"][i] + rng.normal(0, generator.angle_noise)),
        )
    ]
    if rng.random() < generator.second_face:
        small = side * rng.uniform(0.4, 0.8)
        faces.append(
            FaceRecord(
                (WIDTH * 0.1, HEIGHT * 0.2, small, small),
                "open",
                0.8,
                1.0,
                float(rng.uniform(-60, 60)),
                float(rng.normal(0, 10)),
            )
        )
    return tuple(faces)


def decisions(
    rng: np.random.Generator, generator: Generator, utility: np.ndarray
) -> list[DecisionState]:
    """The marks the photographer leaves: a pick, maybe stars, rejects at the bottom."""
    order = np.argsort(-utility)
    count = len(utility)
    marks = [DecisionState() for _ in range(count)]
    person = {"source": DecisionSource.USER, "decided_at": datetime(2026, 1, 1, tzinfo=UTC)}
    stars = int(rng.integers(3, 6)) if generator.stars else 0
    marks[order[0]] = DecisionState(flag=Flag.PICK, rating=stars, **person)
    if generator.stars and count > 3:
        marks[order[1]] = DecisionState(rating=2, **person)
    for index in order[count - int(count * generator.reject_share) :]:
        if index != order[0]:
            marks[index] = DecisionState(flag=Flag.REJECT, rating=-1, **person)
    return marks


class Simulator:
    """Shoots culled by one simulated photographer."""

    def __init__(self, preference: str, generator: str, seed: int) -> None:
        self.preference = preference
        self.generator = GENERATORS[generator]
        self.rng = np.random.default_rng(seed)
        self.next_id = 1
        self.thumbnails: dict[int, bytes] = {}

    def shoot(self, name: str, series_count: int) -> list[SeriesView]:
        return [self.series(name, ordinal) for ordinal in range(series_count)]

    def series(self, shoot: str, ordinal: int) -> SeriesView:
        rng, generator = self.rng, self.generator
        count = int(rng.integers(generator.burst[0], generator.burst[1] + 1))
        latent = latent_frames(rng, count)
        utility = photographer_choice(rng, self.preference, latent, generator.temperature)
        marks = decisions(rng, generator, utility)
        base = 5.0 + 1.5 * latent["sharpness"] + rng.normal(0, 0.5, count)
        members = []
        for i in range(count):
            photo_id, self.next_id = self.next_id, self.next_id + 1
            self.thumbnails[photo_id] = render_thumbnail(
                rng, generator, float(latent["exposure"][i]), float(latent["size"][i])
            )
            photo = PhotoRecord(
                root=shoot,
                relpath=f"s{ordinal:03d}/f{i:02d}.jpg",
                size=0,
                mtime_ns=0,
                width=WIDTH,
                height=HEIGHT,
                thumb_width=generator.thumb[0],
                thumb_height=generator.thumb[1],
                id=photo_id,
            )
            members.append(
                SeriesMember(
                    photo=photo,
                    position=i,
                    score=float(base[i]),
                    rank=None,
                    decision=marks[i],
                    faces=render_faces(rng, generator, latent, i),
                )
            )
        return SeriesView(
            id=ordinal,
            root=shoot,
            ordinal=ordinal,
            params={},
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
            members=tuple(members),
        )


def expected_chance(burst: tuple[int, int]) -> float:
    """Agreement of a ranker that knows nothing: the mean of 1/n over burst lengths."""
    sizes = range(burst[0], burst[1] + 1)
    return sum(1 / n for n in sizes) / len(sizes) if sizes else math.nan
