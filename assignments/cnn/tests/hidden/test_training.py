"""Hidden tests of train(model, X, y, device, epochs, batch_size, lr) and
predict(model, X, device, batch_size=256).

``device`` is "cuda" when this part runs on a grader with a GPU (then the
model must end up there and CUDA memory must have been used) and "cpu"
otherwise; no test needs a GPU to pass.

The training problem is easy on purpose: four classes of 8x8 images, each
with a bright quarter in a different corner on a noisy background. Its rows
come SORTED by class, so a loop that does not shuffle feeds whole runs of
batches of one class and does not learn in 3 epochs (measured: with the
reference network, mean loss of the last epoch / first epoch 0.82-0.93 over
torch seeds 0-9 without shuffling, below 0.01 with it).

Bounds, all measured with the reference network and settings below:
- the loss falls: last epoch < 0.5 * first epoch. Reference over seeds 0-9:
  first epoch 0.73-1.07, last epoch below 0.005.
- a mean, not a sum: the first epoch's value is at most 3 ln(C) = 4.16 for
  C = 4 classes; an untrained network with PyTorch's default initialisation
  starts near ln(C) = 1.39 and the epoch's mean can only be lower, while the
  sum over the epoch's 16 mini-batches is about 16 times the mean (13 or more).
- lr is used: with lr = 1e-6, 48 Adam steps move each weight by at most
  about 5e-5 and the loss of the last epoch stays within 5 % of the first
  (reference: within 0.5 %); with Adam's default lr = 1e-3 instead, it falls
  below 0.1 of it.
- evaluation mode: copies of one image must get the same class. With the
  reference network untrained (train with lr = 0 only puts it on device)
  and left in training mode (dropout 0.25), the copies of at least one of
  the 4 images get 2-3 different classes for every seed 0-4 tried. (A
  network whose only train-mode layer is batch norm is caught for some
  seeds only, 2 of 5 for tests/catalogue/cnn/correct/batchnorm_*.py left in
  training mode, including the grader's seed 0.)

Mistakes that only a GPU runner catches (device == "cuda"): the model or the
mini-batches not moved to device in train or predict. They are in
tests/catalogue/cnn/gpu_wrong/, outside the CPU-only catalogue test.
"""
import math

import numpy as np
import pytest
import torch

from autograder.testing import CheckFailed, weight

C = 4
EPOCHS, BATCH, LR = 3, 16, 0.005


