"""Weights registry and resolution: released FGAesQ (Hugging Face hub), OpenAI CLIP, local files.

Downloads go through huggingface_hub, so they land in its cache, show its progress bar
and honour ``HF_ENDPOINT``, ``HF_HUB_CACHE``/``HF_HOME`` and ``HF_HUB_OFFLINE`` (read when
called, not at import).  A cached file is found without any network access.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import HfApi, constants, hf_hub_download, try_to_load_from_cache

from .errors import WeightsUnavailable

_PROBE_TIMEOUT_S = 0.6


@dataclass(frozen=True)
class PretrainedSpec:
    """One named set of weights.

    Attributes:
        name: registry name (``"fgaesq"``, ``"openai"``).
        kind: ``"hub"`` (a file in a hub repo) or ``"openai"`` (open_clip's CLIP weights).
        config: the architecture the weights belong to.
        repo_id: hub repository.
        suffix: for ``"hub"``: the repo file to take is the one with this suffix.
        description: one line for listings.
    """

    name: str
    kind: str
    config: str
    repo_id: str
    suffix: str = ""
    description: str = ""


REGISTRY: dict[str, PretrainedSpec] = {
    "fgaesq": PretrainedSpec(
        name="fgaesq",
        kind="hub",
        config="vit-b-16",
        repo_id="yzc002/FGAesQ",
        suffix=".pt",
        description="released FGAesQ weights (CVPR 2026), about 600 MB",
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
    return (
        f"To use {spec.name!r} offline, download it once on a connected machine "
        f"(`hf download {spec.repo_id}`) and copy the Hugging Face cache folder {repo_dir} "
        f"to this machine, or pass --weights PATH with the checkpoint file."
    )


def cached_file(spec: PretrainedSpec, cache_dir: Path | None = None) -> Path | None:
    """The cached weights file of ``spec``, found without network access, or None."""
    cache_dir = cache_dir or hub_cache_dir()
    if spec.kind == "openai":
        candidates = list(OPENAI_FILES)
    else:
        snapshots = cache_dir / ("models--" + spec.repo_id.replace("/", "--")) / "snapshots"
        candidates = sorted(
            {p.name for p in snapshots.glob(f"*/*{spec.suffix}")} if snapshots.is_dir() else set()
        )
    for filename in candidates:
        found = try_to_load_from_cache(spec.repo_id, filename, cache_dir=str(cache_dir))
        if isinstance(found, str) and Path(found).is_file():
            return Path(found)
    return None


def download(spec: PretrainedSpec, cache_dir: Path | None = None) -> Path:
    """Fetch the weights file of a hub spec into the cache, or return the cached copy.

    A cached copy is used without contacting the hub.

    Args:
        spec: a registry entry of kind ``"hub"``.
        cache_dir: hub cache; the current default when None.

    Returns:
        Path of the file inside the hub cache.

    Raises:
        WeightsUnavailable: offline without a cached copy, or the hub cannot be reached.
    """
    cache_dir = cache_dir or hub_cache_dir()
    cached = cached_file(spec, cache_dir)
    if cached is not None:  # released weights never change: no update check
        return cached
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
    try:
        files = HfApi(endpoint=endpoint).list_repo_files(spec.repo_id)
        matches = sorted(f for f in files if f.endswith(spec.suffix))
        if not matches:
            raise WeightsUnavailable(
                f"hub repo {spec.repo_id} has no {spec.suffix} file (files: {files[:10]}). "
                + offline_hint(spec)
            )
        path = hf_hub_download(
            spec.repo_id, matches[0], cache_dir=str(cache_dir), endpoint=endpoint
        )
        return Path(path)
    except WeightsUnavailable:
        raise
    except Exception as exc:  # network errors come from httpx, huggingface_hub and OSError
        raise WeightsUnavailable(
            f"cannot download {spec.name!r} weights from {endpoint}/{spec.repo_id}: "
            f"{type(exc).__name__}: {str(exc)[:200]}. " + offline_hint(spec)
        ) from exc


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
