"""``python -m neps_like.clean ROOT [--dry_run] [--checkpoints_only] [--trial_ids ID ...]``.

Exit status 0 with the counts printed; 2 with a one-line error (what to do instead when
neither ``--dry_run`` nor ``--checkpoints_only`` is given)."""

from __future__ import annotations

import argparse
import sys

from neps_like._errors import NepsLikeError
from neps_like.clean.clean import clean_failed_trials


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m neps_like.clean",
        description="NePS's clean: list failed trials, or free their folders' disk space "
        "(their records stay: the journal is append-only).",
    )
    parser.add_argument("root_directory")
    parser.add_argument("--dry_run", action="store_true", help="only list what is chosen")
    parser.add_argument(
        "--checkpoints_only",
        action="store_true",
        help="remove what the evaluations wrote in the chosen trials' folders",
    )
    parser.add_argument("--trial_ids", nargs="+", help="choose these trials instead of states")
    args = parser.parse_args(argv)
    try:
        stats = clean_failed_trials(
            args.root_directory,
            trial_ids=args.trial_ids,
            dry_run=args.dry_run,
            checkpoints_only=args.checkpoints_only,
        )
    except NepsLikeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key, value in stats.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
