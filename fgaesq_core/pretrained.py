"""Weights registry and resolution: released FGAesQ (Hugging Face hub), OpenAI CLIP, local files.

Downloads go through huggingface_hub, so they land in its cache, show its progress bar
and honour ``HF_ENDPOINT``, ``HF_HUB_CACHE``/``HF_HOME`` and ``HF_HUB_OFFLINE`` (read when
called, not at import).  A cached file is found without any network access.

Hub weights the registry does not pin yet are pinned on first use: the hub commit and the
SHA-256 of the file first downloaded (or first found in the cache) are recorded in
``pins_file()``, and every later load and download is held to them, as to a registry pin.
A file that changed afterwards (on disk, or upstream under the same name) is refused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs
from huggingface_hub import HfApi, constants, hf_hub_download, try_to_load_from_cache
from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError

from .errors import CheckpointError, WeightsUnavailable

_PROBE_TIMEOUT_S = 0.6


@dataclass(frozen=True)
class PretrainedSpec:
    """One named set of weights.

    Hub weights are pinned as open_clip pins its own: the exact file, the hub revision
    (a commit) and the SHA-256 of the file's content, checked after every download and
    before a cached copy is first loaded in a process.  A mismatch is an error.

    Attributes:
        name: registry name (``"fgaesq"``, ``"openai"``).
        kind: ``"hub"`` (a file in a hub repo) or ``"openai"`` (open_clip's CLIP weights).
        config: the architecture the weights belong to.
        repo_id: hub repository.
        filename: for ``"hub"``: the file in the repository.
        revision: the hub commit to download; None follows the repository's main branch.
        sha256: the file's SHA-256; None when it has not been pinned yet.
        description: one line for listings.
    """

    name: str
    kind: str
    config: str
    repo_id: str
    filename: str = ""
    revision: str | None = None
    sha256: str | None = None
    description: str = ""
    recorded: str | None = None  # where and when a pin taken on first use was recorded

    @property
    def pinned(self) -> bool:
        """Whether a download is tied to one commit and checked against one digest."""
        return bool(self.revision and self.sha256)


REGISTRY: dict[str, PretrainedSpec] = {
    # The file name is the one the authors' model repository serves (FGAesQ.pt, about
    # 570 MB; loaders written against the release download exactly this name).  The hub
    # commit and the file's SHA-256 could not be read where this entry was written (no
    # network): until they are filled in, the first download follows `main` and its commit
    # and digest are recorded (pins_file()); later loads and downloads are held to them.
    # `python -m fgaesq_core.pretrained pin fgaesq` prints both from the hub.
    "fgaesq": PretrainedSpec(
        name="fgaesq",
        kind="hub",
        config="vit-b-16",
        repo_id="yzc002/FGAesQ",
        filename="FGAesQ.pt",
        revision=None,
        sha256=None,
        description="released FGAesQ weights (CVPR 2026), about 570 MB",
    ),
    "openai": PretrainedSpec(
        name="openai",
        kind="openai",
        config="vit-b-16",
        repo_id="timm/vit_base_patch16_clip_224.openai",
        description="OpenAI CLIP ViT-B/16 backbone with an untrained score head (training start)",
    ),
}
OPENAI_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


def list_pretrained() -> list[str]:
    """Names accepted by ``load_model(weights=...)`` besides file paths."""
    return sorted(REGISTRY)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache in effect now (``HF_HUB_CACHE``, ``HF_HOME``/hub, default)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    return Path(constants.HF_HUB_CACHE)


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set (checked at call time)."""
    value = os.environ.get("HF_HUB_OFFLINE", "")
    return value.upper() in ("1", "ON", "YES", "TRUE") or bool(constants.HF_HUB_OFFLINE)


def offline_hint(spec: PretrainedSpec) -> str:
    """Where to put the weights by hand when this machine cannot download them."""
    repo_dir = hub_cache_dir() / ("models--" + spec.repo_id.replace("/", "--"))
    command = f"hf download {spec.repo_id}"
    if spec.filename:
        command += f" {spec.filename}"
    if spec.revision:
        command += f" --revision {spec.revision}"
    return (
        f"To use {spec.name!r} offline, download it once on a connected machine "
        f"(`{command}`) and copy the Hugging Face cache folder {repo_dir} "
        f"to this machine, or pass --weights PATH with the checkpoint file."
    )


def cached_file(spec: PretrainedSpec, cache_dir: Path | None = None) -> Path | None:
    """The cached weights file of ``spec`` (at its revision), found without network access."""
    cache_dir = cache_dir or hub_cache_dir()
    spec = with_recorded_pin(spec)
    candidates = list(OPENAI_FILES) if spec.kind == "openai" else [spec.filename]
    revision = spec.revision if spec.kind == "hub" else None
    for filename in candidates:
        found = try_to_load_from_cache(
            spec.repo_id, filename, cache_dir=str(cache_dir), revision=revision
        )
        if isinstance(found, str) and Path(found).is_file():
            return Path(found)
    return None


def download(spec: PretrainedSpec, cache_dir: Path | None = None) -> Path:
    """Fetch the weights file of a hub spec into the cache, or return the cached copy.

    A cached copy is used without contacting the hub.  Either way a pinned digest (the
    registry's, or the one recorded on first use) is checked before the path is returned;
    without one, the file's commit and digest are recorded now.

    Args:
        spec: a registry entry of kind ``"hub"``.
        cache_dir: hub cache; the current default when None.

    Returns:
        Path of the file inside the hub cache.

    Raises:
        WeightsUnavailable: offline without a cached copy, the hub cannot be reached, or
            the repository has no such file at that revision.
        CheckpointError: the file's SHA-256 is not the pinned one, or the pins file is
            damaged.
    """
    cache_dir = cache_dir or hub_cache_dir()
    spec = with_recorded_pin(spec)
    cached = cached_file(spec, cache_dir)
    if cached is not None:  # released weights never change: no update check
        return _pinned_on_first_use(spec, verify_digest(spec, cached))
    if hub_offline():
        raise WeightsUnavailable(
            f"{spec.name!r} weights are not cached and HF_HUB_OFFLINE is set. " + offline_hint(spec)
        )
    endpoint = hub_endpoint()
    if not hub_reachable(spec):
        raise WeightsUnavailable(
            f"cannot download {spec.name!r} weights: {endpoint} cannot be reached "
            f"(no answer within {_PROBE_TIMEOUT_S} s). " + offline_hint(spec)
        )
    where = f"{endpoint}/{spec.repo_id}, file {spec.filename}, revision {spec.revision or 'main'}"
    try:
        path = hf_hub_download(
            spec.repo_id,
            spec.filename,
            revision=spec.revision,
            cache_dir=str(cache_dir),
            endpoint=endpoint,
        )
    except (EntryNotFoundError, RevisionNotFoundError) as exc:
        raise WeightsUnavailable(
            f"cannot download {spec.name!r} weights: {where} does not exist "
            f"({type(exc).__name__}). " + offline_hint(spec)
        ) from exc
    except Exception as exc:  # network errors come from httpx, huggingface_hub and OSError
        raise WeightsUnavailable(
            f"cannot download {spec.name!r} weights from {where}: "
            f"{type(exc).__name__}: {str(exc)[:200]}. " + offline_hint(spec)
        ) from exc
    return _pinned_on_first_use(spec, verify_digest(spec, Path(path)))


def pins_file() -> Path:
    """Where pins taken on first use are kept: ``FGAESQ_PINS`` if set, else ``pins.json``
    in the user's data folder for fgaesq (outside the hub cache, so clearing the cache
    does not clear what the weights were)."""
    override = os.environ.get("FGAESQ_PINS")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("fgaesq", appauthor=False)) / "pins.json"


