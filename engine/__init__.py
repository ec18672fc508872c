"""Numpy kernels specified by the contracts in `contracts/`.

The engine knows nothing of `pv`: it reads only the precondition clauses of its own
contracts, so the text a caller sees when a precondition fails is the contract's text.
"""
