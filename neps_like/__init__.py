"""neps_like: hyperparameter optimisation with many workers over one shared directory.

Every worker runs ``neps_like.run(...)`` on the same ``root_directory``; there is no
server. The API follows NePS, so ``import neps_like as neps`` runs NePS scripts.
"""

from __future__ import annotations

from neps_like import algorithms
from neps_like._errors import (
    ArgumentError,
    ConfigError,
    CorruptRecordError,
    EvaluationError,
    IllegalTransitionError,
    LockLostError,
    LockTimeout,
    NePSError,
    NepsLikeError,
    NewerFormatError,
    OptimizerError,
    SamplingExhausted,
    SpaceError,
    StaleTrialError,
    StorageError,
    StudyMismatchError,
    StudyReplacedError,
    TrialAlreadyExistsError,
    TrialNotFoundError,
    UnsafePathError,
)
from neps_like.analysis.neps_status import status
from neps_like.analysis.results import Results, load
from neps_like.api import run
from neps_like.ask_tell import AskTell
from neps_like.compat.ask_and_tell import AskAndTell
from neps_like.compat.async_results import save_pipeline_results
from neps_like.compat.plot import plot
from neps_like.compat.readers import (
    create_config,
    load_config,
    load_optimizer_info,
    load_pipeline_space,
)
from neps_like.compat.sampled_config import SampledConfig
from neps_like.compat.tblogger import tblogger
from neps_like.compat.trials import UserResultDict, import_trials
from neps_like.launch import launch
from neps_like.optimizers.protocol import AskFunction
from neps_like.script_helpers import (
    previous_trial_directory,
    report,
    report_intermediate,
    trial_directory,
)
from neps_like.space import (
    ByName,
    Categorical,
    CategoricalParameter,
    ConfidenceLevel,
    Constant,
    ConstantParameter,
    Fidelity,
    Float,
    FloatFidelity,
    FloatParameter,
    HPOCategorical,
    HPOConstant,
    HPOFloat,
    HPOInteger,
    Integer,
    IntegerFidelity,
    IntegerParameter,
    Operation,
    Parameter,
    PipelineSpace,
    Resample,
    SearchSpace,
)
from neps_like.state.records import BudgetInfo, MetaData, Report, Trial, TrialState
from neps_like.trials_api import (
    copy_checkpoint,
    enqueue,
    pause_trial,
    resume_trial,
    rewind,
    stop_trial,
)

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "AskAndTell",
    "AskFunction",
    "AskTell",
    "BudgetInfo",
    "ByName",
    "Categorical",
    "CategoricalParameter",
    "ConfidenceLevel",
    "ConfigError",
    "Constant",
    "ConstantParameter",
    "CorruptRecordError",
    "EvaluationError",
    "Fidelity",
    "Float",
    "FloatFidelity",
    "FloatParameter",
    "HPOCategorical",
    "HPOConstant",
    "HPOFloat",
    "HPOInteger",
    "IllegalTransitionError",
    "Integer",
    "IntegerFidelity",
    "IntegerParameter",
    "LockLostError",
    "LockTimeout",
    "MetaData",
    "NePSError",
    "NepsLikeError",
    "NewerFormatError",
    "Operation",
    "OptimizerError",
    "Parameter",
    "PipelineSpace",
    "Report",
    "Resample",
    "Results",
    "SampledConfig",
    "SamplingExhausted",
    "SearchSpace",
    "SpaceError",
    "StaleTrialError",
    "StorageError",
    "StudyMismatchError",
    "StudyReplacedError",
    "Trial",
    "TrialAlreadyExistsError",
    "TrialNotFoundError",
    "TrialState",
    "UnsafePathError",
    "UserResultDict",
    "__version__",
    "algorithms",
    "copy_checkpoint",
    "create_config",
    "enqueue",
    "import_trials",
    "launch",
    "load",
    "load_config",
    "load_optimizer_info",
    "load_pipeline_space",
    "pause_trial",
    "plot",
    "previous_trial_directory",
    "report",
    "report_intermediate",
    "resume_trial",
    "rewind",
    "run",
    "save_pipeline_results",
    "status",
    "stop_trial",
    "tblogger",
    "trial_directory",
]
