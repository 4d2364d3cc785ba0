"""restorer: put back the original wording of synonym-spun English text.

>>> import restorer
>>> restorer.restore_text("Nothing here was spun.")
'Nothing here was spun.'

``import restorer`` is cheap: spaCy, wordfreq and the tables load on first use.
"""

from __future__ import annotations

from restorer.cascade import Cascade, make_restorer, restore_and_explain, restore_text
from restorer.config import RestorerConfig
from restorer.core import Restorer
from restorer.detect import SpinReport, detect
from restorer.edits import Edit, RestoredText, Source, apply_edits
from restorer.errors import ExitCode, InputError, RestorerError, TableFormatError
from restorer.table import PhraseTable, Row, load_table

__version__ = "0.1.0"

__all__ = [
    "Cascade",
    "Edit",
    "ExitCode",
    "InputError",
    "PhraseTable",
    "RestoredText",
    "Restorer",
    "RestorerConfig",
    "RestorerError",
    "Row",
    "Source",
    "SpinReport",
    "TableFormatError",
    "__version__",
    "apply_edits",
    "detect",
    "load_table",
    "make_restorer",
    "restore_and_explain",
    "restore_text",
]
