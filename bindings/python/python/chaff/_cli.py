"""The ``chaff`` command installed with the package: the Rust command line,
run in this process through the native module."""

from __future__ import annotations

import signal
import sys
from typing import List, Optional

from ._chaff import run_cli


def main(argv: Optional[List[str]] = None) -> int:
    """Runs ``chaff`` with ``argv`` (``sys.argv`` when None) and returns its
    exit code; as a console script, that is the process's exit status."""
    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "chaff"
    # Behave like the native binary: Ctrl-C ends the run at once, and a
    # closed pipe (`chaff strip - | head`) is an ordinary end of output.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    sys.stderr.flush()
    return run_cli(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
