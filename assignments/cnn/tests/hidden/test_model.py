"""Hidden tests of build_model(in_channels, image_size, num_classes).

The model lives in the student's process; the grader sees it through
``student.torch_info`` (its layer types and parameter count) and runs it
with its own forward pass, ``student.torch_forward`` (``model(X)`` in
evaluation mode without gradient tracking, run by the grader's code in the
student's process), never through the student's ``predict``: a mistake in
predict costs points in the training part only. These tests check that the
network is a module with a convolution, that it accepts float32 input in
[0, 1] of the size it was built for (other channel counts, image sizes that
pooling does not halve evenly, other class counts) and returns float32
logits (N, num_classes), not probabilities, and that its first and last
layers follow in_channels and num_classes.
"""
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


def _logits(student, model, c, s, k, n=96):
    """The model's output on n float32 images in [0, 1), run by the grader: checked to be (n, k) float32 logits."""
    X = torch.rand(n, c, s, s, generator=torch.Generator().manual_seed(s * 100 + k))     # (n, c, s, s)
    what = f"the model of build_model({c}, {s}, {k}) on float32 input of shape ({n}, {c}, {s}, {s})"
    try:
        out = student.torch_forward(model, X)
    except StudentRaised as exc:
        raise CheckFailed(f"{what} failed: {exc}. Follow the side of the image through every layer with "
                          "conv_output_size to size the first nn.Linear, and keep the network in float32") from None
    if not isinstance(out, torch.Tensor):
        raise CheckFailed(f"{what} returned a {type(out).__name__}; the network must return a tensor of logits")
    if tuple(out.shape) != (n, k):
        hint = ": the last layer must have num_classes outputs" if out.dim() == 2 and out.shape[0] == n else ""
        raise CheckFailed(f"{what} returned shape {tuple(out.shape)}, expected ({n}, {k}){hint}")
    if out.dtype != torch.float32:
        raise CheckFailed(f"{what} returned {out.dtype}, expected torch.float32 (do not convert the network with "
                          ".double() or .half())")
    if not torch.isfinite(out).all():
        raise CheckFailed(f"{what} returned values that are not finite")
    return out                                                                            # (n, k)


@pytest.mark.parametrize("shape", SHAPES, ids=[_label(s) for s in SHAPES])
def test_runs_on_input_of_its_size(student, shape):
    model, _ = _build(student, *shape)
    _logits(student, model, *shape)


def test_returns_logits_not_probabilities(student):
    """cross_entropy applies log-softmax itself: a network ending in softmax learns slowly (log-softmax is fine)."""
    model, _ = _build(student, 1, 8, 10)
    out = _logits(student, model, 1, 8, 10)
    if bool(((out >= 0) & (out <= 1)).all()) and torch.allclose(out.sum(dim=1), torch.ones(len(out)), atol=1e-4):
        raise CheckFailed("the network of build_model(1, 8, 10) returns probabilities (each row is >= 0 and sums "
                          "to 1): return the logits of the last nn.Linear, without nn.Softmax; "
                          "F.cross_entropy applies the softmax itself")


def test_num_classes_and_in_channels_are_used(student):
    counts = {shape: _build(student, *shape)[1].get("n_parameters") for shape in [(1, 8, 3), (1, 8, 10), (3, 8, 3)]}
    if counts[(1, 8, 3)] == counts[(1, 8, 10)]:
        raise CheckFailed("build_model(1, 8, 3) and build_model(1, 8, 10) have the same number of parameters: "
                          "the last layer must have num_classes outputs")
    if counts[(1, 8, 3)] == counts[(3, 8, 3)]:
        raise CheckFailed("build_model(1, 8, 3) and build_model(3, 8, 3) have the same number of parameters: "
                          "the first convolution must take in_channels input channels")
