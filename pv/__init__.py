"""pv: contract-driven verification of numerical kernels."""

from pv.runtime import ContractViolation, enforce

__version__ = "0.1.0"
__all__ = ["ContractViolation", "enforce"]
