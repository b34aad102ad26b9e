"""``python -m app`` starts the desktop application."""

import sys

from app.gui.main import main

if __name__ == "__main__":  # decoder worker processes import this module too
    sys.exit(main())
