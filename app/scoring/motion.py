"""A subject smeared by its own motion, found where the frames of a burst differ.

A ball rolling or a figure walking through a burst smears across a small part of the frame
(a few per cent of its width), while the table, the wall and the street behind it hold
most of the detail and stay sharp: sorted energies over the whole frame hardly move, and a
frame with a slightly sharper background wins.  Where the frames *differ* by position,
beyond a hand-held shift and beyond the global detail difference each frame has, is where
the subject is.  There a smeared frame has lost detail against a still one, and lost it
mostly along one direction (the motion), unlike a defocus or grain.  The region's energy
is summed over every place the subject took in any frame, so a subject that moved between
frames is still compared with itself.  A smooth subject over a fine texture leaves that
region's energy to the texture: there the frame named sharpest by the region may be the
one whose subject covers the least texture, so that reading counts only where the frame's
outlines are not clearly less steep along the burst's motion than another's.  Where the
frames tie on everything else, how steep each frame's outlines stay across the motion
breaks the tie (:func:`outline_tie_costs`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.scoring.frame_measures import FrameMeasures

CHANGED_STOPS = 1.0  # tiles whose detail differs between frames by more than this ...
CHANGED_MIN_TILES = 9  # ... in at least as many tiles (a subject, not a glint or a lamp) ...
CHANGED_MAX_SHARE = 0.25  # ... and in at most this share of the frame (not the scene)
# Where no such region holds structure in every frame (a smooth subject): a changed tile
# holds structure in the frame holding most there, this many stops above that frame's own
# flattest tiles (the FLATTEST_QUANTILE of its tiles), where its grain lies.
STRUCTURE_STOPS = 2.0
FLATTEST_QUANTILE = 0.05
SMEAR_ALLOWANCE = 0.5  # stops of detail lost in the changed region nobody notices
SMEAR_DIRECTIONAL = 0.75  # stops more lost along one direction than along another: a motion
SMEAR_COST = 1.0  # per stop lost beyond the allowance
# The moving part read along the burst's motion (moving_part_costs): the frame holding most
# along that direction, beyond what it holds across it, leads every other so by MOVING_LEAD
# stops, and each other frame pays what it lacks so beyond MOVING_ALLOWANCE.
MOVING_LEAD = 0.6
MOVING_ALLOWANCE = 0.25
ACROSS = (1, 0, 3, 2)  # per direction of DIRECTIONS (0, 90, 45, 135 degrees): the one across it
LOCAL_FLOOR = 0.05  # of the burst's median tile energy, added before logs
# Frames whose costs lie within OUTLINE_TIE stops of the least are tied; among them, each
# frame exposed alike pays OUTLINE_COST per stop its outlines trail the steepest frame's
# along the burst's motion beyond what they trail across it (outline_tie_costs).
OUTLINE_TIE = 0.1
OUTLINE_COST = 0.5
OUTLINE_MIN_LEAD = 0.2  # stops: outlines that differ less differ by chance (grain, JPEG)


def _box(grid: np.ndarray) -> np.ndarray:
    """Sum over each tile and its eight neighbours (edges replicated): a hand-held shift
    moves an edge into the next tile, not out of the neighbourhood."""
    padded = np.pad(grid, 1, mode="edge")
    rows, cols = grid.shape
    return sum(padded[dy : dy + rows, dx : dx + cols] for dy in range(3) for dx in range(3))


def directional_energies(frames: Sequence[FrameMeasures]) -> np.ndarray | None:
    """(frames, 4, rows, cols) gradient energy per direction on the halved frames (where
    grain counts least), on the tiles all frames have; None without a common grid."""
    maps = [f.coarse_directions for f in frames]
    if any(m is None for m in maps) or len({f.fine_map.shape for f in frames}) != 1:
        return None
    rows = min(m.shape[1] for m in maps)
    cols = min(m.shape[2] for m in maps)
    if rows < 3 or cols < 3:
        return None
    return np.stack([m[:, :rows, :cols] for m in maps]).astype(np.float64) ** 2


def smear_losses(frames: Sequence[FrameMeasures], gains: np.ndarray) -> np.ndarray | None:
    """(k, j, direction): stops of detail frame k holds beyond frame j where the burst's
    frames differ, beyond the two frames' difference over the whole frame; None where
    nothing differs locally, or too much of the frame does.

    Tiles are compared with their neighbours summed (a hand-held shift moves an edge by
    less than a tile), each frame's energies divided by its exposure gain and set off by
    its median difference from the burst (a defocus or a shake lowers every tile alike).
    A tile has changed where the frames then still differ by CHANGED_STOPS (see
    :func:`_changed_tiles` for where the difference is a subject's, not grain's)."""
    energies = directional_energies(frames)
    if energies is None:
        return None
    energies = energies / (gains**2)[:, None, None, None]
    total = energies.sum(axis=1)
    near = np.stack([_box(t) for t in total])
    floor = LOCAL_FLOOR * float(np.median(near)) + 1e-12
    logs = np.log2(near + floor)
    offsets = np.median(logs - np.median(logs, axis=0), axis=(1, 2))
    relative = logs - offsets[:, None, None]
    changed = _changed_tiles(near, relative)
    if changed.sum() < CHANGED_MIN_TILES or changed.mean() > CHANGED_MAX_SHARE:
        return None
    sums = energies[:, :, changed].sum(axis=2) + 1e-12  # (frames, 4)
    logs_sum = np.log2(sums)
    losses = logs_sum[:, None, :] - logs_sum[None, :, :]
    return losses - (offsets[:, None] - offsets[None, :])[:, :, None]


def _changed_tiles(near: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """(rows, cols): the tiles where the frames differ by CHANGED_STOPS and hold a subject.

    First where even the frame holding least there holds more than the burst's median tile:
    a subject every frame shows, not grain in a flat sky, which a noisier frame adds to
    every flat tile.  A smooth subject (a plain ball, a bare arm) has detail only in its
    outline, and smeared that outline leaves a flat tile, so where those tiles are too few
    to be a subject, the tiles where the frame holding most holds STRUCTURE_STOPS more than
    its own flattest tiles: grain is spread alike over a frame's flat tiles, so a tile this
    far above them holds something the lens drew."""
    differ = relative.max(axis=0) - relative.min(axis=0) > CHANGED_STOPS
    weakest = near.min(axis=0)
    changed = differ & (weakest > np.median(weakest))
    if changed.sum() >= CHANGED_MIN_TILES:
        return changed
    flattest = np.quantile(near.reshape(len(near), -1), FLATTEST_QUANTILE, axis=1)
    above = near > (2.0**STRUCTURE_STOPS) * flattest[:, None, None]
    most = np.argmax(relative, axis=0)
    return differ & np.take_along_axis(above, most[None], axis=0)[0]


def smear_costs(
    frames: Sequence[FrameMeasures], gains: np.ndarray, comparable: np.ndarray
) -> np.ndarray:
    """Stops each frame pays for a subject smeared against another frame of the burst: the
    detail it lost in the changed region (the mean over the directions, beyond
    SMEAR_ALLOWANCE), where it lost SMEAR_DIRECTIONAL more along one direction than along
    another, as a motion does and a defocus or grain does not.  Only against frames it may
    be compared with (``comparable[k, j]``: k may show j's subject smeared)."""
    return _smear_costs(smear_losses(frames, gains), comparable, len(frames))


def _smear_costs(losses: np.ndarray | None, comparable: np.ndarray, count: int) -> np.ndarray:
    costs = np.zeros(count)
    if losses is None:
        return costs
    for k in range(count):
        for j in range(count):
            if k == j or not comparable[k, j]:
                continue
            loss = losses[k, j]
            if float(loss.max() - loss.min()) < SMEAR_DIRECTIONAL:
                continue
            costs[j] = max(costs[j], SMEAR_COST * (float(loss.mean()) - SMEAR_ALLOWANCE))
    return np.maximum(costs, 0.0)


def moving_part_costs(
    frames: Sequence[FrameMeasures], gains: np.ndarray, comparable: np.ndarray
) -> tuple[int, np.ndarray] | None:
    """(the frame whose moving part is sharpest, the stops each frame pays against it),
    read along the burst's motion; None without strong evidence of one such frame.

    A smear takes detail along the motion and little across it.  So in the changed region
    the motion's direction is the one along which most pairs of frames differ (the median
    over the pairs, so that one frame unlike all the others there does not set it), and a
    frame's lead there is what it holds beyond another along that direction less what it
    holds beyond it across (the perpendicular direction, which a smear leaves nearly as it
    was).  Whatever changed alike in every direction drops out: a shadow the subject casts
    in one frame and not in another darkens the floor's texture in every direction, a focus
    that moved to another plane blurs it in every direction, and the mean loss
    (:func:`smear_costs`) reads either as the frames' difference.  Only where one frame leads
    every other so by MOVING_LEAD stops; each frame it may be compared with
    (``comparable[best, j]``) pays its lead beyond MOVING_ALLOWANCE."""
    return _moving_part_costs(smear_losses(frames, gains), comparable)


def _moving_part_costs(
    losses: np.ndarray | None, comparable: np.ndarray
) -> tuple[int, np.ndarray] | None:
    if losses is None or len(losses) < 3:
        return None
    count = len(losses)
    first, second = np.triu_indices(count, 1)
    direction = int(np.argmax(np.median(np.abs(losses[first, second]), axis=0)))
    lead = losses[:, :, direction] - losses[:, :, ACROSS[direction]]
    best = int(np.argmax(lead.sum(axis=1)))
    if float(np.delete(lead[best], best).min()) < MOVING_LEAD:
        return None
    costs = SMEAR_COST * np.maximum(lead[best] - MOVING_ALLOWANCE, 0.0)
    costs[~comparable[best]] = 0.0
    costs[best] = 0.0
    return best, costs


def subject_smear_costs(
    frames: Sequence[FrameMeasures], gains: np.ndarray, comparable: np.ndarray
) -> np.ndarray:
    """The stops each frame pays for its subject's smear: :func:`smear_costs`, and where
    the moving part read along the motion names one frame sharpest
    (:func:`moving_part_costs`), that frame pays none and every other the larger of the
    two.  A frame that may be compared with no other frame (``comparable``) is named
    sharpest by nothing: it keeps its own cost.  Nor is a frame whose outlines trail another
    frame's by OUTLINE_MIN_LEAD or more along the burst's motion (:func:`outline_leads`):
    over a fine texture a smooth subject's region holds the texture's energy, and the frame
    leading there may be the one whose subject covers the least of it, the most smeared."""
    return _subject_smear_costs(
        smear_losses(frames, gains), comparable, len(frames), outline_leads(frames, gains)
    )


def _subject_smear_costs(
    losses: np.ndarray | None,
    comparable: np.ndarray,
    count: int,
    outline_lead: np.ndarray | None = None,
) -> np.ndarray:
    costs = _smear_costs(losses, comparable, count)
    moving = _moving_part_costs(losses, comparable)
    if moving is None:
        return costs
    best, lead = moving
    if not np.delete(comparable[best], best).any():
        return costs
    if outline_lead is not None and outline_lead.max() - outline_lead[best] >= OUTLINE_MIN_LEAD:
        return costs
    costs = np.maximum(costs, lead)
    costs[best] = 0.0
    return costs


def outline_tie_costs(
    frames: Sequence[FrameMeasures], gains: np.ndarray, costs: np.ndarray, alike: np.ndarray
) -> np.ndarray:
    """Stops each frame tied for the pick pays for a subject's outline its motion spread,
    against the tied frame whose outlines are steepest along the burst's motion.

    A smooth subject smeared over a fine texture leaves every other measure nearly equal
    (the texture holds the energy of the very tiles its outline crosses), so the frames are
    tied, and which one wins was left to chance.  Here the motion's direction is the one
    along which most pairs of frames differ in outline steepness (:attr:`FrameMeasures.
    outlines`, each set off by its frame's exposure ``gains``; the median over pairs: a
    smear lowers it along the motion most), and a frame's lead is its steepness along that
    direction less across it: a smear spreads the outline along its motion only, while a
    defocus, grain or an exposure change alter both directions alike.  It only breaks a
    tie (costs within OUTLINE_TIE of the least): the measure is of the whole frame, so a
    still part of the scene (another subject, the frame's edges) dilutes it, a panned
    background smeared more in one frame reads as its smear, and it must not outweigh a
    defect the other measures see.  Leads closer than OUTLINE_MIN_LEAD are chance.  Only
    between frames exposed alike (``alike[k, j]``)."""
    count = len(frames)
    extra = np.zeros(count)
    lead = outline_leads(frames, gains)
    if lead is None:
        return extra
    tied = np.flatnonzero(costs - costs.min() <= OUTLINE_TIE)
    if len(tied) < 2:
        return extra
    steepest = int(tied[np.argmax(lead[tied])])
    for k in tied:
        trails = float(lead[steepest] - lead[k])
        if k != steepest and alike[steepest, k] and trails >= OUTLINE_MIN_LEAD:
            extra[k] = OUTLINE_COST * trails
    return extra


def outline_leads(frames: Sequence[FrameMeasures], gains: np.ndarray) -> np.ndarray | None:
    """Per frame, in stops: how much steeper its outlines are along the burst's motion than
    across it (:attr:`FrameMeasures.outlines`, each set off by its frame's exposure
    ``gains``); None for fewer than two frames or a frame without outlines.  The motion's
    direction is the one along which most pairs of frames differ in steepness (the median
    over pairs): a smear lowers it along the motion most, while a defocus, grain or an
    exposure change alter every direction alike."""
    count = len(frames)
    if count < 2 or any(f.outlines is None for f in frames):
        return None
    # Steepness is gradient energy: a frame exposed brighter by a gain has it gain**2 higher.
    steepness = np.stack([f.outlines for f in frames]).astype(np.float64)
    steepness -= 2.0 * np.log2(gains)[:, None]
    first, second = np.triu_indices(count, 1)
    direction = int(np.argmax(np.median(np.abs(steepness[first] - steepness[second]), axis=0)))
    return steepness[:, direction] - steepness[:, ACROSS[direction]]


__all__ = [
    "moving_part_costs",
    "outline_leads",
    "outline_tie_costs",
    "smear_costs",
    "smear_losses",
    "subject_smear_costs",
]
