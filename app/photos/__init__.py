"""Reading photos: folder scanning, the single decoder, and capture metadata."""

from app.photos.decode import PhotoReadError, decode_image
from app.photos.exif import PhotoMetadata, parse_exif_datetime, read_metadata
from app.photos.scan import PhotoFile, ScanResult, display_path, scan_folder

__all__ = [
    "PhotoFile",
    "PhotoMetadata",
    "PhotoReadError",
    "ScanResult",
    "decode_image",
    "display_path",
    "parse_exif_datetime",
    "read_metadata",
    "scan_folder",
]
