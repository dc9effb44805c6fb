"""The network, its fits and the posterior file: usable alone, without the study.

>>> from inference import build_model, fit_nuts, load  # what a user calls
"""

from common.lazy import lazy_exports

#: Each public name -> the module that defines it, imported on first use.
_WHERE = {
    "ADVIError": "inference.methods.advi",
    "assemble": "inference.posterior.assemble",
    "atomic_write": "common.atomic",
    "BackendError": "inference.backends.choice",
    "BACKENDS": "inference.backends.choice",
    "build_model": "inference.model.network",
    "check_output": "common.atomic",
    "fit_advi": "inference.methods.advi",
    "fit_nuts": "inference.methods.nuts",
    "load": "inference.posterior.storage",
    "Method": "inference.methods.registry",
    "MethodFit": "inference.methods.result",
    "METHODS": "inference.methods.registry",
    "OutputError": "common.atomic",
    "PARAMS": "inference.model.network",
    "PosteriorFileError": "inference.posterior.storage",
    "predict_proba": "inference.model.forward",
    "rebuild_model": "inference.posterior.rebuild",
    "Runtime": "inference.backends.runtime",
    "sample_prior": "inference.model.network",
    "save": "inference.posterior.storage",
    "to_bytes": "inference.posterior.storage",
    "validate": "inference.posterior.storage",
}

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
