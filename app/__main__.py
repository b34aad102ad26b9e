"""``python -m app`` starts the desktop application."""

import sys

from app.gui.main import main

sys.exit(main())
