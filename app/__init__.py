"""FGAesQ Cull: burst culling pipeline, catalog, command line and desktop application."""

__version__ = "0.1.0"
