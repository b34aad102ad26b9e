"""Qt list models for series and frames, with custom roles read by the delegates."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from app.gui.items import FrameItem, SeriesItem
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


class _ThumbnailListModel(QAbstractListModel):
    """Common parts: rows of items, thumbnails from the manager, refresh on arrival."""

    def __init__(self, thumbnails: ThumbnailManager, size: int, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list = []
        self._thumbs = thumbnails
        self.thumbnail_size = size
        self._rows_by_path: dict[str, list[int]] = {}
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
        for row, item in enumerate(self._rows):
            if self._key(item) == key:
                return row
        return -1

    def _reset(self, rows: list) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._rows_by_path = {}
        for row in range(len(self._rows)):
            self._rows_by_path.setdefault(self._path_of(row), []).append(row)

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
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))


class SeriesListModel(_ThumbnailListModel):
    """Every series of the open folder, shown by its best frame."""

    def __init__(self, thumbnails: ThumbnailManager, size: int = 256, parent=None):
        super().__init__(thumbnails, size, parent)

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

    def replace_frame(self, frame: FrameItem) -> None:
        """Swap in an updated frame (after a decision) and refresh its series row."""
        for row, s in enumerate(self._rows):
            for i, f in enumerate(s.frames):
                if f.photo_id == frame.photo_id:
                    s.frames[i] = frame
                    idx = self.index(row)
                    self.dataChanged.emit(idx, idx)
                    return

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s: SeriesItem = self._rows[index.row()]
        best = s.best
        if role == Qt.ItemDataRole.DisplayRole:
            name = best.file_names[0] if best else ""
            return f"{name} ({s.frame_count})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(", ".join(f.file_names) for f in s.frames)
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
        return None


class FrameStripModel(_ThumbnailListModel):
    """The frames of one series, best first."""

    def __init__(self, thumbnails: ThumbnailManager, size: int = 160, parent=None):
        super().__init__(thumbnails, size, parent)
        self.series_id = -1

    def _key(self, item: FrameItem) -> int:
        return item.photo_id

    def _path_of(self, row: int) -> str:
        return self._rows[row].path

    def set_series(self, series: SeriesItem | None) -> None:
        self.series_id = series.series_id if series else -1
        self._reset(series.frames if series else [])

    def frames(self) -> list[FrameItem]:
        return list(self._rows)

    def replace_frame(self, frame: FrameItem) -> None:
        row = self.row_of(frame.photo_id)
        if row >= 0:
            self._rows[row] = frame
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        f: FrameItem = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f.file_names[0]
        if role == Qt.ItemDataRole.ToolTipRole:
            score = f"{f.score:.2f}" if f.score is not None else "not scored"
            return f"{', '.join(f.file_names)}\nrank {f.rank}, score {score}"
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
        if role == Role.Error:
            return f.error or self._thumbs.errors.get(f.path, "")
        return None


class SeriesFilter(IntEnum):
    All = 0
    MultiFrame = 1
    Unreviewed = 2
    Picks = 3
    Rejects = 4


FILTER_LABELS = {
    SeriesFilter.All: "All series",
    SeriesFilter.MultiFrame: "Bursts (2+ frames)",
    SeriesFilter.Unreviewed: "Unreviewed",
    SeriesFilter.Picks: "With picks",
    SeriesFilter.Rejects: "With rejects",
}


class SeriesFilterProxy(QSortFilterProxyModel):
    """Filters the series list to multi-frame, unreviewed, picked or rejected series."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = SeriesFilter.All

    @property
    def mode(self) -> SeriesFilter:
        return self._mode

    def set_mode(self, mode: SeriesFilter) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self._mode = SeriesFilter(mode)
            self.endFilterChange()
        else:
            self._mode = SeriesFilter(mode)
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        s: SeriesItem = self.sourceModel().index(source_row, 0, source_parent).data(Role.Item)
        if s is None:
            return False
        match self._mode:
            case SeriesFilter.MultiFrame:
                return s.frame_count > 1
            case SeriesFilter.Unreviewed:
                return not s.reviewed
            case SeriesFilter.Picks:
                return s.has_pick
            case SeriesFilter.Rejects:
                return s.has_reject
        return True
