"""Public tests of build_model(in_channels, image_size, num_classes).

The grader cannot look inside your model; it asks your process which layers
it holds, and runs it through your predict to check that it accepts input
of the size it was built for and gives classes in range(num_classes).
"""
import numpy as np
import torch

from autograder.testing import CheckFailed


def test_a_module_with_a_convolution(student):
    model = student.build_model(1, 8, 10)
    info = student.torch_info(model)
    if not info.get("is_module"):
        raise CheckFailed("build_model(1, 8, 10) did not return a torch.nn.Module")
    if not any(t.endswith("Conv2d") for t in info.get("module_types", [])):
        raise CheckFailed("the network of build_model(1, 8, 10) has no nn.Conv2d layer")


def test_classes_for_digit_images(student):
    model = student.build_model(1, 8, 10)
    X = torch.rand(5, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    pred = np.asarray(student.predict(model, X, "cpu"))
    if pred.shape != (5,):
        raise CheckFailed(f"predict with the model of build_model(1, 8, 10) on X of shape (5, 1, 8, 8) returned "
                          f"shape {pred.shape}, expected (5,)")
    if not np.all((pred >= 0) & (pred < 10)):
        raise CheckFailed("predict with the model of build_model(1, 8, 10) returned classes outside 0..9")
