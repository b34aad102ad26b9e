"""Test-wide isolation: no test reads or writes the user's real catalog, settings, caches or model hub cache."""

import atexit
import os
import shutil
import tempfile

# Set before any project or huggingface_hub import: both read these at import time.
_SANDBOX = tempfile.mkdtemp(prefix="fgaesq-tests-")
# Removed when the run ends, so repeated runs do not fill the temporary folder.
atexit.register(shutil.rmtree, _SANDBOX, ignore_errors=True)
for _var, _sub in (
    ("XDG_DATA_HOME", "data"),
    ("XDG_CACHE_HOME", "cache"),
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_STATE_HOME", "state"),
    ("HF_HOME", "hf"),
):
    os.environ[_var] = os.path.join(_SANDBOX, _sub)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Scores are compared exactly across loads: torch fp32, whatever engines are installed
# (tests/test_core_engines.py clears this to test the per-machine choice).
os.environ["FGAESQ_ENGINE"] = "torch:fp32"
# One CPU thread per process for torch (and the BLAS libraries), here and in the programs
# the tests start: the suite runs beside its own worker processes and other work on two
# cores, where an intra-op thread pool waits on a busy core instead of working (a
# five-step training test measured 0.8 s on one thread, 9-16 s on two when the other core
# was taken; fgaesq_core.device.single_thread).  Set before anything imports torch.
os.environ.setdefault("OMP_NUM_THREADS", "1")
