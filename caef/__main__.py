"""`python -m caef …` is the `caef` command."""
import sys

from caef.cli import main

sys.exit(main())
