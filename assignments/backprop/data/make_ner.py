"""Synthetic named-entity data for the window classifier of `backprop`.

Provenance: every sentence, label and embedding in ``ner_train.npz`` and
``ner_heldout.npz`` is made up by this script from a fixed seed; no corpus
or pretrained vectors are involved, so the files carry no licence terms.

Regenerate (the output is a pure function of the constants below; with the
same numpy release the files come out byte for byte the same, checked with
numpy 2.4.6):

    python3 assignments/backprop/data/make_ner.py

The sentences come from about thirty templates ("mr <PER> said ...",
"shares of <ORG> fell", "<PER> flew to <LOC>") whose slots are filled with
person, place and organisation names of one or two tokens. Labels: O=0,
PER=1, LOC=2, ORG=3. The window matters:

- some tokens are ambiguous: "jordan", "washington", "georgia", "paris" are
  a person or a place, "amazon" a place or a company, "ford" a person or a
  company, "apple" and "turkey" a company or place in one sentence and an
  ordinary word (label O) in "<PER> ate an apple";
- context words are shared between classes ("from", "at", "for", "with");
- a few names ("rahman", "boise", "zenith", ...) occur only in held-out
  sentences, so only their context tells their class;
- no held-out sentence is a copy of a training sentence.

Embeddings ``E`` have shape (V, 12): row ``pad_id`` (= 0, "<pad>") is all
zeros, the others are drawn from N(0, 0.5**2) and carry no meaning; the
network must learn from the token identities and their windows.

Files (numpy ``.npz``, compressed, readable with ``allow_pickle=False``):

- ``ner_train.npz``: ``E`` (V, d) float64, ``vocab`` (V,) str,
  ``train_tokens`` (T,) int64 (all sentences concatenated),
  ``train_offsets`` (n + 1,) int64 (sentence i is
  ``tokens[offsets[i]:offsets[i + 1]]``), ``train_labels`` (T,) int64,
  ``pad_id`` 0-d int64, ``label_names`` (4,) str.
- ``ner_heldout.npz``: ``heldout_tokens``, ``heldout_offsets``,
  ``heldout_labels``, same layout. Held-out labels are for the grader's
  trusted side only: ship ``ner_train.npz`` to students, never this file.

Reference training recipe (``RECIPE`` below; ``train_and_score`` runs it
with any implementation of ``window_features``, ``mlp_loss_and_grads`` and
``mlp_forward``, the student's included):

- features: ``window_features(E, s, k=2, pad_id)`` for each sentence ``s``,
  rows stacked in sentence order; D = 5 * 12 = 60;
- network: H = 32, activation "relu", reg = 1e-4, C = 4;
- init, with ``rng = np.random.default_rng(seed)``, drawn in this order:
  ``W1 = 0.1 * rng.standard_normal((D, H))``, ``b1 = zeros(H)``,
  ``W2 = 0.1 * rng.standard_normal((H, C))``, ``b2 = zeros(C)``;
- plain mini-batch SGD, 800 steps, batch 64, learning rate 0.5: each step
  draws ``idx = rng.integers(0, N, size=64)`` from the same ``rng`` and does
  ``p -= 0.5 * grads[name]`` for each parameter;
- score: token accuracy of ``argmax(mlp_forward(X_heldout, params, "relu"))``
  over all held-out tokens.

Measured with the reference solution (numpy 2.x, one CPU core): majority
class (O) 0.576 of held-out tokens (0.588 of training tokens); held-out
accuracy 0.942, 0.943, 0.943, 0.946, 0.949 for seeds 0-4 and between 0.942
and 0.957 over seeds 0-19 (about 0.1 s per run, features included). Most
errors are rare names read as O, held-out-only names and ambiguous tokens.
"""
from __future__ import annotations

import os
import sys

import numpy as np

SEED = 20240917
EMBED_DIM = 12
EMBED_SCALE = 0.5
N_TRAIN = 600
N_HELDOUT = 300

LABEL_NAMES = ("O", "PER", "LOC", "ORG")
O, PER, LOC, ORG = 0, 1, 2, 3
PAD = "<pad>"

# Words that only ever carry the label O.
CONTEXT_WORDS = (
    "mr", "mrs", "dr", "professor", "said", "says", "told", "reporters", "in",
    "at", "to", "from", "for", "with", "of", "near", "the", "a", "an", "and",
    "visited", "flew", "lives", "moved", "born", "works", "joined", "left",
    "met", "shares", "rose", "fell", "inc", "corp", "ltd", "announced",
    "profits", "chief", "executive", "spokesman", "team", "office", "city",
    "north", "south", "yesterday", "today", "on", "monday", "friday", "she",
    "he", "ate", "bought", "sold", "ordered", "roast", "fresh", "dinner",
    "weather", "was", "cold", "warm", "it", "rained", "meeting", "ended",
    "late", "early", "again", "letter", "signed", "by", "deal", "between",
    "hired", "trip", "week", "last", "next",
)

