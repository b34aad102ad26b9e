"""Entry script of the frozen application (PyInstaller runs this file as __main__)."""

import multiprocessing
import sys

from app.gui.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # decoder worker processes re-enter here
    sys.exit(main())
