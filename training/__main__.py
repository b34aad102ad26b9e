"""``python -m training {train,eval,validate,synthetic} ...``."""

import sys

from training.cli import main

sys.exit(main())
