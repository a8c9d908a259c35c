"""Public tests of build_model(in_channels, image_size, num_classes).

The grader cannot look inside your model; it asks your process which layers
it holds, and runs the model itself (``model(X)`` in evaluation mode, without
your predict) to check that it accepts input of the size it was built for and
returns one logit per class for every image.
"""
import torch

from autograder.testing import CheckFailed


def test_a_module_with_a_convolution(student):
    model = student.build_model(1, 8, 10)
    info = student.torch_info(model)
    if not info.get("is_module"):
        raise CheckFailed("build_model(1, 8, 10) did not return a torch.nn.Module")
    if not any(t.endswith("Conv2d") for t in info.get("module_types", [])):
        raise CheckFailed("the network of build_model(1, 8, 10) has no nn.Conv2d layer")


def test_logits_for_digit_images(student):
    model = student.build_model(1, 8, 10)
    X = torch.rand(5, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    out = student.torch_forward(model, X)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5, 10):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckFailed(f"the model of build_model(1, 8, 10) on X of shape (5, 1, 8, 8) returned {shape}, "
                          "expected logits of shape (5, 10)")
    if out.dtype != torch.float32:
        raise CheckFailed(f"the model of build_model(1, 8, 10) returned {out.dtype} logits, expected torch.float32")
