"""Journal records a lock holder leaves for after the release.

With 16 workers, nearly everything a lock holder reads while the others wait is one of
two kinds of record, and neither is needed in full under the lock in the worker's fast
path (``NePSState.lock_and_report_and_next``):

* a final outcome (success, failed, pruned) without a cost, of a trial already known:
  budgets count trials when they are created (costs excepted, hence "without a cost"),
  and ids, pending trials and duplicates come from earlier records;
* a new trial that another worker sampled and claimed: counted at once from its id and
  the duplicate key stored in its first record (``TrialRepo.register_claim``), so
  budgets, ids, duplicates and the number of trials stay exact while its config waits.

Both are recognised on the bytes (``Trial.to_record`` writes ``id``, ``state`` and
``key`` first) and decoded by ``apply``: after the release, or before any decision that
reads outcomes or configs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from neps_like.state.journal import decode_payload
from neps_like.state.layout import is_valid_trial_id
from neps_like.state.trial_repo import TrialRepo

logger = logging.getLogger(__name__)

_TRIAL_PREFIX = b'{"kind":"trial","trial":{"v":1,"id":"'
_STATE_KEY = b',"state":"'
_KEY_KEY = b',"key":"'
_FINAL_OUTCOMES = frozenset({b"success", b"failed", b"pruned"})


class Deferral:
    """The deferred payloads of one state, in journal order, and the claims counted
    from them but not yet read (placeholders in ``repo``)."""

    def __init__(self, repo: TrialRepo, *, skim_claims: bool) -> None:
        self._repo = repo
        # Claims are counted unread only where nothing under the lock needs their config
        # (not in spaces with a fidelity, whose budget sums the fidelity values).
        self._skim_claims = skim_claims
        self.payloads: list[bytes] = []
        self.unread_claims: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.payloads)

    def accepts(self, payload: bytes) -> bool:
        """Whether the record can wait (see the module docstring); a claim it accepts is
        counted in the repo at once."""
        if not payload.startswith(_TRIAL_PREFIX) or b'"cost":' in payload:
            return False
        id_end = payload.find(b'"', len(_TRIAL_PREFIX))
        if not payload.startswith(_STATE_KEY, id_end + 1):
            return False
        state_start = id_end + 1 + len(_STATE_KEY)
        state_end = payload.find(b'"', state_start)
        state = payload[state_start:state_end]
        trial_id = payload[len(_TRIAL_PREFIX) : id_end].decode(errors="replace")
        if not is_valid_trial_id(trial_id):
            return False  # decoded and refused with a warning by the caller's ``_apply``
        if state in _FINAL_OUTCOMES:
            return trial_id in self._repo
        if (
            state != b"evaluating"
            or not self._skim_claims
            or not payload.startswith(_KEY_KEY, state_end + 1)
            or trial_id in self._repo
            or b'"origin":' in payload  # imported and enqueued trials count differently
            or b'"report":' in payload
        ):
            return False
        key_start = state_end + 1 + len(_KEY_KEY)
        key_end = payload.find(b'"', key_start)
        self._repo.register_claim(trial_id, payload[key_start:key_end].decode())
        self.unread_claims.add(trial_id)
        return True

    def add(self, payload: bytes) -> None:
        self.payloads.append(payload)

    def precedes(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` is a later record of a claim still unread: apply first."""
        return bool(self.unread_claims) and trial_id_of(record) in self.unread_claims

    def apply(self, apply_record: Callable[[Mapping[str, Any]], bool]) -> None:
        """Decode and apply every deferred record in order; a claim whose record turns
        out unusable is uncounted."""
        payloads, self.payloads = self.payloads, []
        for payload in payloads:
            try:
                record: dict[str, Any] | None = decode_payload(payload)
            except ValueError as exc:  # checksum held, so a writer's bug: say so, go on
                logger.warning("Skipping an unreadable journal record: %s", exc)
                record = None
            applied = record is not None and apply_record(record)
            if self.unread_claims:
                trial_id = payload[len(_TRIAL_PREFIX) :].partition(b'"')[0].decode(errors="replace")
                if trial_id in self.unread_claims:
                    self.unread_claims.discard(trial_id)
                    if not applied:  # counted under the lock, but its record is unusable
                        self._repo.forget_claim(trial_id)

    def clear(self) -> None:
        self.payloads.clear()
        self.unread_claims.clear()


def trial_id_of(record: Mapping[str, Any]) -> str | None:
    trial = record.get("trial") if record.get("kind") == "trial" else None
    return trial.get("id") if isinstance(trial, dict) else None
