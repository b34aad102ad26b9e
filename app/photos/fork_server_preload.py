"""Imported by multiprocessing's fork server as it starts: it dies with the run's process."""

from app.photos.lifeline import die_with_parent

die_with_parent()
