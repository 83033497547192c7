"""Multi-objective optimizers: MO-ASHA, MO-Hyperband and PriMO.

They minimise every objective of a list-valued ``objective_to_minimize`` and rank
configs by Pareto fronts (``_selection``), so a study run with them spreads its
evaluations over the trade-off; ``neps.load(root)`` and the ``pareto`` export show the
front found. With a single objective they behave as their single-objective bases.
"""

from __future__ import annotations
