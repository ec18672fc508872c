"""Mutation machinery: applying mutants in place (reach), generating them from source
(operators, generate) and running them in forked pytest processes (server, matrix)."""
