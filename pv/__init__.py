"""pv: contract-driven verification of numerical kernels."""

__version__ = "0.1.0"
