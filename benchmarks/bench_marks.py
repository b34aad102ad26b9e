"""What reading a person's marks inside the photos costs a cull, against the same cull without.

Culls a copy of resources/samples/bursts (every JPEG given a Lightroom-style XMP packet with
a rating, so the packets are really parsed) with the technical scorer, in this process,
alternating between the normal cull and one whose reading of the XMP inside photos is
switched off, each with a fresh catalog.  Prints the median seconds of each, their ratio,
the time of the reading alone per photo, and an unchanged rerun of ``--copies`` copies of
the shoot against the same rerun with no look at the photos' own XMP at all (the cost of
finding out that nothing needs reading: one catalog query and a stat per photo).

    python benchmarks/bench_marks.py [--rounds 3] [--copies 10]

``--import-photos N --baseline CHECKOUT`` measures the import itself instead: a card of N
photos (the samples again and again, each with a packet, every other one with a sidecar
another application wrote) culled in a fresh process per checkout, alternating this one and
CHECKOUT (say, an export of the commit before), each with a fresh catalog; prints the median
seconds the cull spent taking marks (``CullRun._take_sidecar_marks``, which reads them in
the batches the reading asks for), the catalog statements it ran, and the ratio.

    python benchmarks/bench_marks.py --import-photos 300 --baseline /tmp/before [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
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


SIDECAR = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="{rating}" xmp:Label="Red"/>'
    "</rdf:RDF></x:xmpmeta>"
)


def make_card(folder: Path, count: int) -> None:
    """``count`` photos from the samples, each with a packet, every other one a sidecar."""
    folder.mkdir(parents=True)
    samples = sorted(SAMPLES.glob("*.jpg"))
    for k in range(count):
        source = samples[k % len(samples)]
        target = folder / f"{source.stem}_{k:04d}.jpg"
        target.write_bytes(with_packet(source.read_bytes()))
        if k % 2:
            rating = 1 + k % 5
            target.with_suffix(".xmp").write_text(SIDECAR.format(rating=rating), encoding="utf-8")


# Run in a fresh process with a checkout first on sys.path: the cull of argv[1] with a fresh
# catalog argv[2], timing the marks taken ahead of the reading and counting the statements.
_CHILD = r"""
import json, sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from app.options import CullOptions
from app.pipeline import run as pipeline_run

statements = [0]
seconds = [0.0]
take = pipeline_run.CullRun._take_sidecar_marks
def timed(self, files):
    counted = lambda *_args: statements.__setitem__(0, statements[0] + 1)
    event.listen(Engine, "before_cursor_execute", counted)
    started = time.perf_counter()
    try:
        return take(self, files)
    finally:
        seconds[0] += time.perf_counter() - started
        event.remove(Engine, "before_cursor_execute", counted)
pipeline_run.CullRun._take_sidecar_marks = timed
options = CullOptions(scorer="technical", catalog_path=Path(sys.argv[2]), workers=2)
started = time.perf_counter()
result = pipeline_run.run_cull(sys.argv[1], options)
cull = time.perf_counter() - started
marked = sum(1 for d in result.decisions.values() if d.is_user)
print(json.dumps({"marks_s": seconds[0], "cull_s": cull, "statements": statements[0],
                  "marked": marked}))
"""


def child_cull(tree: Path, folder: Path, catalog: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), str(catalog)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare_imports(count: int, baseline: Path, rounds: int) -> None:
    """The import's cost in this checkout and in ``baseline``, alternating (see the doc)."""
    trees = {"this": REPO, "baseline": baseline.resolve()}
    found: dict[str, list[dict]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_card(tmp / "card", count)
        for round_ in range(rounds):
            order = list(trees.items())[:: 1 if round_ % 2 == 0 else -1]
            for name, tree in order:
                catalog = tmp / f"{name}-{round_}.sqlite3"
                found[name].append(child_cull(tree, tmp / "card", catalog))
    medians = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in found.items()
    }
    this, base = medians["this"], medians["baseline"]
    load = os.getloadavg()[0]
    print(f"taking the marks of {count} photos ahead of the reading (median of {rounds}, ", end="")
    print(f"load average {load:.1f} at the end)")
    for name, m in (("baseline", base), ("this", this)):
        print(
            f"  {name:8s}: {m['marks_s']:.2f} s taking marks, {m['statements']:.0f} statements, "
            f"{m['marked']:.0f} photos marked; the whole cull {m['cull_s']:.1f} s"
        )
    print(f"  ratio this / baseline: {this['marks_s'] / base['marks_s']:.3f} (time), ", end="")
    print(f"{this['statements'] / base['statements']:.3f} (statements)")


