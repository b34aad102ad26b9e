"""A fast content hash that recognises a moved or renamed photo without reading all of it.

The hash is BLAKE2b (128-bit digest) over the file size as 8 little-endian bytes, the first
MiB and the last MiB of the file (the whole file when it is at most 2 MiB).  Camera files
differ in their first MiB (EXIF time, maker notes, embedded preview), so a rename keeps the
hash and two different shots do not share it.  Reading 2 MiB instead of a 50 MB RAW keeps a
rescan of a card fast.  Written as ``b2f1:<32 hex digits>`` so another scheme could follow.
The size is part of the hash: a file whose size no catalogued photo has cannot be a moved
one, so the pipeline hashes such a file in the same task that decodes it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat

HASH_PREFIX = "b2f1:"
_CHUNK = 1 << 20


def fast_content_hash(path: str | os.PathLike[str]) -> str:
    """``b2f1:`` + BLAKE2b-128 of size, first MiB and last MiB.

    Raises:
        OSError: unreadable, or not a regular file (a FIFO put in a photo's place since the
            scan is refused, never waited on).
    """
    digest = hashlib.blake2b(digest_size=16)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        size = info.st_size
        digest.update(size.to_bytes(8, "little"))
        if size <= 2 * _CHUNK:
            digest.update(handle.read())
        else:
            digest.update(handle.read(_CHUNK))
            handle.seek(size - _CHUNK)
            digest.update(handle.read(_CHUNK))
    return HASH_PREFIX + digest.hexdigest()
