"""The `kerasgen` command line (`python -m kerasgen.cli ...` works as the `kerasgen` command).

The parser lives in the top-level module `kerasgen_cli`, outside this package, so that
`kerasgen --help` does not import the library (and TensorFlow); the commands themselves are
`kerasgen.commands`.
"""

import sys

from kerasgen_cli import EXIT_BAD_INPUT  # noqa: F401  (the exit codes, public here too)
from kerasgen_cli import EXIT_FAILED  # noqa: F401
from kerasgen_cli import main

if __name__ == "__main__":
    sys.exit(main())
