"""The red-team suite: hostile submissions, the harness that grades them, and their checks.

``attacks.py`` is the table (one :class:`~redteam.attacks.Attack` per
hostile submission), ``harness.py`` grades a batch of them next to honest
students inside a safety net and judges what happened, ``inner.py`` is the
grader process the harness starts. ``tests/test_redteam.py`` runs the table
with every layer (CI); ``bench/redteam_ablation.py`` runs it once per layer
removed.
"""
