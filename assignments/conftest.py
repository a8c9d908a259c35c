# Lets an instructor run any assignment's tests with plain pytest:
#   pytest assignments/backprop --submission path/to/backprop.ipynb
from autograder.pytest_plugin import config, data, device, pytest_addoption, reference, rng, student  # noqa: F401