FIRST_NAMES = ("anna", "john", "maria", "li", "omar", "sofia", "peter", "amara")
SURNAMES = ("smith", "garcia", "chen", "okafor", "ivanova", "rossi", "tanaka",
            "muller", "kowalski", "haddad", "silva", "nguyen", "brown", "patel")
PLACES = ("lagos", "lima", "oslo", "kyoto", "cairo", "quito", "perth", "dakar",
          "hanoi", "porto", "tunis", "riga", "accra", "bergen")
ORGS = ("acme", "globex", "initech", "hooli", "vandelay", "umbrella", "stark",
        "wayne", "cyberdyne", "soylent", "tyrell")
ORG_SUFFIXES = ("bank", "group", "airlines", "motors")
PLACE_PREFIXES = ("new", "port", "san")

# Names that never appear in training sentences: only their window can
# tell their class.
HELDOUT_ONLY = {PER: ("rahman", "dubois"), LOC: ("boise", "tromso"), ORG: ("zenith", "omnicorp")}

# Tokens whose class depends on the sentence.
AMBIGUOUS = {
    PER: ("jordan", "washington", "georgia", "paris", "ford"),
    LOC: ("jordan", "washington", "georgia", "paris", "amazon", "turkey"),
    ORG: ("amazon", "ford", "apple"),
}
FOODS = ("apple", "turkey", "dinner", "roast")  # the "<PER> ate an apple" slot: label O

# Templates: a word is a literal with label O; "PER", "LOC", "ORG" are name
# slots; "FOOD" is an O slot that may hold an ambiguous token.
TEMPLATES = (
    "mr PER said",
    "mrs PER told reporters in LOC",
    "dr PER met PER at ORG",
    "professor PER flew to LOC on monday",
    "PER visited LOC yesterday",
    "PER visited ORG today",
    "PER lives in LOC",
    "PER moved from LOC to LOC",
    "PER was born in LOC",
    "PER works for ORG",
    "PER joined ORG last week",
    "PER left ORG",
    "a letter from PER",
    "a letter from ORG",
    "PER flew from LOC",
    "shares of ORG rose",
    "shares of ORG fell today",
    "ORG inc announced profits",
    "ORG corp hired PER",
    "the chief executive of ORG said",
    "a spokesman for ORG met PER",
    "ORG signed a deal with ORG",
    "the deal between ORG and PER ended",
    "the team met at LOC",
    "the office of ORG in LOC",
    "it rained in LOC on friday",
    "the weather in LOC was cold",
    "PER met PER in LOC",
    "PER ate an FOOD",
    "PER bought a fresh FOOD in LOC",
    "PER ordered roast FOOD at ORG",
    "she sold PER a FOOD",
    "he met PER at LOC",
)

P_AMBIGUOUS = 0.2


def build_vocab() -> list[str]:
    """Index 0 is the pad token; every other word appears once."""
    words = [PAD]
    groups = (CONTEXT_WORDS, FIRST_NAMES, SURNAMES, PLACES, PLACE_PREFIXES, ORGS, ORG_SUFFIXES,
              *HELDOUT_ONLY.values(), *AMBIGUOUS.values(), FOODS)
    for group in groups:
        for word in group:
            if word not in words:
                words.append(word)
    return words


def _pick(rng: np.random.Generator, options) -> str:
    return options[int(rng.integers(len(options)))]


def _fill(rng: np.random.Generator, slot: str, heldout: bool) -> list[tuple[str, int]]:
    """Tokens and labels for one slot of a template."""
    if slot == "FOOD":
        return [(_pick(rng, FOODS), O)]
    label = {"PER": PER, "LOC": LOC, "ORG": ORG}[slot]
    if heldout and rng.random() < 0.1:
        return [(_pick(rng, HELDOUT_ONLY[label]), label)]
    if rng.random() < P_AMBIGUOUS:
        return [(_pick(rng, AMBIGUOUS[label]), label)]
    if label == PER:
        words = [_pick(rng, SURNAMES)]
        if rng.random() < 0.4:
            words.insert(0, _pick(rng, FIRST_NAMES))
    elif label == LOC:
        words = [_pick(rng, PLACES)]
        if rng.random() < 0.25:
            words.insert(0, _pick(rng, PLACE_PREFIXES))
    else:
        words = [_pick(rng, ORGS)]
        if rng.random() < 0.35:
            words.append(_pick(rng, ORG_SUFFIXES))
    return [(w, label) for w in words]


def _sentence(rng: np.random.Generator, heldout: bool) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for item in _pick(rng, TEMPLATES).split():
        if item in ("PER", "LOC", "ORG", "FOOD"):
            out.extend(_fill(rng, item, heldout))
        else:
            out.append((item, O))
    return out


def _pack(sentences, index: dict[str, int]):
    tokens = np.array([index[w] for s in sentences for w, _ in s], dtype=np.int64)
    labels = np.array([lab for s in sentences for _, lab in s], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])]).astype(np.int64)
    return tokens, offsets, labels


