"""Search spaces: parameters, ``SearchSpace``, the unit-cube encoding, priors, YAML form.

The space layer is pure: no I/O except the YAML helpers, no global state, numpy only
(``yaml`` is imported lazily). Everything a user or another layer needs is exported
here; the ``_*`` modules are private.

Module map::

    _base         Parameter base class, scalar checks
    _confidence   ConfidenceLevel and how confidence shapes prior sampling
    _numerical    Float, Integer          _categorical  Categorical, Constant
    _fidelity     IntegerFidelity, FloatFidelity, Fidelity
    _spec         parameter <-> dict ("spec"), NePS YAML shorthand
    _pipeline     PipelineSpace (class-attribute declarations)
    _build        user input -> flat {dotted name: Parameter}
    _config       validate_config, config_key, unflatten
    _sampling     sample, grid            _encoding     encode, decode, fidelity scale
    _diff         describe_difference     _searchspace  SearchSpace
"""

from __future__ import annotations

from neps_like.space._base import Parameter
from neps_like.space._categorical import Categorical, Constant
from neps_like.space._confidence import ConfidenceLevel
from neps_like.space._fidelity import Fidelity, FloatFidelity, IntegerFidelity
from neps_like.space._numerical import Float, Integer
from neps_like.space._pipeline import PipelineSpace
from neps_like.space._searchspace import SearchSpace
from neps_like.space._structured import ByName, Operation, Resample

# NePS's classic names.
FloatParameter = Float
IntegerParameter = Integer
CategoricalParameter = Categorical
ConstantParameter = Constant
# NePS's names for the parameters of its dict/YAML spaces. ``HPOCategorical`` takes its
# prior as the choice itself (a value), where ``Categorical(prior=...)`` takes an index.
HPOFloat = Float
HPOInteger = Integer
HPOCategorical = Categorical.with_prior_value
HPOConstant = Constant

__all__ = [
    "ByName",
    "Categorical",
    "CategoricalParameter",
    "ConfidenceLevel",
    "Constant",
    "ConstantParameter",
    "Fidelity",
    "Float",
    "FloatFidelity",
    "FloatParameter",
    "HPOCategorical",
    "HPOConstant",
    "HPOFloat",
    "HPOInteger",
    "Integer",
    "IntegerFidelity",
    "IntegerParameter",
    "Operation",
    "Parameter",
    "PipelineSpace",
    "Resample",
    "SearchSpace",
]
