"""Run tests against the installed package: drop the root from sys.path, where ``ledger/``
lacks the ``cli`` and ``plugins`` subpackages that installation maps into it (STYLE.md)."""

import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != ROOT]
