"""Autograder for neural-network course assignments.

Kept import-light on purpose: the sandbox's child program imports this package inside
the student's process, and nothing here may pull in heavy or secret modules.
"""

__version__ = "0.1.0"
