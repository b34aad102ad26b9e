"""Imported by multiprocessing's fork server as it starts: it dies with the run's process,
and holds the modules every decoding worker needs, so each worker forked from it starts with
them instead of importing them again."""

from app.photos.lifeline import die_with_parent

die_with_parent()

import app.catalog.process  # noqa: E402, F401  (the workers' watchdog: lifeline.watch)
import app.photos.exif  # noqa: E402, F401
import app.photos.tasks  # noqa: E402, F401
import app.scoring.technical  # noqa: E402, F401
