"""Helpers the analysis scripts share: finding seqvi, writing files atomically."""

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
    """Saves a figure as PNG atomically (temp file beside it, then rename), with the umask's mode."""
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix="." + os.path.basename(path), suffix=".png")
    try:
        os.fchmod(fd, file_mode())
    finally:
        os.close(fd)
    try:
        fig.savefig(temp, dpi=100, format="png")
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


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
