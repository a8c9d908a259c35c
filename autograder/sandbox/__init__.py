"""Running untrusted student code in a separate, limited process.

The trusted side uses :class:`autograder.sandbox.session.StudentSession`; the
other modules here are its parts. Only ``codec`` and ``worker`` are imported
inside the student's process.
"""
