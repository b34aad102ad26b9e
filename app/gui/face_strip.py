"""The face close-up strip's model: one row per person, one column per frame of the series.

The same person is followed across the frames of the burst by ``app.faces.face_tracks``
(frames in capture order, as they were shot); the columns follow the filmstrip's order,
best frame first.  A cell is that person's face in that frame at 100 % of the original
(:mod:`app.gui.face_crops`; reduced where both eyes would not fit), or nothing where the
person was not found in the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSize, Qt

from app.catalog import FaceRecord
from app.faces import face_tracks
from app.gui.face_crops import FaceCrops, Window, face_window, tile_size
from app.gui.items import FrameItem, SeriesItem
from app.gui.models import AnyIndex, Role

EYE_WORDS = {"open": "eyes open", "closed": "eyes closed", "unknown": "eyes not judged"}


@dataclass(frozen=True)
class FaceCell:
    """One person in one frame, as the delegate paints it."""

    frame: FrameItem
    face: FaceRecord | None  # None: the person was not found in this frame
    window: Window | None  # what the tile shows of the original
    tile: QSize
    current: bool  # the current frame

    @property
    def eyes_text(self) -> str:
        if self.face is None:
            return "not in this frame"
        return EYE_WORDS.get(self.face.eyes, self.face.eyes)


class FaceStripModel(QAbstractTableModel):
    """People of the current series (rows, largest face first) across its frames (columns)."""

    def __init__(self, crops: FaceCrops, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.crops = crops
        self.series: SeriesItem | None = None
        self._frames: list[FrameItem] = []
        self._people: list[list[int | None]] = []  # per person, face index per column
        self._tiles: list[QSize] = []
        self.current = -1
        crops.ready.connect(self._on_crops)
        crops.failed.connect(lambda path, _message: self._on_crops(path))

    # -- what it shows ---------------------------------------------------------------------

    def set_series(self, series: SeriesItem | None) -> None:
        """Show the people of ``series`` (again, when its frames or faces changed)."""
        self.beginResetModel()
        self.series = series
        self._frames = list(series.frames) if series is not None else []
        self._people, self._tiles = self._follow_people(self._frames)
        self.endResetModel()

    def set_current(self, photo_id: int) -> None:
        """Outline the current frame's column."""
        if photo_id == self.current:
            return
        columns = [self.column_of(self.current), self.column_of(photo_id)]
        self.current = photo_id
        for column in columns:
            if column >= 0 and self.rowCount():
                self.dataChanged.emit(
                    self.index(0, column), self.index(self.rowCount() - 1, column), [Role.Cell]
                )

    def analysed(self) -> bool:
        """True when the faces of every frame shown were looked for."""
        return bool(self._frames) and all(f.faces is not None for f in self._frames)

    def column_of(self, photo_id: int) -> int:
        return next((c for c, f in enumerate(self._frames) if f.photo_id == photo_id), -1)

    def tile(self, row: int) -> QSize:
        return self._tiles[row] if 0 <= row < len(self._tiles) else QSize()

    @staticmethod
    def _follow_people(frames: list[FrameItem]) -> tuple[list[list[int | None]], list[QSize]]:
        """Each person's face index per column, and each person's tile."""
        shot_order = sorted(range(len(frames)), key=lambda c: (frames[c].position, c))
        tracks = face_tracks([frames[c].faces or () for c in shot_order])
        people, tiles = [], []
        for track in tracks:
            by_column: list[int | None] = [None] * len(frames)
            for k, face in enumerate(track):
                by_column[shot_order[k]] = face
            people.append(by_column)
            boxes = [frames[c].faces[f].box for c, f in enumerate(by_column) if f is not None]
            tiles.append(QSize(*tile_size(boxes)))
        return people, tiles

    def _window(self, row: int, column: int) -> Window | None:
        face = self._face(row, column)
        if face is None:
            return None
        tile = self._tiles[row]
        return face_window(face.box, (tile.width(), tile.height()))

    def _face(self, row: int, column: int) -> FaceRecord | None:
        index = self._people[row][column]
        faces = self._frames[column].faces
        return faces[index] if index is not None and faces else None

    def _siblings(self, column: int) -> list[Window]:
        """Every window of one frame: one decode cuts them all."""
        windows = (self._window(row, column) for row in range(len(self._people)))
        return [w for w in windows if w is not None]

    def _on_crops(self, path: str) -> None:
        for column, frame in enumerate(self._frames):
            if frame.path == path and self.rowCount():
                self.dataChanged.emit(
                    self.index(0, column),
                    self.index(self.rowCount() - 1, column),
                    [Qt.ItemDataRole.DecorationRole, Role.Thumbnail],
                )

    # -- Qt's model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._people)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._people else len(self._frames)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.model() is not self:
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._people) and 0 <= column < len(self._frames)):
            return None
        frame = self._frames[column]
        face = self._face(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return EYE_WORDS.get(face.eyes, face.eyes) if face else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            name = frame.file_names[0]
            if face is None:
                return f"{name}: person {row + 1} is not in this frame"
            return (
                f"{name}: person {row + 1}, {EYE_WORDS.get(face.eyes, face.eyes)} "
                f"(confidence {face.confidence:.2f}), eyes {face.sharpness:.2f}× as sharp "
                "as the frame"
            )
        if role in (Qt.ItemDataRole.DecorationRole, Role.Thumbnail):
            window = self._window(row, column)
            if window is None:
                return None
            return self.crops.pixmap(frame.path, window, self._siblings(column))
        if role == Role.Cell:
            return FaceCell(
                frame,
                face,
                self._window(row, column),
                self._tiles[row],
                frame.photo_id == self.current,
            )
        if role == Role.Id:
            return frame.photo_id
        if role == Role.Path:
            return frame.path
        if role == Qt.ItemDataRole.SizeHintRole:
            return self._tiles[row]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._frames):
                frame = self._frames[section]
                return ("BEST  " if frame.tagged_best(self.series) else "") + frame.file_names[0]
            return None
        return f"Person {section + 1}" if 0 <= section < len(self._people) else None
