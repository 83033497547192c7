"""``python -m neps_like`` runs the CLI."""

import sys

from neps_like.cli import main

sys.exit(main())
