"""Qt list models for series and frames, with custom roles read by the delegates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from app.gui.filters import Filters, SeriesFilter
from app.gui.items import FrameItem, SeriesItem, plural
from app.gui.thumbnails import ThumbnailManager

AnyIndex = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    """Custom roles shared by both models (values above Qt.UserRole)."""

    Item = Qt.ItemDataRole.UserRole + 1
    Thumbnail = Qt.ItemDataRole.UserRole + 2
    Score = Qt.ItemDataRole.UserRole + 3
    Rank = Qt.ItemDataRole.UserRole + 4
    Decision = Qt.ItemDataRole.UserRole + 5
    FrameCount = Qt.ItemDataRole.UserRole + 6
    ScoreSpread = Qt.ItemDataRole.UserRole + 7
    Reviewed = Qt.ItemDataRole.UserRole + 8
    Path = Qt.ItemDataRole.UserRole + 9
    Id = Qt.ItemDataRole.UserRole + 10
    Error = Qt.ItemDataRole.UserRole + 11
    Current = Qt.ItemDataRole.UserRole + 12  # the current series / frame
    SeriesId = Qt.ItemDataRole.UserRole + 13
    CurrentSeries = Qt.ItemDataRole.UserRole + 14  # a frame of the current series
    SeriesStart = Qt.ItemDataRole.UserRole + 15  # the first frame of its series in the strip
    Progress = Qt.ItemDataRole.UserRole + 16  # "3 of 6 decided"
    Missing = Qt.ItemDataRole.UserRole + 17
    Chosen = Qt.ItemDataRole.UserRole + 18  # chosen for compare
    Cell = Qt.ItemDataRole.UserRole + 19  # everything a delegate paints but the thumbnail
    Best = Qt.ItemDataRole.UserRole + 20  # the frame carries the BEST tag


@dataclass(frozen=True)
class Cell:
    """What a delegate paints, in one look-up (painting asks for every visible cell)."""

    item: FrameItem | SeriesItem
    current: bool
    current_series: bool = False
    series_start: bool = False
    chosen: bool = False
    error: str = ""


class _ThumbnailListModel(QAbstractListModel):
    """Common parts: rows of items, thumbnails from the manager, refresh on arrival."""

    def __init__(self, thumbnails: ThumbnailManager, size: int, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list = []
        self._thumbs = thumbnails
        self.thumbnail_size = size
        self._rows_by_path: dict[str, list[int]] = {}
        self._row_by_key: dict[int, int] = {}
        self.current = -1  # the key of the current row
        thumbnails.ready.connect(self._on_thumbnail)
        thumbnails.failed.connect(lambda path, _msg: self._on_thumbnail(path, self.thumbnail_size))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def _key(self, item) -> int:
        """The id a row is found by (series id or photo id)."""
        raise NotImplementedError

    def _path_of(self, row: int) -> str:
        raise NotImplementedError

    def row_of(self, key: int) -> int:
        return self._row_by_key.get(key, -1)

    def set_current(self, key: int) -> None:
        """Mark the current row (the delegates draw it as the most visible thing)."""
        if key == self.current:
            return
        rows = [self.row_of(self.current), self.row_of(key)]
        self.current = key
        for row in rows:
            if row >= 0:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, [Role.Current, Role.Cell])

    def _reset(self, rows: list) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._rows_by_path = {}
        self._row_by_key = {}
        for row, item in enumerate(self._rows):
            self._rows_by_path.setdefault(self._path_of(row), []).append(row)
            self._row_by_key[self._key(item)] = row

    def roleNames(self) -> dict[int, bytes]:
        names = super().roleNames()
        names.update({int(r): r.name.lower().encode() for r in Role})
        return names

    def _thumbnail(self, row: int):
        return self._thumbs.pixmap(self._path_of(row), self.thumbnail_size)

    def _on_thumbnail(self, path: str, size: int) -> None:
        if size != self.thumbnail_size:
            return
        for row in self._rows_by_path.get(path, ()):
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Role.Thumbnail, Qt.ItemDataRole.DecorationRole])

    def set_thumbnail_size(self, size: int) -> None:
        self.thumbnail_size = size
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0),
                self.index(self.rowCount() - 1),
                [Role.Thumbnail, Qt.ItemDataRole.DecorationRole],
            )


def decode_size(size: int) -> int:
    """Thumbnails are decoded at a multiple of 128 px and drawn scaled, so stepping the
    tile size does not decode the folder again at every step."""
    return max(128, -(-size // 128) * 128)


class SeriesListModel(_ThumbnailListModel):
    """Every series of the open folder, shown by its best frame."""

    def __init__(self, thumbnails: ThumbnailManager, size: int = 256, parent=None):
        super().__init__(thumbnails, decode_size(size), parent)

    def set_thumbnail_size(self, size: int) -> None:
        if decode_size(size) != self.thumbnail_size:
            super().set_thumbnail_size(decode_size(size))

    def _key(self, item: SeriesItem) -> int:
        return item.series_id

    def _path_of(self, row: int) -> str:
        best = self._rows[row].best
        return best.path if best else ""

    def set_series(self, series: list[SeriesItem]) -> None:
        """Replace the rows; keeps row identity when only the contents changed."""
        same_ids = [s.series_id for s in series] == [s.series_id for s in self._rows]
        if same_ids and series:
            self._rows = list(series)
            self._reindex()
            self.dataChanged.emit(self.index(0), self.index(len(series) - 1))
            return
        self._reset(series)

    def series(self) -> list[SeriesItem]:
        return list(self._rows)

    def refresh(self, series_id: int) -> None:
        """A frame of the series changed (the controller keeps the SeriesItem up to date)."""
        row = self.row_of(series_id)
        if row >= 0:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s: SeriesItem = self._rows[index.row()]
        best = s.best
        if role == Qt.ItemDataRole.DisplayRole:
            return best.file_names[0] if best else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{plural(s.frame_count, 'frame')}, {s.progress_text()}"]
            if s.frame_count > 1:
                source = "set by you" if s.kind_source == "user" else "told by the cull"
                lines.append(f"{s.kind_text} ({source})")
            if s.frames_with_closed_eyes:
                best = "closed" if best is not None and best.closed_eyes else "open"
                lines.append(
                    f"{plural(s.frames_with_closed_eyes, 'frame')} with closed eyes "
                    f"(the best frame's eyes are {best})"
                )
            copies = sum(bool(f.copy_of) for f in s.frames)
            if copies:
                lines.append(
                    f"{plural(copies, 'byte-identical copy', 'byte-identical copies')} of "
                    "other frames: each photo counts once"
                )
            lines += [", ".join(f.file_names) for f in s.frames]
            return "\n".join(lines)
        if role in (Role.Thumbnail, Qt.ItemDataRole.DecorationRole):
            return self._thumbnail(index.row()) if best else None
        if role == Role.Item:
            return s
        if role == Role.Id:
            return s.series_id
        if role == Role.FrameCount:
            return s.frame_count
        if role == Role.ScoreSpread:
            return s.score_spread
        if role == Role.Score:
            return best.score if best else None
        if role == Role.Reviewed:
            return s.reviewed
        if role == Role.Decision:
            return best.decision if best else None
        if role == Role.Path:
            return best.path if best else None
        if role == Role.Cell:
            return Cell(s, s.series_id == self.current)
        if role == Role.Current:
            return s.series_id == self.current
        if role == Role.Progress:
            return s.progress_text()
        return None


class FrameStripModel(_ThumbnailListModel):
    """Every frame of the shoot, series after series, each series best first (or in
    capture order, ``capture_order``)."""

    def __init__(self, thumbnails: ThumbnailManager, size: int = 160, parent=None):
        super().__init__(thumbnails, size, parent)
        self.current_series = -1
        self._chosen: set[int] = set()
        self._series: dict[int, SeriesItem] = {}
        self._starts: set[int] = set()  # rows that begin a series
        self._shown: list[SeriesItem] = []
        self.capture_order = False

    def _key(self, item: FrameItem) -> int:
        return item.photo_id

    def set_capture_order(self, on: bool) -> None:
        """Frames of each series in the order they were taken instead of best first."""
        if on != self.capture_order:
            self.capture_order = on
            self.set_series(self._shown)

    def _path_of(self, row: int) -> str:
        return self._rows[row].path

    def set_series(self, series: list[SeriesItem]) -> None:
        """Show these series; keeps row identity when the same frames come back."""
        self._shown = series
        frames = [f for s in series for f in self._ordered(s)]
        self._series = {s.series_id: s for s in series}
        self._starts = set()
        row = 0
        for item in series:
            self._starts.add(row)
            row += item.frame_count
        if frames and [f.photo_id for f in frames] == [f.photo_id for f in self._rows]:
            self._rows = frames
            self._reindex()
            self.dataChanged.emit(self.index(0), self.index(len(frames) - 1))
            return
        self._reset(frames)

    def _ordered(self, series: SeriesItem) -> list[FrameItem]:
        if self.capture_order:
            return sorted(series.frames, key=lambda f: f.position)
        return series.frames

    def series_of(self, frame: FrameItem) -> SeriesItem | None:
        return self._series.get(frame.series_id)

    def frames(self) -> list[FrameItem]:
        return list(self._rows)

    def frame_at(self, row: int) -> FrameItem:
        return self._rows[row]

    def replace_frame(self, frame: FrameItem) -> None:
        row = self.row_of(frame.photo_id)
        if row >= 0:
            self._rows[row] = frame
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    def set_chosen(self, photo_ids: list[int]) -> None:
        """Frames chosen for compare carry a mark."""
        changed = self._chosen.symmetric_difference(photo_ids)
        self._chosen = set(photo_ids)
        for photo_id in changed:
            row = self.row_of(photo_id)
            if row >= 0:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx, [Role.Chosen, Role.Cell])

    def set_current_series(self, series_id: int) -> None:
        """Frames of the current series stand out from the rest of the shoot."""
        if series_id == self.current_series:
            return
        changed = [self._series.get(self.current_series), self._series.get(series_id)]
        self.current_series = series_id
        for series in changed:
            for frame in series.frames if series else []:
                row = self.row_of(frame.photo_id)
                if row >= 0:  # one row at a time: a range repaints the whole view
                    idx = self.index(row)
                    self.dataChanged.emit(idx, idx, [Role.CurrentSeries, Role.Cell])

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        f: FrameItem = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f.file_names[0]
        if role == Qt.ItemDataRole.ToolTipRole:
            score = f"{f.score:.2f}" if f.score is not None else "not scored"
            eyes = f"\neyes closed on {plural(f.closed_eyes, 'face')}" if f.closed_eyes else ""
            copy = f"\n{f.copy_text}" if f.copy_of else ""
            return f"{', '.join(f.file_names)}\nrank {f.rank}, score {score}{eyes}{copy}"
        if role in (Role.Thumbnail, Qt.ItemDataRole.DecorationRole):
            return self._thumbnail(index.row())
        if role == Role.Item:
            return f
        if role == Role.Id:
            return f.photo_id
        if role == Role.Score:
            return f.score
        if role == Role.Rank:
            return f.rank
        if role == Role.Decision:
            return f.decision
        if role == Role.Path:
            return f.path
        if role == Role.Best:
            return f.tagged_best(self.series_of(f))
        if role == Role.Error:
            return f.error or self._thumbs.errors.get(f.path, "")
        if role == Role.Cell:
            return Cell(
                f,
                f.photo_id == self.current,
                f.series_id == self.current_series,
                index.row() in self._starts,
                f.photo_id in self._chosen,
                f.error or self._thumbs.errors.get(f.path, ""),
            )
        if role == Role.Current:
            return f.photo_id == self.current
        if role == Role.SeriesId:
            return f.series_id
        if role == Role.CurrentSeries:
            return f.series_id == self.current_series
        if role == Role.SeriesStart:
            return index.row() in self._starts
        if role == Role.Missing:
            return f.missing
        if role == Role.Chosen:
            return f.photo_id in self._chosen
        return None


class _FilterProxy(QSortFilterProxyModel):
    """Shows the rows the shared :class:`Filters` accept; re-filters only when told, so a
    row just decided stays in place until the filter or the folder changes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.filters = Filters()
        self.setDynamicSortFilter(False)

    def set_filters(self, filters: Filters) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.filters = filters
            self.endFilterChange()
        else:
            self.filters = filters
            self.invalidateRowsFilter()

    def row_of(self, key: int) -> int:
        """The proxy row of the source row with id ``key`` (-1 when filtered out)."""
        source = self.sourceModel()
        row = source.row_of(key)
        if row < 0:
            return -1
        return self.mapFromSource(source.index(row, 0)).row()

    def key_at(self, row: int) -> int:
        return self.index(row, 0).data(Role.Id)


class SeriesFilterProxy(_FilterProxy):
    """The series the filters show (a frame filter keeps series with a matching frame);
    "Picks worth a second look" lists the least sure pick first, the others capture order."""

    def set_filters(self, filters: Filters) -> None:
        super().set_filters(filters)
        self.sort(0 if filters.series is SeriesFilter.Unsure else -1)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        first, second = left.data(Role.Item), right.data(Role.Item)
        return (_sureness(first), left.row()) < (_sureness(second), right.row())

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        s = self.sourceModel().index(source_row, 0, source_parent).data(Role.Item)
        return s is not None and self.filters.shows_series(s)


def _sureness(series: SeriesItem | None) -> float:
    return 1.0 if series is None or series.confidence is None else series.confidence


class FrameFilterProxy(_FilterProxy):
    """The strip's frames: those of the series shown, narrowed by the frame filters."""

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        source = self.sourceModel()
        frame = source.frame_at(source_row)
        series = source.series_of(frame)
        return series is not None and self.filters.shows_frame(series, frame)
