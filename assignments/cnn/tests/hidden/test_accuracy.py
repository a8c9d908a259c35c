"""The graded task: accuracy on held-out digits within the time budget.

The grader builds the model with the student's build_model, trains it with
the student's train (one call, limited to ``settings.<device>.budget_s``
seconds of wall-clock time; past it the call is stopped and the test scores
nothing), and scores the student's predict on the held-out images. Only the
held-out IMAGES go to the student's process; the labels stay here and the
accuracy is computed here.

Thresholds (assignment.yaml, thresholds.digits_accuracy), measured with one
CPU thread, the cpu settings (15 epochs, batch 32, lr 0.003, all 1437
training images) and the 360 held-out images:
- the reference network and loop, seeded as the grader seeds it (torch,
  numpy and random reseeded with s before every call), for s = 0..9: 0.978,
  0.975, 0.983, 0.981, 0.981, 0.983, 0.986, 0.983, 0.983, 0.978 (min 0.975,
  mean 0.981; the grader uses s = 0);
- the reference seeded once with s before building and training: 0.969 to
  0.992 over s = 0..9, on one or two threads;
- the five correct variants of tests/catalogue/cnn/correct, s = 0..4:
  0.953-0.972 (adaptive pooling), 0.992-0.994 (batch norm), 0.969-0.978
  (LeNet-5 with a DataLoader), 0.975-0.986 (strided convolutions),
  0.972-0.981 (one wide stage).
target = 0.90 leaves 0.05 (19 images) below the worst of all of these;
floor = 0.30 is three times chance (0.10), so a network that barely learns
earns nothing.

On a GPU runner the test also requires that training really ran there: the
model's parameters on cuda and CUDA memory allocated in the student's
process.

The data set is the device's (``config.dataset(device)``): the digits
unless the device's settings name another file (``settings.<device>.dataset``,
for example ``large.npz`` for ``cuda``, made by data/make_large.py), with
the threshold its settings name (``settings.<device>.threshold``,
``digits_accuracy`` by default). The channels, image size and number of
classes come from the file.
"""
import time

import numpy as np
import torch

from autograder.testing import CheckFailed, PartialCredit, threshold_credit, weight

THRESHOLD = "digits_accuracy"  # unless the device's settings name another (settings.<device>.threshold)


def _load(data, dataset):
    """X_train, y_train, X_test, y_test: from ``dataset`` (a path), or the digits when it is None."""
    if dataset is not None:
        with np.load(dataset, allow_pickle=False) as f:
            arrays = {k: f[k] for k in ("X_train", "y_train", "X_test", "y_test")}
    else:
        arrays = {}
        for name in ("digits_train.npz", "digits_heldout.npz"):
            with np.load(data / name, allow_pickle=False) as f:
                arrays.update({k: f[k] for k in f.files})
    return (torch.from_numpy(arrays["X_train"].astype(np.float32)), torch.from_numpy(arrays["y_train"].astype(np.int64)),
            torch.from_numpy(arrays["X_test"].astype(np.float32)), arrays["y_test"].astype(np.int64))


@weight(3)
def test_heldout_accuracy(student, data, config, device):
    settings = config.settings(device)
    dataset = config.dataset(device)
    X, y, X_test, y_test = _load(data, dataset)
    channels, side, classes = X.shape[1], X.shape[2], int(max(y.max().item(), y_test.max())) + 1
    model = student.build_model(channels, side, classes)
    started = time.monotonic()
    student.with_timeout(settings["budget_s"]).train(model, X, y, device, settings["epochs"],
                                                     settings["batch_size"], settings["lr"])
    seconds = time.monotonic() - started
    if device == "cuda":
        info = student.torch_info(model)
        if info.get("param_devices") != ["cuda"] or not info.get("cuda_max_memory_allocated"):
            raise CheckFailed(f"this part runs on a GPU, but after train(..., device='cuda', ...) the model's "
                              f"parameters are on {info.get('param_devices')} and "
                              f"{info.get('cuda_max_memory_allocated', 0)} bytes of GPU memory were used: move "
                              "the model and every mini-batch to device")
    pred = student.predict(model, X_test, device)
    pred = np.asarray(pred.numpy() if isinstance(pred, torch.Tensor) else pred)
    if pred.shape != y_test.shape:
        raise CheckFailed(f"predict on the {len(y_test)} held-out images returned shape {pred.shape}, expected "
                          f"({len(y_test)},)")
    accuracy = float(np.mean(pred == y_test))
    threshold = config.threshold(settings.get("threshold", THRESHOLD))
    floor, target = threshold.floor, threshold.target
    credit = threshold_credit(accuracy, floor, target)
    if credit < 1.0:
        images = "digits" if dataset is None else f"images of {dataset.name}"
        raise PartialCredit(credit, f"held-out accuracy {accuracy:.3f} on {len(y_test)} {images} after "
                                    f"{seconds:.1f} s of training on {device} ({len(y)} images, "
                                    f"{settings['epochs']} epochs, batch size {settings['batch_size']}, "
                                    f"lr {settings['lr']:g}): full credit from {target:g}, none at or below "
                                    f"{floor:g}. Check the tests of train and predict first")
