"""Reading seqvi's HDF5 files for the analysis scripts (the one module that opens them).

Formats: trial checkpoints (docs/checkpoint-format.md) and roll files (seqvi denoise/impute/sample
--rolls; include/seqvi/store/roll_file.hpp). Also the check for the Debian packages the scripts need.
"""

import sys

DEBIAN_PACKAGES = "python3-h5py python3-numpy python3-matplotlib"


def require_packages(program):
    """Imports h5py, numpy and matplotlib (Agg backend) or exits with one clear message.

    Args:
        program: the script's name, for the message.

    Returns:
        The modules (h5py, numpy, matplotlib.pyplot).
    """
    missing = []
    for name in ("h5py", "numpy", "matplotlib"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        sys.stderr.write(
            "%s: needs the Debian packages %s (missing Python modules: %s) for %s.\n"
            "  install them with: sudo apt-get install %s   (or run launch/setup)\n"
            % (program, DEBIAN_PACKAGES, ", ".join(missing), sys.executable, DEBIAN_PACKAGES))
        sys.exit(1)
    import h5py
    import numpy
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    return h5py, numpy, pyplot


def read_curve(path):
    """The learning curve of a trial checkpoint.

    Args:
        path: the checkpoint (HDF5).

    Returns:
        A dict of numpy arrays: epoch, train_bound, valid_bound, valid_kl, valid_recon, wall_s,
        frames_per_s (one entry per completed epoch; empty arrays if none).

    Raises:
        OSError: if the file cannot be opened; KeyError if it has no /curve.
    """
    import h5py
    with h5py.File(path, "r") as f:
        return {name: f["curve"][name][()] for name in f["curve"]}


def check_owner(path, trial):
    """Refuses a sweep trial's checkpoint that belongs to another trial.

    Sweep checkpoints record their trial's id in the root attribute `trial` (docs/checkpoint-format.md);
    checkpoints written before it existed, or by `seqvi train`, record none and are accepted.

    Args:
        path: the checkpoint (HDF5).
        trial: the id of the trial it was selected for ("jsb-vosp-0007").

    Raises:
        ValueError: naming both trials, if the file records another trial's id.
        OSError: if the file cannot be opened.
    """
    import h5py
    with h5py.File(path, "r") as f:
        owner = f.attrs.get("trial")
    if isinstance(owner, bytes):
        owner = owner.decode()
    if owner is not None and owner != trial:
        raise ValueError("checkpoint %s belongs to trial %s, not to trial %s" % (path, owner, trial))


def bernoulli_baseline(path, split="valid"):
    """The independent-Bernoulli baseline of the dataset file `path` on `split`, nats per frame:
    per-key on-rates from the training split with add-one smoothing, as seqvi computes it
    (train/bernoulli_baseline.cpp). None for an empty split."""
    import h5py
    import numpy
    with h5py.File(path, "r") as f:
        train = numpy.asarray(f["train/rolls"][...], dtype=numpy.float64)
        rolls = numpy.asarray(f[split + "/rolls"][...], dtype=numpy.float64)
    if len(rolls) == 0:
        return None
    p = (train.sum(axis=0) + 1.0) / (train.shape[0] + 2.0)
    nll = -(rolls @ numpy.log(p) + (1.0 - rolls) @ numpy.log1p(-p)).sum()
    return float(nll / rolls.shape[0])


def read_rolls(path):
    """A roll file: its attributes and records.

    Args:
        path: the roll file (HDF5, format "seqvi-rolls").

    Returns:
        (attrs, records): attrs a dict of the root attributes (kind, checkpoint, scores, ...);
        records a dict name -> (numbers, rolls), rolls a list of (name, T x 88 numpy array) in
        writing order.

    Raises:
        ValueError: if the file is not a seqvi roll file.
    """
    import h5py
    with h5py.File(path, "r") as f:
        attrs = {k: _plain(v) for k, v in f.attrs.items()}
        if attrs.get("format") != "seqvi-rolls":
            raise ValueError("%s is not a seqvi roll file (format %r)" % (path, attrs.get("format")))
        records = {}
        for name, group in f.items():
            order = _creation_order(group)
            rolls = [(r, group[r][()]) for r in order]
            records[name] = ({k: _plain(v) for k, v in group.attrs.items()}, rolls)
        return attrs, records


def _creation_order(group):
    """Member names of an h5py group in creation order when tracked, else by name."""
    import h5py
    try:
        names = []
        group.id.links.iterate(lambda n: names.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER)
        return names
    except Exception:  # the group does not track creation order
        return list(group.keys())


def _plain(value):
    """HDF5 attribute values as plain Python values (bytes -> str, numpy scalars -> numbers)."""
    if isinstance(value, bytes):
        return value.decode()
    if hasattr(value, "item"):
        return value.item()
    return value
