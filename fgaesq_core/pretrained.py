"""Weights registry and resolution: released FGAesQ (Hugging Face hub), OpenAI CLIP, local files.

Downloads go through huggingface_hub, so they land in its cache, show its progress bar
and honour ``HF_ENDPOINT``, ``HF_HUB_CACHE``/``HF_HOME`` and ``HF_HUB_OFFLINE`` (read when
called, not at import).  A cached file is found without any network access.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

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

    @property
    def pinned(self) -> bool:
        """Whether a download is tied to one commit and checked against one digest."""
        return bool(self.revision and self.sha256)


REGISTRY: dict[str, PretrainedSpec] = {
    # The file name is the one the authors' model repository serves (FGAesQ.pt, about
    # 570 MB; loaders written against the release download exactly this name).  The hub
    # commit and the file's SHA-256 could not be read where this entry was written (no
    # network): until they are filled in, downloads follow `main` and are not checked.
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

    A cached copy is used without contacting the hub.  Either way a pinned digest is
    checked before the path is returned.

    Args:
        spec: a registry entry of kind ``"hub"``.
        cache_dir: hub cache; the current default when None.

    Returns:
        Path of the file inside the hub cache.

    Raises:
        WeightsUnavailable: offline without a cached copy, the hub cannot be reached, or
            the repository has no such file at that revision.
        CheckpointError: the file's SHA-256 is not the pinned one.
    """
    cache_dir = cache_dir or hub_cache_dir()
    cached = cached_file(spec, cache_dir)
    if cached is not None:  # released weights never change: no update check
        return verify_digest(spec, cached)
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
    return verify_digest(spec, Path(path))


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
        raise CheckpointError(
            f"{path}: SHA-256 {actual} is not that of the pinned {spec.name!r} weights "
            f"({spec.sha256}, {spec.repo_id}@{spec.revision or 'main'}/{spec.filename}); "
            "the file was not loaded. Delete it and download again "
            f"(`hf download {spec.repo_id} {spec.filename} --force-download"
            + (f" --revision {spec.revision}" if spec.revision else "")
            + "`), or pass --weights PATH."
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
    """``python -m fgaesq_core.pretrained pin NAME``: print the pinned registry values."""
    parser = argparse.ArgumentParser(description="Pin hub weights: print revision and SHA-256.")
    parser.add_argument("command", choices=["pin"])
    parser.add_argument("name", choices=[n for n, s in REGISTRY.items() if s.kind == "hub"])
    args = parser.parse_args(argv)
    spec = pin(args.name)
    print(f'filename="{spec.filename}",\nrevision="{spec.revision}",\nsha256="{spec.sha256}",')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