def _corners(per_class=64, seed=0, shuffled=False):
    """Four classes, sorted by class unless shuffled: a bright 4x4 quarter on noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(C).repeat_interleave(per_class)                         # (N,)
    X = 0.3 * torch.rand(len(y), 1, 8, 8, generator=g)                       # (N, 1, 8, 8)
    for k in range(C):
        r, c = divmod(k, 2)
        X[y == k, 0, 4 * r:4 * r + 4, 4 * c:4 * c + 4] += 0.6
    if shuffled:
        perm = torch.randperm(len(y), generator=g)
        X, y = X[perm], y[perm]
    return X, y


def _losses(value, epochs, batches, what):
    """The student's list of epoch losses, as floats, or a clear failure."""
    if isinstance(value, torch.Tensor) or not isinstance(value, (list, tuple)):
        raise CheckFailed(f"{what} returned a {type(value).__name__}; expected a list of {epochs} floats")
    if len(value) != epochs:
        hint = ""
        if len(value) == epochs * batches:
            hint = ": that is one value per mini-batch; return the mean over each epoch's mini-batches"
        raise CheckFailed(f"{what} returned {len(value)} values for {epochs} epochs{hint}")
    for v in value:
        if isinstance(v, torch.Tensor):
            raise CheckFailed(f"{what} returned torch tensors; use loss.item() to add up Python floats (a loss "
                              "tensor keeps the graph of its batch in memory)")
        if isinstance(v, bool) or not isinstance(v, (float, int, np.floating, np.integer)):
            raise CheckFailed(f"{what} returned a {type(v).__name__} as an epoch's loss; expected floats")
    out = np.array(value, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise CheckFailed(f"{what} returned a loss that is not finite")
    return out


def _classes(value, n, what):
    if isinstance(value, torch.Tensor):
        raise CheckFailed(f"{what} returned a torch tensor; return a numpy array (tensor.cpu().numpy())")
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{what} returned a {type(value).__name__}; expected a numpy array of int64")
    if value.shape != (n,):
        hint = ""
        if value.ndim == 2 and value.shape[0] == n:
            hint = ": one class per row, the index of the largest logit (argmax over dim=1)"
        elif value.shape == (C,):
            hint = ": the argmax runs over the classes of each row (dim=1), not over the rows"
        raise CheckFailed(f"{what} returned shape {value.shape}, expected ({n},){hint}")
    if value.dtype != np.int64:
        raise CheckFailed(f"{what} returned dtype {value.dtype}, expected int64 (class indices)")
    return value


def _train(student, X, y, device, epochs=EPOCHS, batch=BATCH, lr=LR):
    model = student.build_model(1, 8, C)
    losses = student.train(model, X, y, device, epochs, batch, lr)
    return model, losses


def _on_device(student, model, device, what):
    info = student.torch_info(model)
    if info.get("param_devices") != [device]:
        raise CheckFailed(f"after {what} the model's parameters are on {info.get('param_devices')}, expected "
                          f"['{device}']: move the model with model.to(device)")
    if device == "cuda" and not info.get("cuda_max_memory_allocated"):
        raise CheckFailed(f"{what} ran with device 'cuda' but no GPU memory was ever allocated")


def test_one_mean_loss_per_epoch(student, device):
    X, y = _corners()
    model, value = _train(student, X, y, device)
    what = f"train(model, X, y, device, epochs={EPOCHS}, batch_size={BATCH}, lr={LR}) on 256 images"
    losses = _losses(value, EPOCHS, len(y) // BATCH, what)
    bound = 3 * math.log(C)
    if losses[0] > bound:
        raise CheckFailed(f"{what}: the first epoch's loss is {losses[0]:.3g}, above {bound:.2f} (3 ln C for an "
                          "untrained network of C = 4 classes): return the MEAN of the epoch's batch losses, "
                          "not their sum")
    _on_device(student, model, device, "train")


@weight(2)
def test_loss_falls(student, device):
    X, y = _corners()
    _, value = _train(student, X, y, device)
    losses = _losses(value, EPOCHS, len(y) // BATCH, "train")
    if not losses[-1] < 0.5 * losses[0]:
        raise CheckFailed(f"on an easy 4-class problem whose rows come sorted by class, the mean loss went from "
                          f"{losses[0]:.3f} in the first epoch to {losses[-1]:.3f} in epoch {EPOCHS}, not below "
                          "half of it. Check that every batch does zero_grad, backward and step, and that the "
                          "rows are shuffled in every epoch")


@weight(2)
def test_fits_data_sorted_by_class(student, device):
    X, y = _corners(seed=1)
    model, _ = _train(student, X, y, device)
    pred = _classes(student.predict(model, X, device), len(y), "predict after training")
    accuracy = float(np.mean(pred == y.numpy()))
    if accuracy < 0.9:
        raise CheckFailed(f"after {EPOCHS} epochs on an easy 4-class problem whose rows come sorted by class, "
                          f"your network classifies {accuracy:.2f} of its own training images correctly (a "
                          "correct loop gets them all). Check that the loss falls, and that the rows are shuffled "
                          "in every epoch (torch.randperm)")


def test_uses_the_learning_rate(student, device):
    X, y = _corners(shuffled=True)
    _, value = _train(student, X, y, device, lr=1e-6)
    losses = _losses(value, EPOCHS, len(y) // BATCH, "train with lr=1e-6")
    change = abs(losses[-1] - losses[0]) / losses[0]
    if change > 0.05:
        raise CheckFailed(f"with lr=1e-6 the mean loss changed by {100 * change:.0f}% in {EPOCHS} epochs "
                          "(from {:.3f} to {:.3f}): so small a learning rate should barely move it. Pass lr to "
                          "torch.optim.Adam(model.parameters(), lr=lr)".format(losses[0], losses[-1]))


@weight(0.5)
def test_reproducible(student, device):
    X, y = _corners(shuffled=True)
    _, first = _train(student, X, y, device)
    _, second = _train(student, X, y, device)
    first = _losses(first, EPOCHS, len(y) // BATCH, "train")
    second = _losses(second, EPOCHS, len(y) // BATCH, "train")
    # The grader seeds torch before each call, so two runs must match; on a
    # GPU a few kernels add in a varying order, hence a relative 1e-3 there.
    tol = 1e-3 if device == "cuda" else 1e-6
    if np.max(np.abs(first - second) / np.maximum(np.abs(first), 1e-8)) > tol:
        raise CheckFailed("two runs of build_model and train, each started from the same seed, gave different "
                          "losses: shuffle with torch's global generator (torch.randperm) rather than a generator "
                          "of your own, and do not seed it from the clock")


@pytest.mark.parametrize("n", [300, 5])
def test_predict_shape_and_dtype(student, device, n):
    X, y = _corners()
    model, _ = _train(student, X, y, device)
    X_new = _corners(per_class=75, seed=2, shuffled=True)[0][:n]
    _classes(student.predict(model, X_new, device), n, f"predict on {n} images (default batch_size=256)")


def test_predict_batch_size(student, device):
    X, y = _corners()
    model, _ = _train(student, X, y, device)
    X_new = _corners(seed=3, shuffled=True)[0][:100]
    whole = _classes(student.predict(model, X_new, device), 100, "predict on 100 images")
    small = _classes(student.predict(model, X_new, device, batch_size=7), 100,
                     "predict on 100 images with batch_size=7")
    if not np.array_equal(whole, small):
        raise CheckFailed("predict on the same 100 images gave other classes with batch_size=7 than with "
                          "the default batch_size: every row must be predicted once, in order, whatever the "
                          "chunks (the last chunk may be smaller)")


@weight(2)
def test_predict_in_evaluation_mode(student, device):
    """Copies of an image get one class: no dropout noise, no batch statistics at prediction."""
    X, y = _corners(seed=4, shuffled=True)
    model = student.build_model(1, 8, C)
    # lr = 0: Adam leaves every weight as it was, so the network stays untrained and its logits close
    # together (dropout noise then changes the argmax); the call only puts the model on device, for a
    # predict that expects train to have moved it.
    student.train(model, X, y, device, 1, 64, 0.0)
    # Rows are copies of 4 images: the first chunk of 100 holds image 0 only (batch statistics of one
    # image), the other 156 rows mix the four in a random order.
    mixed = torch.randperm(156, generator=torch.Generator().manual_seed(5)) % 4
    image = torch.cat([torch.zeros(100, dtype=torch.int64), mixed])           # (256,)
    pred = _classes(student.predict(model, X[:4][image], device, batch_size=100), 256, "predict on 256 images")
    image = image.numpy()
    if any(len(set(pred[image == i].tolist())) > 1 for i in range(4)):
        training = student.torch_info(model).get("training")
        hint = " (your model is still in training mode after predict: call model.eval())" if training else ""
        raise CheckFailed("predict gave different classes to identical copies of an image: predict must run the "
                          f"model in evaluation mode, where dropout and batch norm are deterministic{hint}")
