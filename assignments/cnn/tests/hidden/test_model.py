"""Hidden tests of build_model(in_channels, image_size, num_classes).

The model lives in the student's process; the grader sees it through
``student.torch_info`` (its layer types and parameter count) and runs it
through the student's ``predict`` (classes of every row), so these tests
check that the network is a module with a convolution, that it accepts
float32 input in [0, 1] of the size it was built for (other channel counts,
image sizes that pooling does not halve evenly, other class counts), and
that its last layer follows num_classes.
"""
import numpy as np
import pytest
import torch

from autograder.sandbox.faults import StudentRaised
from autograder.testing import CheckFailed

SHAPES = [(1, 8, 10), (3, 16, 4), (1, 12, 2), (1, 10, 3), (2, 9, 5)]


def _label(shape):
    return "x".join(map(str, shape))


def _build(student, c, s, k):
    model = student.build_model(c, s, k)
    info = student.torch_info(model)
    if not info.get("is_module"):
        raise CheckFailed(f"build_model({c}, {s}, {k}) did not return a torch.nn.Module")
    return model, info


@pytest.mark.parametrize("shape", SHAPES[:3], ids=[_label(s) for s in SHAPES[:3]])
def test_a_module_with_a_convolution(student, shape):
    _, info = _build(student, *shape)
    types = info.get("module_types", [])
    if not any(t.endswith("Conv2d") for t in types):
        raise CheckFailed(f"the network of build_model{shape} has no nn.Conv2d layer (it holds "
                          f"{', '.join(t for t in types if t != 'Sequential') or 'nothing'})")
    if info.get("n_parameters", 0) <= 0:
        raise CheckFailed(f"the network of build_model{shape} has no parameters to train")


@pytest.mark.parametrize("shape", SHAPES, ids=[_label(s) for s in SHAPES])
def test_runs_on_input_of_its_size(student, shape):
    c, s, k = shape
    model, _ = _build(student, c, s, k)
    X = torch.rand(96, c, s, s, generator=torch.Generator().manual_seed(s * 100 + k))   # float32 in [0, 1)
    what = f"the model of build_model({c}, {s}, {k}) on float32 input of shape (96, {c}, {s}, {s})"
    try:
        pred = student.predict(model, X, "cpu")
    except StudentRaised as exc:
        raise CheckFailed(f"{what} (run through your predict) failed: {exc}. Follow the side of the image "
                          "through every layer with conv_output_size to size the first nn.Linear") from None
    pred = np.asarray(pred)
    if pred.shape != (96,):
        raise CheckFailed(f"{what}: your predict returned shape {pred.shape}, expected (96,) (check predict's "
                          "own tests first)")
    if not np.all((pred >= 0) & (pred < k)):
        raise CheckFailed(f"{what}: your predict returned classes outside 0..{k - 1}: the last layer must have "
                          "num_classes outputs")


def test_num_classes_and_in_channels_are_used(student):
    counts = {shape: _build(student, *shape)[1].get("n_parameters") for shape in [(1, 8, 3), (1, 8, 10), (3, 8, 3)]}
    if counts[(1, 8, 3)] == counts[(1, 8, 10)]:
        raise CheckFailed("build_model(1, 8, 3) and build_model(1, 8, 10) have the same number of parameters: "
                          "the last layer must have num_classes outputs")
    if counts[(1, 8, 3)] == counts[(3, 8, 3)]:
        raise CheckFailed("build_model(1, 8, 3) and build_model(3, 8, 3) have the same number of parameters: "
                          "the first convolution must take in_channels input channels")
