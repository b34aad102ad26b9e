"""Text from file names made safe to show: in a terminal and in a spreadsheet.

A file name may hold a newline, an escape sequence that recolours or rewrites the terminal,
or a right-to-left override that reverses what follows; in a CSV, a cell that starts with
``=``, ``+``, ``-`` or ``@`` is a live formula in Excel, LibreOffice and Google Sheets.
Everything printed goes through ``printable``; every text cell of a CSV through
``spreadsheet_cell``.
"""

from __future__ import annotations

import unicodedata

from app.fileio import storable_name

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def printable(text: object) -> str:
    """``text`` with control and invisible formatting characters shown as escapes."""
    value = str(text)
    if value.isprintable():
        return value
    out = []
    for char in value:
        if char.isprintable() or char == " ":
            out.append(char)
        elif 0xDC80 <= ord(char) <= 0xDCFF:  # a byte of a name that is not UTF-8
            out.append(storable_name(char))  # spelled as the catalog stores it
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def spreadsheet_cell(text: object) -> str:
    """A CSV text cell that no spreadsheet runs as a formula, with control characters escaped."""
    value = printable(text)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
