"""fgaesq-cull-gui: the PySide6 desktop face of the culling pipeline and catalog.

The GUI never re-implements decoding, grouping, scoring, the catalog or the XMP writer;
it runs :func:`app.pipeline.run_cull` in a worker thread and reads and writes decisions
through :class:`app.catalog.Catalog`.
"""

from app.gui.compat import keep_none_alive

keep_none_alive()