def generate(seed: int = SEED) -> tuple[dict, dict]:
    """The two files' contents as dicts of arrays; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    vocab = build_vocab()
    index = {w: i for i, w in enumerate(vocab)}
    E = EMBED_SCALE * rng.standard_normal((len(vocab), EMBED_DIM))
    E[index[PAD]] = 0.0
    train = [_sentence(rng, heldout=False) for _ in range(N_TRAIN)]
    seen = {tuple(s) for s in train}
    heldout: list[list[tuple[str, int]]] = []
    while len(heldout) < N_HELDOUT:
        s = _sentence(rng, heldout=True)
        if tuple(s) not in seen:
            heldout.append(s)
    tr_tok, tr_off, tr_lab = _pack(train, index)
    ho_tok, ho_off, ho_lab = _pack(heldout, index)
    train_arrays = {
        "E": E,
        "vocab": np.array(vocab, dtype=str),
        "train_tokens": tr_tok,
        "train_offsets": tr_off,
        "train_labels": tr_lab,
        "pad_id": np.int64(index[PAD]),
        "label_names": np.array(LABEL_NAMES, dtype=str),
    }
    heldout_arrays = {"heldout_tokens": ho_tok, "heldout_offsets": ho_off, "heldout_labels": ho_lab}
    return train_arrays, heldout_arrays


RECIPE = {"k": 2, "hidden": 32, "activation": "relu", "reg": 1e-4, "init_scale": 0.1,
          "steps": 800, "batch": 64, "lr": 0.5}


def load(data_dir) -> dict:
    """Read both files of ``data_dir`` into one dict of arrays (no pickle).

    ``pad_id`` comes back as a Python int; the held-out keys are present only
    when ``ner_heldout.npz`` exists.
    """
    out: dict = {}
    for name in ("ner_train.npz", "ner_heldout.npz"):
        path = os.path.join(os.fspath(data_dir), name)
        if name == "ner_heldout.npz" and not os.path.exists(path):
            continue
        with np.load(path, allow_pickle=False) as data:
            out.update({key: data[key] for key in data.files})
    out["pad_id"] = int(out["pad_id"])
    return out


def sentences(tokens, offsets) -> list[np.ndarray]:
    """Split concatenated ``tokens`` into one array per sentence."""
    tokens = np.asarray(tokens)
    offsets = np.asarray(offsets)
    return [tokens[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


def train_and_score(data: dict, seed: int, window_features, mlp_loss_and_grads, mlp_forward,
                    recipe: dict = RECIPE) -> float:
    """Held-out token accuracy after training with ``recipe`` from ``seed``.

    ``data`` is what ``load`` returns (held-out keys included); the three
    callables have the assignment's signatures.
    """
    E, pad_id, k = data["E"], data["pad_id"], recipe["k"]

    def features(tokens, offsets):
        rows = [np.asarray(window_features(E, s, k, pad_id), dtype=np.float64)
                for s in sentences(tokens, offsets)]
        return np.concatenate(rows, axis=0)                               # (T, (2k+1) d)

    X = features(data["train_tokens"], data["train_offsets"])
    y = data["train_labels"]
    X_held = features(data["heldout_tokens"], data["heldout_offsets"])
    rng = np.random.default_rng(seed)
    D, H, C = X.shape[1], recipe["hidden"], len(LABEL_NAMES)
    scale = recipe["init_scale"]
    params = {"W1": scale * rng.standard_normal((D, H)), "b1": np.zeros(H),
              "W2": scale * rng.standard_normal((H, C)), "b2": np.zeros(C)}
    for _ in range(recipe["steps"]):
        idx = rng.integers(0, X.shape[0], size=recipe["batch"])
        _, grads = mlp_loss_and_grads(X[idx], y[idx], params, recipe["activation"], recipe["reg"])
        for name in params:
            params[name] = params[name] - recipe["lr"] * np.asarray(grads[name], dtype=np.float64)
    scores = np.asarray(mlp_forward(X_held, params, recipe["activation"]))  # (T_held, C)
    return float(np.mean(np.argmax(scores, axis=1) == data["heldout_labels"]))


def main(argv: list[str] | None = None) -> int:
    out_dir = os.path.dirname(os.path.abspath(__file__))
    train_arrays, heldout_arrays = generate()
    np.savez_compressed(os.path.join(out_dir, "ner_train.npz"), **train_arrays)
    np.savez_compressed(os.path.join(out_dir, "ner_heldout.npz"), **heldout_arrays)
    for name, arrays, key in (("train", train_arrays, "train_labels"), ("heldout", heldout_arrays, "heldout_labels")):
        labels = arrays[key]
        counts = np.bincount(labels, minlength=len(LABEL_NAMES))
        print(f"{name}: {len(arrays[key.replace('labels', 'offsets')]) - 1} sentences, {labels.size} tokens, "
              f"label counts {dict(zip(LABEL_NAMES, counts.tolist()))}, majority {counts.max() / labels.size:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
