"""What reading a person's marks inside the photos costs a cull, against the same cull without.

Culls a copy of resources/samples/bursts (every JPEG given a Lightroom-style XMP packet with
a rating, so the packets are really parsed) with the technical scorer, in this process,
alternating between the normal cull and one whose reading of the XMP inside photos is
switched off, each with a fresh catalog.  Prints the median seconds of each, their ratio,
the time of the reading alone per photo, and the cost of an unchanged rerun's look at the
photos (a stat each, no file opened).

    python benchmarks/bench_marks.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "resources" / "samples" / "bursts"
PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="0"/></rdf:RDF></x:xmpmeta>'
    + b" " * 2048
    + b'<?xpacket end="w"?>'
)


def with_packet(jpeg: bytes) -> bytes:
    """The JPEG with an XMP APP1 segment right after its start marker."""
    body = b"http://ns.adobe.com/xap/1.0/\x00" + PACKET
    return jpeg[:2] + b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body + jpeg[2:]


def make_shoot(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    photos = []
    for source in sorted(SAMPLES.glob("*.jpg")):
        target = folder / source.name
        target.write_bytes(with_packet(source.read_bytes()))
        os.utime(target, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns))
        photos.append(target)
    return photos


def cull_seconds(folder: Path, catalog: Path) -> float:
    from app.options import CullOptions
    from app.pipeline import run_cull

    options = CullOptions(scorer="technical", catalog_path=catalog, workers=2)
    started = time.perf_counter()
    run_cull(folder, options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from app.sidecars.embedded import read_embedded
    from app.sidecars.sync import FolderSidecars
    from app.sidecars.xmp import packet_marks

    reading = FolderSidecars._embedded_sources
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "shoot"
        photos = make_shoot(folder)
        times: dict[str, list[float]] = {"with": [], "without": []}
        for round_ in range(args.rounds):
            for mode in ("without", "with") if round_ % 2 else ("with", "without"):
                FolderSidecars._embedded_sources = (
                    reading if mode == "with" else (lambda self, photo_id, report: [])
                )
                catalog = Path(tmp) / f"c-{mode}-{round_}.sqlite3"
                times[mode].append(cull_seconds(folder, catalog))
        FolderSidecars._embedded_sources = reading

        started = time.perf_counter()
        for photo in photos:
            found = read_embedded(photo)
            assert found.packet is not None
            packet_marks(found.packet, photo)
        per_photo = (time.perf_counter() - started) / len(photos)
        started = time.perf_counter()
        for photo in photos:
            os.stat(photo)
        per_stat = (time.perf_counter() - started) / len(photos)

    with_s, without_s = statistics.median(times["with"]), statistics.median(times["without"])
    print(f"photos: {len(photos)} (resources/samples/bursts, each with an XMP packet)")
    print(f"cull with the XMP inside photos read:    {with_s:.2f} s (median of {args.rounds})")
    print(f"cull without it (baseline, same run):    {without_s:.2f} s")
    print(f"ratio with / without:                    {with_s / without_s:.3f}")
    print(f"reading one photo's packet and marks:    {per_photo * 1e6:.0f} us")
    print(f"an unchanged rerun's look (one stat):    {per_stat * 1e6:.1f} us per photo")
    shutil.rmtree(Path(tmp), ignore_errors=True)


if __name__ == "__main__":
    main()
