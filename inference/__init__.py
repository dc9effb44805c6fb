"""The network, its fits and the posterior file: usable alone, without the study.

>>> from inference import build_model, fit_nuts, load  # what a user calls
"""

from inference.advi import ADVIError, fit_advi
from inference.assemble import assemble
from inference.atomic import OutputError, atomic_write, check_output
from inference.backends import BACKENDS, BackendError
from inference.fit import MethodFit
from inference.methods import METHODS, Method
from inference.model import PARAMS, build_model, sample_prior
from inference.nuts import fit_nuts
from inference.posterior_file import PosteriorFileError, load, save, to_bytes, validate
from inference.predict import predict_proba
from inference.rebuild import rebuild_model
from inference.runtime import Runtime

__all__ = [
    "BACKENDS",
    "METHODS",
    "PARAMS",
    "ADVIError",
    "BackendError",
    "Method",
    "MethodFit",
    "OutputError",
    "PosteriorFileError",
    "Runtime",
    "assemble",
    "atomic_write",
    "build_model",
    "check_output",
    "fit_advi",
    "fit_nuts",
    "load",
    "predict_proba",
    "rebuild_model",
    "sample_prior",
    "save",
    "to_bytes",
    "validate",
]
