"""The same person across the frames of a burst, for the face close-up strip.

Frames of a burst differ by a hand-held shift and a little movement, so a face is matched to
the nearest face of the next frame whose centre lies within ``max_shift`` of its own width.
Matching is greedy, nearest pairs first, each face used once; a person missing from a frame
(turned away, occluded) has None there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class HasBox(Protocol):
    box: tuple[float, float, float, float]


def face_tracks(
    frames: Sequence[Sequence[HasBox]], max_shift: float = 0.6
) -> list[list[int | None]]:
    """Per person, the index of their face in each frame (None where not found).

    People are ordered by their largest face, biggest first.
    """
    tracks: list[list[int | None]] = []
    anchors: list[tuple[float, float, float]] = []  # last seen centre x, y and width
    for number, faces in enumerate(frames):
        centres = [(x + w / 2, y + h / 2, w) for x, y, w, h in (face.box for face in faces)]
        pairs = sorted(
            (_distance(anchor, centre), t, f)
            for t, anchor in enumerate(anchors)
            for f, centre in enumerate(centres)
        )
        matched_tracks: set[int] = set()
        matched_faces: set[int] = set()
        for distance, t, f in pairs:
            if distance > max_shift or t in matched_tracks or f in matched_faces:
                continue
            tracks[t].append(f)
            anchors[t] = centres[f]
            matched_tracks.add(t)
            matched_faces.add(f)
        for t, track in enumerate(tracks):
            if t not in matched_tracks:
                track.append(None)
        for f, centre in enumerate(centres):
            if f not in matched_faces:
                tracks.append([None] * number + [f])
                anchors.append(centre)
    widths = [
        max((frames[k][f].box[2] for k, f in enumerate(track) if f is not None), default=0.0)
        for track in tracks
    ]
    return [track for _, track in sorted(zip(widths, tracks, strict=True), key=lambda p: -p[0])]


def _distance(anchor: tuple[float, float, float], centre: tuple[float, float, float]) -> float:
    """Centre distance in units of the larger face width."""
    scale = max(anchor[2], centre[2], 1e-6)
    return ((anchor[0] - centre[0]) ** 2 + (anchor[1] - centre[1]) ** 2) ** 0.5 / scale