def cull_seconds(folder: Path, catalog: Path) -> float:
    from app.options import CullOptions
    from app.pipeline import run_cull

    options = CullOptions(scorer="technical", catalog_path=catalog, workers=2)
    started = time.perf_counter()
    run_cull(folder, options)
    return time.perf_counter() - started


class Timed:
    """Wraps a function, adding up the seconds spent in it."""

    def __init__(self, function) -> None:
        self.function, self.seconds = function, 0.0

    def __call__(self, *args):
        started = time.perf_counter()
        try:
            return self.function(*args)
        finally:
            self.seconds += time.perf_counter() - started


def compare(folder: Path, tmp: Path, owner, name: str, skipped, rounds: int, rerun: bool):
    """Median cull seconds with ``owner.name`` and with ``skipped`` in its place, alternating,
    and the median share of the cull spent inside ``owner.name``."""
    real = getattr(owner, name)
    catalog = tmp / f"c-{name}.sqlite3"
    if rerun:
        cull_seconds(folder, catalog)  # the first cull reads everything
    times: dict[str, list[float]] = {"with": [], "without": []}
    shares = []
    for round_ in range(rounds):
        for mode in ("without", "with") if round_ % 2 else ("with", "without"):
            timed = Timed(real)

            def measured(*args, timed=timed):  # a function, so a class binds it as a method
                return timed(*args)

            setattr(owner, name, measured if mode == "with" else skipped)
            if not rerun:
                catalog = tmp / f"c-{name}-{mode}-{round_}.sqlite3"
            seconds = cull_seconds(folder, catalog)
            times[mode].append(seconds)
            if mode == "with":
                shares.append(timed.seconds / seconds)
    setattr(owner, name, real)
    return (
        statistics.median(times["with"]),
        statistics.median(times["without"]),
        statistics.median(shares),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=10, help="copies of the shoot to rerun")
    parser.add_argument("--import-photos", type=int, help="time the import on a card this big")
    parser.add_argument("--baseline", type=Path, help="another checkout, for --import-photos")
    args = parser.parse_args()
    if args.import_photos:
        if args.baseline is None:
            parser.error("--import-photos needs --baseline")
        compare_imports(args.import_photos, args.baseline, args.rounds)
        return

    import app.sidecars.sync as sync
    from app.sidecars.embedded import read_embedded
    from app.sidecars.xmp import packet_marks

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        photos = make_shoot(tmp / "shoot")
        first = compare(
            tmp / "shoot",
            tmp,
            sync.FolderSidecars,
            "_embedded_sources",
            lambda self, photo_id, report: [],
            args.rounds,
            rerun=False,
        )
        started = time.perf_counter()
        for photo in photos:
            found = read_embedded(photo)
            assert found.packet is not None
            packet_marks(found.packet, photo)
        per_photo = (time.perf_counter() - started) / len(photos)
        for copy in range(args.copies):
            make_shoot(tmp / "copies" / f"card{copy:02d}")
        rerun = compare(
            tmp / "copies",
            tmp,
            sync,
            "unread_embedded",
            lambda catalog, photos: [],
            max(args.rounds, 5),
            rerun=True,
        )

    print(f"first cull of {len(photos)} photos (resources/samples/bursts, each given a packet)")
    print(f"  with the XMP inside photos read: {first[0]:.2f} s (median of {args.rounds})")
    print(f"  without (baseline, same run):    {first[1]:.2f} s; ratio {first[0] / first[1]:.3f}")
    print(f"  share of the cull spent reading: {first[2]:.4f}")
    print(f"  reading one photo's packet and marks: {per_photo * 1e6:.0f} us")
    print(f"unchanged rerun of {len(photos) * args.copies} photos (no sidecars)")
    print(f"  with the look at the photos:     {rerun[0]:.3f} s (median of {max(args.rounds, 5)})")
    print(f"  without (baseline, same run):    {rerun[1]:.3f} s; ratio {rerun[0] / rerun[1]:.3f}")
    print(f"  share of the rerun spent looking: {rerun[2]:.4f}")


if __name__ == "__main__":
    main()
