"""What every seqvi figure shares: human names, a y-range that shows the useful part of learning
curves, baselines drawn as labelled lines, and a JSON sidecar that describes the figure.

The description (describe(), stored by seqvi_tools.save in the PNG's text chunk "seqvi-figure") lets
tests and other tools check a figure without looking at pixels: per panel its title, axis labels, y-limits and scale, the labels
of its lines (curves and baselines), whether it shows an image and whether that image has a colorbar.
"""

import math

DATASET_NAMES = {"jsb": "JSB Chorales", "nottingham": "Nottingham", "piano-midi": "Piano-midi.de",
                 "pianomidi": "Piano-midi.de", "piano": "Piano-midi.de", "musedata": "MuseData",
                 "muse": "MuseData"}
MODEL_NAMES = {"vosp": "VOSP", "vrae": "VRAE", "fdrnn": "FD-RNN", "rnn": "RNN"}
PARAMETER_NAMES = {
    "step_rate": "step rate", "momentum": "momentum", "decay": "rmsprop decay", "hidden": "hidden units",
    "latent": "latent dims", "batch_size": "batch size", "chunk_frames": "chunk length (frames)",
    "keep_inputs": "keep rate of the inputs", "keep_hidden": "keep rate of the hidden units",
    "learn_keep": "learned keep rates", "kl_warmup": "KL warm-up (epochs)", "model": "model",
    "prior": "prior", "posterior": "posterior", "kl": "KL", "incoming": "incoming connections",
    "sigma_in": "input weight scale", "sigma_rec": "recurrent weight scale", "rho": "spectral radius",
}


def dataset_name(short):
    """ "jsb" -> "JSB Chorales"; unknown names unchanged."""
    return DATASET_NAMES.get(str(short).lower(), str(short))


def model_name(short):
    """ "fdrnn" -> "FD-RNN"; unknown names unchanged."""
    return MODEL_NAMES.get(str(short).lower(), str(short))


def parameter_name(name):
    """A hyper-parameter as a reader says it: "step_rate" -> "step rate"."""
    return PARAMETER_NAMES.get(name, str(name).replace("_", " "))


def clipped_epochs(length):
    """How many first epochs the y-range ignores: the first tenth of the run, at least 1, none for
    runs of 3 epochs or fewer (the early epochs are far above the rest and would flatten it)."""
    return 0 if length <= 3 else max(1, int(math.ceil(0.1 * length)))


def useful_ylim(curves, baselines=()):
    """The y-limits of learning curves: everything after the clipped first epochs of each curve, and
    every baseline, with a 5% margin. Returns (lo, hi, clipped) or None if there is nothing finite."""
    values, clipped = [], 0
    for curve in curves:
        curve = [float(v) for v in curve]
        k = clipped_epochs(len(curve))
        clipped = max(clipped, k)
        values += [v for v in curve[k:] if math.isfinite(v)]
    values += [float(b) for b in baselines if b is not None and math.isfinite(float(b))]
    if not values:
        return None
    lo, hi = min(values), max(values)
    pad = 0.05 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1.0)
    return lo - pad, hi + pad, clipped


def draw_baselines(ax, baselines):
    """Horizontal labelled lines: `baselines` is a list of (label, value); None values are skipped."""
    styles = [("black", ":"), ("dimgray", "-."), ("gray", "--")]
    for i, (label, value) in enumerate(b for b in baselines if b[1] is not None):
        color, style = styles[i % len(styles)]
        ax.axhline(value, color=color, linestyle=style, linewidth=1.2, label="%s: %.3f" % (label, value))


def describe(fig):
    """The figure as a JSON-able dict: its suptitle and one entry per panel (colorbars are not panels)."""
    panels = []
    colorbar_axes = set()
    for ax in fig.axes:
        for image in ax.images:
            if getattr(image, "colorbar", None) is not None:
                colorbar_axes.add(id(image.colorbar.ax))
    for ax in fig.axes:
        if id(ax) in colorbar_axes or not ax.get_visible():
            continue
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
        panels.append({
            "title": title,
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "ylim": [float(v) for v in ax.get_ylim()],
            "yscale": ax.get_yscale(),
            "lines": [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")],
            "image": bool(ax.images),
            "colorbar": any(getattr(image, "colorbar", None) is not None for image in ax.images),
        })
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    return {"suptitle": suptitle, "panels": panels}
