"""The data home: where fetchers cache downloaded data sets."""

import hashlib
import os
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["clear_data_home", "get_data_home"]

#: Environment variable that overrides the default data home.
DATA_HOME_ENV = "SKGENERATIVE_DATA"


def get_data_home(data_home=None):
    """The folder where skgenerative caches data sets (created if missing).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. ``None`` means the environment variable
        ``SKGENERATIVE_DATA`` if set, else ``~/skgenerative_data``.

    Returns
    -------
    data_home : str
        The path of the folder.
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV, Path("~") / "skgenerative_data")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def clear_data_home(data_home=None):
    """Delete the data home and everything cached in it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        As in :func:`get_data_home`.
    """
    shutil.rmtree(get_data_home(data_home))


def _sha256(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url, path, *, sha256, size=None, timeout=60.0):
    """Download ``url`` to ``path``, verifying its size and SHA-256.

    The file is written to ``path + ".part"`` and renamed only once verified,
    so an interrupted or corrupt download never poisons the cache.

    Raises
    ------
    ConnectionError
        When the server cannot be reached (offline, DNS failure, timeout).
    OSError
        When the downloaded file has the wrong size or checksum (the partial
        file is removed).
    """
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as f:
            shutil.copyfileobj(response, f, length=1 << 20)
    except (urllib.error.URLError, socket.timeout, ConnectionError) as exc:
        part.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise ConnectionError(
            f"Could not download {url} ({reason}). Check the network connection "
            f"(are you offline?), or download the file by other means and pass "
            f"its folder as local_path=."
        ) from exc
    actual_size = part.stat().st_size
    if size is not None and actual_size != size:
        part.unlink()
        raise OSError(
            f"Downloaded {url} has {actual_size} bytes, expected {size}; the "
            f"download was truncated or the file changed on the server. Try again."
        )
    actual = _sha256(part)
    if actual != sha256:
        part.unlink()
        raise OSError(
            f"Downloaded {url} has SHA-256 {actual}, expected {sha256}; the file is "
            f"corrupt or changed on the server, and was not used."
        )
    part.replace(path)
    return path
