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

How the student's functions use the model is seen from the grader's side
with ``student.torch_watch`` (a forward hook that the grader's code puts on
the student's model, autograder/sandbox/probes.py): for every ``model(x)``
call, the model's mode, whether its output is part of an autograd graph,
the device and number of rows of x, and for the loss bookkeeping the input
and output themselves. A call the hook cannot see (``model.forward(x)``)
is not judged: those tests then pass, and the behaviour checks above remain.
- epoch loss bookkeeping: from the logits of each mini-batch of train (its
  graph-building calls) and the labels of its rows (found by matching the
  rows to X), the grader computes each batch's cross-entropy and each
  epoch's mean of them, and compares the returned list with relative
  tolerance 1e-4 and absolute 1e-6 (1e-3 and 1e-4 on cuda). Measured on
  the CPU: the reference and the five correct variants of the catalogue
  agree to 1e-7 relative; every mistake below is off by 5 % or more in
  the first or second epoch. 256 rows in batches of 16, so the mean over batches
  equals the mean over images, and a loop that weights batches by their
  size passes too. Caught: a sum, a division by the number of images, the
  last batch's loss only, a total or a count not reset between epochs.
- train in training mode: the model arrives in evaluation mode (the grader
  runs it once in that mode, as predict leaves it); at least one call of
  train that builds a graph must run in training mode (model.train()).
- predict without gradient tracking: no call of predict may build a graph
  (torch.no_grad() or torch.inference_mode()).
- predict in evaluation mode: no call of predict may run in training mode;
  and, for a forward pass the hook cannot see, copies of an image must get
  one class (below).

Mistakes that only a GPU runner catches (device == "cuda"): the model, the
mini-batches or the labels not moved to device in train or predict, or
predict's classes not brought back to the CPU before .numpy(). They are in
tests/catalogue/cnn/gpu_wrong/, outside the CPU-only catalogue test.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

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


def _on_device(student, model, device, what, calls=()):
    info = student.torch_info(model)
    if info.get("param_devices") != [device]:
        raise CheckFailed(f"after {what} the model's parameters are on {info.get('param_devices')}, expected "
                          f"['{device}']: move the model with model.to(device)")
    if device == "cuda" and not info.get("cuda_max_memory_allocated"):
        raise CheckFailed(f"{what} ran with device 'cuda' but no GPU memory was ever allocated")
    elsewhere = sorted({c["device"] for c in calls} - {device})
    if elsewhere:
        raise CheckFailed(f"{what} gave the model input on {', '.join(elsewhere)} with device '{device}': move "
                          "every mini-batch with xb.to(device)")


def _watched(calls) -> list[dict]:
    """The records of student.torch_watch that have the expected form (they come from the student's process)."""
    if not isinstance(calls, list):
        return []
    return [c for c in calls if isinstance(c, dict) and isinstance(c.get("training"), bool)
            and isinstance(c.get("grad"), bool) and isinstance(c.get("device"), str) and type(c.get("rows")) is int]


def _replayed(calls, X, y, epochs):
    """Each epoch's mean of its batch losses and its last batch's loss, from train's graph-building calls.

    The labels of a call's rows are found by matching them to X; None when the calls cannot be read so
    (a loop that changes the images, calls the model a second time per batch, or skips rows).
    """
    label = {X[i].numpy().tobytes(): int(y[i]) for i in range(len(X))}
    means, lasts, batch, seen = [], [], [], 0
    for c in (c for c in calls if c["grad"]):
        x, out = c.get("input"), c.get("output")
        if not (isinstance(x, torch.Tensor) and isinstance(out, torch.Tensor) and x.dtype == X.dtype
                and x.shape[1:] == X.shape[1:] and out.dim() == 2 and out.shape[0] == x.shape[0] == c["rows"]):
            return None
        rows = [label.get(r.numpy().tobytes()) for r in x]
        if None in rows or not out.is_floating_point():
            return None
        batch.append(F.cross_entropy(out.float(), torch.tensor(rows)).item())
        seen += len(rows)
        if seen == len(X):
            means.append(float(np.mean(batch)))
            lasts.append(batch[-1])
            batch, seen = [], 0
        elif seen > len(X):
            return None
    if len(means) != epochs or batch:
        return None
    return np.array(means), np.array(lasts)


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


@weight(1.5)
def test_epoch_loss_is_the_mean_of_its_batch_losses(student, device):
    X, y = _corners(shuffled=True)
    model = student.build_model(1, 8, C)
    student.torch_watch(model, values=True)
    what = f"train(model, X, y, device, epochs={EPOCHS}, batch_size={BATCH}, lr={LR}) on 256 images"
    value = student.train(model, X, y, device, EPOCHS, BATCH, LR)
    calls = _watched(student.torch_watch(model))
    batches = len(y) // BATCH
    losses = _losses(value, EPOCHS, batches, what)
    _on_device(student, model, device, "train", calls)
    replayed = _replayed(calls, X, y, EPOCHS)
    if replayed is None:
        return  # the hook could not follow the loop: the other tests judge it
    means, lasts = replayed
    # The same logits give the same cross-entropy up to float32 rounding; on a GPU the reduction order differs,
    # which matters relatively for the tiny losses of a last epoch (1e-5), hence the absolute part there.
    rtol, atol = (1e-3, 1e-4) if device == "cuda" else (1e-4, 1e-6)
    if np.allclose(losses, means, rtol=rtol, atol=atol):
        return
    known = [
        (means * batches, "the SUM of the epoch's batch losses: divide it by the number of mini-batches"),
        (means / BATCH, "divided by the number of images: each batch loss is already the mean over its images, so "
                        "divide the sum of the batch losses by the number of mini-batches"),
        (lasts, "the loss of the epoch's LAST mini-batch only: add up loss.item() of every mini-batch"),
        (np.cumsum(means) / np.arange(1, EPOCHS + 1), "a mean over all the epochs so far: set the sum and the count "
                                                      "to zero at the start of EACH epoch"),
        (np.cumsum(means), "a sum of the epoch means so far: set the sum to zero at the start of EACH epoch"),
    ]
    hint = next((h for v, h in known if np.allclose(losses, v, rtol=rtol, atol=atol)), None)
    raise CheckFailed(f"{what} returned {', '.join(f'{v:.4f}' for v in losses)}: not, for each epoch, the mean "
                      "over its mini-batches of the batch loss (the grader recomputed each batch's cross-entropy "
                      "from your model's outputs)", hint=hint)


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


def test_train_puts_the_model_in_training_mode(student, device):
    """The model may arrive in evaluation mode (after predict): train must switch it back (dropout, batch norm)."""
    X, y = _corners(shuffled=True)
    model = student.build_model(1, 8, C)
    student.torch_forward(model, X[:4])  # the grader's forward pass in evaluation mode leaves the model so
    student.torch_watch(model)
    student.train(model, X, y, device, 1, BATCH, LR)
    steps = [c for c in _watched(student.torch_watch(model)) if c["grad"]]
    if steps and not any(c["training"] for c in steps):
        raise CheckFailed("the model came to train in evaluation mode (as predict leaves it) and every forward "
                          "pass of train ran in evaluation mode, so dropout and batch norm did not train: call "
                          "model.train() at the start of train")


def test_predict_tracks_no_gradients(student, device):
    X, y = _corners(shuffled=True)
    model = student.build_model(1, 8, C)
    student.train(model, X, y, device, 1, 64, 0.0)  # lr = 0: only puts the model on device
    student.torch_watch(model)
    _classes(student.predict(model, X[:100], device), 100, "predict on 100 images")
    calls = _watched(student.torch_watch(model))
    if any(c["grad"] for c in calls):
        raise CheckFailed("predict ran the model with gradient tracking on, so every call built an autograd graph "
                          "(memory and time for nothing): run the forward passes of predict inside "
                          "`with torch.no_grad():`")
    _on_device(student, model, device, "predict", calls)


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
    """No forward pass of predict in training mode, and copies of an image get one class (for a forward pass
    the watch cannot see): no dropout noise, no batch statistics at prediction."""
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
    student.torch_watch(model)
    pred = _classes(student.predict(model, X[:4][image], device, batch_size=100), 256, "predict on 256 images")
    if any(c["training"] for c in _watched(student.torch_watch(model))):
        raise CheckFailed("predict ran the model in training mode, where dropout drops random units and batch norm "
                          "uses the statistics of the batch: call model.eval() (with the parentheses) before the "
                          "forward passes")
    image = image.numpy()
    if any(len(set(pred[image == i].tolist())) > 1 for i in range(4)):
        training = student.torch_info(model).get("training")
        hint = " (your model is still in training mode after predict: call model.eval())" if training else ""
        raise CheckFailed("predict gave different classes to identical copies of an image: predict must run the "
                          f"model in evaluation mode, where dropout and batch norm are deterministic{hint}")
