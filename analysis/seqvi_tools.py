"""Helpers the analysis scripts share: finding seqvi, writing files atomically, reading JSON Lines logs."""

import json
import os
import shutil
import tempfile


def find_seqvi(given):
    """The seqvi executable: given, $SEQVI_BINARY, ../build/seqvi beside analysis/, or on PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (given, os.environ.get("SEQVI_BINARY"), os.path.join(here, "..", "build", "seqvi")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("seqvi")
    if found:
        return found
    raise ValueError("cannot find the seqvi executable: pass --seqvi PATH or set SEQVI_BINARY")


def file_mode():
    """The mode a new file gets from open(): 0666 without the umask bits (0644 for umask 022).

    mkstemp creates its files 0600 whatever the umask; files written through it are given this mode
    before they are renamed into place, so that reports are readable as any other file would be."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def save(fig, path):
    """Saves a figure as PNG atomically (temp file beside it, then rename). The PNG carries the
    figure's description (seqvi_plots.describe: titles, axis labels and limits, lines, colorbars) as
    JSON in its text chunk "seqvi-figure", for tests and tools that check a figure without reading
    pixels (e.g. PIL.Image.open(path).text["seqvi-figure"])."""
    import seqvi_plots
    description = json.dumps(seqvi_plots.describe(fig), sort_keys=True)
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix="." + os.path.basename(path), suffix=".png")
    try:
        os.fchmod(fd, file_mode())
    finally:
        os.close(fd)
    try:
        fig.savefig(temp, dpi=100, format="png", metadata={"seqvi-figure": description})
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def read_jsonl(path):
    """The records of a seqvi JSON Lines log (train's <checkpoint>.jsonl, a sweep's events.jsonl) as a
    list of dicts. A last line that does not parse is skipped: a run killed mid-append leaves at most
    that one torn line (every earlier line is complete). Any other bad line raises ValueError.

    pandas: pandas.DataFrame(read_jsonl(path)), or pandas.read_json(path, lines=True) on a complete file.
    """
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    records = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            if all(not rest.strip() for rest in lines[i + 1:]):
                break  # the torn last line of a killed writer
            raise ValueError("%s: line %d is not JSON" % (path, i + 1))
    return records


def write_atomically(path, data):
    """Writes bytes to path via a temp file, fsync and rename, with the umask's mode."""
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix="." + os.path.basename(path))
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