def _pin_key(spec: PretrainedSpec) -> str:
    return f"{spec.repo_id}/{spec.filename}"


def recorded_pins() -> dict[str, dict[str, str]]:
    """The pins taken on first use, ``{"<repo>/<file>": {"revision", "sha256", "recorded"}}``.

    Raises:
        CheckpointError: the pins file exists but cannot be read as such.
    """
    path = pins_file()
    try:
        pins = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(
            f"{path}: the record of downloaded weights cannot be read ({exc}); no weights "
            "were loaded. Delete the file to record them again at the next download."
        ) from exc
    if not isinstance(pins, dict) or not all(
        isinstance(v, dict) and {"revision", "sha256"} <= set(v) for v in pins.values()
    ):
        raise CheckpointError(
            f"{path}: the record of downloaded weights is not in its format; no weights were "
            "loaded. Delete the file to record them again at the next download."
        )
    return pins


def with_recorded_pin(spec: PretrainedSpec) -> PretrainedSpec:
    """``spec`` held to the pin recorded at its first download when the registry has none."""
    if spec.kind != "hub" or spec.pinned:
        return spec
    pin = recorded_pins().get(_pin_key(spec))
    if pin is None:
        return spec
    return replace(
        spec,
        revision=pin["revision"],
        sha256=pin["sha256"],
        recorded=f"recorded at its first download on {pin.get('recorded', '?')} in {pins_file()}",
    )


