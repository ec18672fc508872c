"""Falsifiers: hypothesis property tests, each bound to a FALSIFY id of a contract in contracts/."""
