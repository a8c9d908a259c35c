"""Running untrusted student code in a separate, limited process.

The grader's side: ``session`` (a student's process and its calls), with
``student`` (the proxy tests call), ``faults``, ``mirror``, ``handles``,
``launcher`` and ``cgroups`` (how a box starts), ``zygote`` (warm boxes).
Inside the box run ``child`` (the call server), ``warm_parent`` and
``confine``; ``protocol`` and ``codec``, the messages and their values, are
shared by both sides. Nothing the box imports may pull in the grader's
tests, answers or heavy modules.
"""