def _pinned_on_first_use(spec: PretrainedSpec, path: Path) -> Path:
    """Record the commit and digest of a hub file loaded without a pin; later loads are held
    to them.  The commit is the cache snapshot the file sits in (huggingface_hub's layout)."""
    if spec.kind != "hub" or spec.sha256 or path.parent.parent.name != "snapshots":
        return path
    pins = recorded_pins()
    pins[_pin_key(spec)] = {
        "revision": path.parent.name,
        "sha256": sha256_of(path),
        "recorded": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    _write_atomically(pins_file(), json.dumps(pins, indent=2, sort_keys=True) + "\n")
    return path


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def unpin(name: str) -> bool:
    """Forget the pin recorded on first use for ``name`` (True if there was one), so the
    next download records a new one: for deliberately taking new weights."""
    spec = REGISTRY[name]
    pins = recorded_pins()
    if pins.pop(_pin_key(spec), None) is None:
        return False
    _write_atomically(pins_file(), json.dumps(pins, indent=2, sort_keys=True) + "\n")
    return True


_digests: dict[tuple[str, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's content, computed once per process per file version."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _digests[key] = digest.hexdigest()
    return _digests[key]


def verify_digest(spec: PretrainedSpec, path: Path) -> Path:
    """Return ``path`` if its content is the pinned file (or nothing is pinned).

    Raises:
        CheckpointError: the SHA-256 differs; the message names both digests and the file.
    """
    if not spec.sha256:
        return path
    actual = sha256_of(path)
    if actual != spec.sha256.lower():
        pinned = f"{spec.sha256}, {spec.repo_id}@{spec.revision or 'main'}/{spec.filename}"
        if spec.recorded:
            pinned += f"; {spec.recorded}"
        raise CheckpointError(
            f"{path}: SHA-256 {actual} is not that of the pinned {spec.name!r} weights "
            f"({pinned}); the file was not loaded. Delete it and download again "
            f"(`hf download {spec.repo_id} {spec.filename} --force-download"
            + (f" --revision {spec.revision}" if spec.revision else "")
            + "`), or pass --weights PATH"
            + (
                f", or, to take these weights on purpose, `python -m fgaesq_core.pretrained "
                f"unpin {spec.name}`."
                if spec.recorded
                else "."
            )
        )
    return path


def pin(name: str) -> PretrainedSpec:
    """The registry entry with its file's current hub revision and SHA-256 filled in.

    Reads the repository's file metadata (the LFS digest; no download).  Used once, on
    a connected machine, to write the pinned values into ``REGISTRY``.

    Raises:
        WeightsUnavailable: the hub cannot be read, or the file is not an LFS file there.
    """
    spec = REGISTRY[name]
    try:
        info = HfApi(endpoint=hub_endpoint()).model_info(
            spec.repo_id, revision=spec.revision, files_metadata=True
        )
    except Exception as exc:  # network and hub errors
        raise WeightsUnavailable(
            f"cannot read {spec.repo_id} on {hub_endpoint()}: {type(exc).__name__}: {exc}"
        ) from exc
    for sibling in info.siblings or []:
        if sibling.rfilename == spec.filename and sibling.lfs is not None:
            return replace(spec, revision=info.sha, sha256=sibling.lfs.sha256)
    raise WeightsUnavailable(f"{spec.repo_id}@{info.sha} has no LFS file {spec.filename}")


_probe_results: dict[tuple[str, str], bool] = {}


def _probe(url: str) -> bool:
    """One short request in a daemon thread; the answer is bounded by the timeout even if
    name resolution hangs."""
    result: list[bool] = []

    def run() -> None:
        try:
            with urllib.request.urlopen(url, timeout=_PROBE_TIMEOUT_S) as response:
                result.append(200 <= response.status < 400)
        except (urllib.error.URLError, OSError, ValueError):
            result.append(False)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(_PROBE_TIMEOUT_S + 0.2)
    return bool(result and result[0])


def weights_available(name: str) -> bool:
    """Whether ``load_model(weights=name)`` can get its weights now, answered quickly.

    A cached copy (or an existing file path) answers True without the network.  Otherwise
    one short probe of the hub is made (none when ``HF_HUB_OFFLINE`` is set), and its
    answer is remembered per endpoint for the rest of the process; it is never retried.

    Args:
        name: a registry name or a checkpoint path.

    Returns:
        True when the weights can be loaded or downloaded.
    """
    spec = REGISTRY.get(name)
    if spec is None:
        return Path(name).is_file()
    if cached_file(spec) is not None:
        return True
    return hub_reachable(spec)


def hub_reachable(spec: PretrainedSpec) -> bool:
    """One remembered probe of the hub repo per endpoint; False when offline."""
    if hub_offline():
        return False
    key = (hub_endpoint(), spec.repo_id)
    if key not in _probe_results:
        _probe_results[key] = _probe(f"{key[0]}/api/models/{spec.repo_id}")
    return _probe_results[key]


def clear_availability_cache() -> None:
    """Forget remembered hub probes (after the network comes back, or in tests)."""
    _probe_results.clear()


def main(argv: list[str] | None = None) -> int:
    """``python -m fgaesq_core.pretrained pin NAME``: print the pinned registry values;
    ``unpin NAME``: forget the pin recorded at the first download."""
    parser = argparse.ArgumentParser(description="Pin hub weights: print revision and SHA-256.")
    parser.add_argument("command", choices=["pin", "unpin"])
    parser.add_argument("name", choices=[n for n, s in REGISTRY.items() if s.kind == "hub"])
    args = parser.parse_args(argv)
    if args.command == "unpin":
        forgot = unpin(args.name)
        print(f"{'forgot' if forgot else 'no'} pin of {args.name!r} recorded in {pins_file()}")
        return 0
    spec = pin(args.name)
    print(f'filename="{spec.filename}",\nrevision="{spec.revision}",\nsha256="{spec.sha256}",')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
