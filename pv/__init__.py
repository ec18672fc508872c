"""pv: contract-driven verification of numerical kernels."""

__version__ = "0.1.0"
# The name on the package index: `pip install pv-kernel-contracts`. The command (`pv`, or
# `python -m pv`) and the import package (`pv`) keep the short name; the index's `pv` is an
# unrelated project.
DISTRIBUTION = "pv-kernel-contracts"
