"""The program runs on its declared dependencies alone.

The test extra (``.[dev]``) installs packages the program must never need; an import of
one of them in ``app``, ``fgaesq_core`` or ``training`` works in the test environment and
fails for everyone who installed the program as the README says.  A child process hides
every package that only the test extra brings and then imports every module and culls the
bundled samples.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import importlib, os, pkgutil, site, sys

# The packages the test extra brings are made absent, as for a user who installed the
# program alone: site-packages is seen through a folder of links to everything else.
HIDDEN = set(sys.argv[1].split(","))
shadow = sys.argv[2]
# (Debian's Python also names dist-packages folders a virtualenv does not have)
folders = {folder for folder in site.getsitepackages() if os.path.isdir(folder)}
for folder in folders:
    for entry in os.listdir(folder):
        if entry.split(".")[0] not in HIDDEN and not os.path.exists(os.path.join(shadow, entry)):
            os.symlink(os.path.join(folder, entry), os.path.join(shadow, entry))
sys.path[:] = [shadow if path in folders else path for path in sys.path]
sys.path_importer_cache.clear()
for package in ("app", "fgaesq_core", "training"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if ".gui" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
from app.cli import main
sys.exit(main(sys.argv[3:]))
"""


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[\s;\[<>=!~]", req, maxsplit=1)[0].lower().replace("_", "-")
        for req in requirements
    }


def _test_only_modules() -> set[str]:
    """Top-level modules of the packages the test extra adds to the runtime dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = _names(project["dependencies"])
    test_only = _names(project["optional-dependencies"]["dev"]) - runtime
    modules = set()
    for module, distributions in metadata.packages_distributions().items():
        if any(d.lower().replace("_", "-") in test_only for d in distributions):
            modules.add(module)
    return modules


def test_the_program_imports_and_culls_without_the_test_only_packages(tmp_path: Path):
    hidden = _test_only_modules()
    assert {"sklearn", "skimage"} <= hidden, "the test extra's packages are found"
    out = tmp_path / "cull.json"
    shadow = tmp_path / "site-packages"
    shadow.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            ",".join(sorted(hidden)),
            str(shadow),
            str(ROOT / "resources" / "samples" / "bursts"),
            "--model",
            "technical",
            "--db",
            str(tmp_path / "c.sqlite3"),
            "--json",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(out.read_text())["series"], "the samples were culled"
