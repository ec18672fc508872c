"""Runtime contracts: clauses from the YAML checked inside the user's process.

Imported by user code and by `engine/`, so it depends only on PyYAML and pv's project
discovery: no pydantic, and numpy only once a clause is compiled.
"""

from pv.runtime.clause import UnsafeClause, clause_error
from pv.runtime.enforce import clause_violation, enforce, precondition_check
from pv.runtime.violation import ContractViolation

__all__ = ["ContractViolation", "UnsafeClause", "clause_error", "clause_violation", "enforce", "precondition_check"]
