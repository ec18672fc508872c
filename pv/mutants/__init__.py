"""Mutation machinery on the pytest side: applying mutants in place (reach), generating them
from source (operators, generated), their states, and the fork server that runs them. The
kill matrix that drives the server is pv.evidence.kill_matrix."""
