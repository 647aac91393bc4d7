"""Downloads that are checked and atomic, and archives unpacked safely (``torchvision.datasets.utils``).

A download goes to ``FILE.part`` beside its destination, is checked against the MD5 (32 hex
digits) or SHA-256 (64) it should have, and only then renamed to ``FILE``: an interrupted or
corrupted download never leaves a ``FILE`` that looks finished. A ``.part`` left by an interrupted
download is resumed (an HTTP range request) where the server allows it, else started again; one
that turns out corrupted is removed.

>>> import hashlib, os, tempfile
>>> from minitorch_conv.vision.datasets.utils import check_integrity
>>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
>>> with open(path, "wb") as f:
...     _ = f.write(b"hello")
>>> check_integrity(path, hashlib.md5(b"hello").hexdigest()), check_integrity(path, "0" * 32)
(True, False)
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence

__all__ = [
    "calculate_md5",
    "check_integrity",
    "download_url",
    "extract_archive",
    "download_and_extract_archive",
    "download_resources",
]

CHUNK = 1 << 20
USER_AGENT = "minitorch_conv"
TIMEOUT = 30.0
"""Seconds a download may wait for the server before it counts as failed."""


class IncompleteDownloadError(OSError):
    """The server closed the connection before the whole file came; the ``.part`` is kept."""


def _hash(fpath: str, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def calculate_md5(fpath: str | os.PathLike, chunk_size: int = CHUNK) -> str:
    """The MD5 of a file, as hex.

    >>> import os, tempfile
    >>> from minitorch_conv.vision.datasets.utils import calculate_md5
    >>> path = os.path.join(tempfile.mkdtemp(), "empty")
    >>> open(path, "wb").close()
    >>> calculate_md5(path)
    'd41d8cd98f00b204e9800998ecf8427e'
    """
    return _hash(os.fspath(fpath), "md5")


def _algorithm(checksum: str) -> str:
    if len(checksum) == 32:
        return "md5"
    if len(checksum) == 64:
        return "sha256"
    raise ValueError(f"checksum {checksum!r}: expected an MD5 (32 hex digits) or a SHA-256 (64)")


def check_integrity(fpath: str | os.PathLike, md5: str | None = None) -> bool:
    """True when the file exists and, if ``md5`` is given (an MD5 or a SHA-256), has that checksum.

    >>> from minitorch_conv.vision.datasets.utils import check_integrity
    >>> check_integrity("/no/such/file")
    False
    """
    fpath = os.fspath(fpath)
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return _hash(fpath, _algorithm(md5)) == md5.lower()


class _Progress:
    """tqdm where installed, else a line on stderr every 10%."""

    def __init__(self, total: int | None, name: str):
        self.total, self.name, self.done, self.shown = total, name, 0, -1
        try:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=name,
                file=sys.stderr,
                leave=False,
            )
        except ImportError:
            self.bar = None

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.total:
            tenth = 10 * self.done // self.total
            if tenth != self.shown:
                self.shown = tenth
                print(f"{self.name}: {10 * tenth}% of {self.total} bytes", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _fetch_to_part(url: str, part: str) -> None:
    """Download ``url`` into ``part``, resuming what is already there where the server allows."""
    offset = os.path.getsize(part) if os.path.isfile(part) else 0
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # the range is past the end: start again
            os.remove(part)
            return _fetch_to_part(url, part)
        raise
    with response:
        resumed = (
            offset > 0
            and response.status == 206
            and response.headers.get("Content-Range", "").startswith(f"bytes {offset}-")
        )
        if not resumed:
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        progress = _Progress(total, os.path.basename(part)[: -len(".part")])
        progress.update(offset)
        received = offset
        try:
            with open(part, "ab" if resumed else "wb") as f:
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    f.write(chunk)
                    received += len(chunk)
                    progress.update(len(chunk))
                f.flush()
                os.fsync(f.fileno())
        finally:
            progress.close()
    if total is not None and received < total:
        raise IncompleteDownloadError(
            f"the server stopped after {received} of {total} bytes; what came is kept in {part} and "
            "the next download resumes from there"
        )


def download_url(
    url: str, root: str | os.PathLike, filename: str | None = None, md5: str | None = None
) -> str:
    """Download ``url`` to ``root/filename`` (default: the URL's last part), check it against
    ``md5`` (an MD5 or a SHA-256), and put it in place atomically; returns its path. A file that
    is already there with the right checksum is not downloaded again.

    A checksum mismatch removes the download and raises RuntimeError; a cut-off transfer raises
    an OSError and keeps the ``.part`` to resume from.

    >>> import hashlib, os, tempfile
    >>> from minitorch_conv.vision.datasets.utils import download_url
    >>> root = tempfile.mkdtemp()
    >>> with open(os.path.join(root, "a.bin"), "wb") as f:
    ...     _ = f.write(b"data")
    >>> path = download_url("https://example.invalid/a.bin", root, md5=hashlib.md5(b"data").hexdigest())
    Using downloaded and verified file: ...a.bin
    >>> os.path.basename(path)
    'a.bin'
    """
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(urllib.request.urlparse(url).path)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        print(f"Using downloaded and verified file: {fpath}")
        return fpath
    part = fpath + ".part"
    print(f"Downloading {url} to {fpath}")
    _fetch_to_part(url, part)
    if md5 is not None and not check_integrity(part, md5):
        found = _hash(part, _algorithm(md5))
        os.remove(part)
        raise RuntimeError(
            f"{url}: the download is corrupted ({_algorithm(md5).upper()} {found}, "
            f"expected {md5}); it was removed"
        )
    os.replace(part, fpath)
    return fpath


def _safe_members(tar: tarfile.TarFile, dest: str):
    for member in tar.getmembers():
        target = os.path.realpath(os.path.join(dest, member.name))
        if (
            not target.startswith(os.path.realpath(dest) + os.sep)
            or member.issym()
            or member.islnk()
            or member.isdev()
        ):
            raise RuntimeError(
                f"refusing to extract {member.name!r}: it would land outside {dest} or is a link or a device"
            )
        yield member


def extract_archive(
    from_path: str | os.PathLike, to_path: str | os.PathLike | None = None, remove_finished: bool = False
) -> str:
    """Unpack a ``.tar.gz`` / ``.tgz`` / ``.tar`` (into ``to_path``, default its folder) or a
    ``.gz`` (to the same name without ``.gz``); returns ``to_path``.

    Every entry lands first in a temporary folder beside the destination and is then renamed into
    place, so an interrupted extraction leaves no half-written file. Entries that would land
    outside ``to_path``, links and devices are refused.

    >>> import gzip, os, tempfile
    >>> from minitorch_conv.vision.datasets.utils import extract_archive
    >>> root = tempfile.mkdtemp()
    >>> with gzip.open(os.path.join(root, "notes.txt.gz"), "wb") as f:
    ...     _ = f.write(b"hello")
    >>> _ = extract_archive(os.path.join(root, "notes.txt.gz"))
    >>> open(os.path.join(root, "notes.txt")).read()
    'hello'
    """
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    os.makedirs(to_path, exist_ok=True)
    if from_path.endswith((".tar.gz", ".tgz", ".tar")):
        staging = tempfile.mkdtemp(prefix=".extract-", dir=to_path)
        try:
            with tarfile.open(from_path, "r:*") as tar:
                tar.extractall(staging, members=list(_safe_members(tar, staging)))
            for name in os.listdir(staging):
                dest = os.path.join(to_path, name)
                if os.path.isdir(dest) and not os.path.islink(dest):
                    shutil.rmtree(dest)
                os.replace(os.path.join(staging, name), dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    elif from_path.endswith(".gz"):
        dest = os.path.join(to_path, os.path.basename(from_path)[: -len(".gz")])
        part = dest + ".part"
        with gzip.open(from_path, "rb") as src, open(part, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        os.replace(part, dest)
    else:
        raise RuntimeError(f"{from_path}: not a .tar.gz, .tgz, .tar or .gz archive")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(
    url: str,
    download_root: str | os.PathLike,
    extract_root: str | os.PathLike | None = None,
    filename: str | None = None,
    md5: str | None = None,
    remove_finished: bool = False,
) -> None:
    """:func:`download_url`, then :func:`extract_archive` into ``extract_root`` (default: the
    download folder).

    >>> import gzip, hashlib, os, tempfile
    >>> from minitorch_conv.vision.datasets.utils import download_and_extract_archive
    >>> root = tempfile.mkdtemp()
    >>> data = gzip.compress(b"x")
    >>> with open(os.path.join(root, "x.gz"), "wb") as f:
    ...     _ = f.write(data)
    >>> download_and_extract_archive("https://example.invalid/x.gz", root, md5=hashlib.md5(data).hexdigest())
    Using downloaded and verified file: ...x.gz
    >>> sorted(os.listdir(root))
    ['x', 'x.gz']"""
    fpath = download_url(url, download_root, filename, md5)
    extract_archive(fpath, extract_root or os.fspath(download_root), remove_finished)


def download_resources(
    mirrors: Sequence[str], resources: Sequence[tuple[str, str]], folder: str, extract: bool = True
) -> None:
    """Fetch each ``(file name, checksum)`` of ``resources`` into ``folder``, trying each of
    ``mirrors`` (base URLs) in turn, and unpack it. A file that no mirror serves intact raises a
    RuntimeError naming the URLs tried, why each failed, and where to put the file by hand.

    >>> import tempfile
    >>> from minitorch_conv.vision.datasets.utils import download_resources
    >>> try:  # no mirror answers: port 9 on this machine
    ...     download_resources(["http://127.0.0.1:9/"], [("f.gz", "0" * 32)], tempfile.mkdtemp())
    ... except RuntimeError as e:
    ...     print(str(e).splitlines()[0])
    Downloading http://127.0.0.1:9/f.gz to ...f.gz
    Error downloading f.gz:"""
    for filename, checksum in resources:
        errors = []
        for mirror in mirrors:
            url = mirror + filename
            try:
                fpath = download_url(url, folder, filename, checksum)
            except (OSError, RuntimeError) as exc:  # URLError and timeouts are OSErrors
                print(f"Failed to download (trying next):\n{exc}", file=sys.stderr)
                errors.append(f"  {url}: {exc}")
                continue
            if extract:
                extract_archive(fpath, folder)
            break
        else:
            raise RuntimeError(
                f"Error downloading {filename}:\n" + "\n".join(errors) + "\n"
                f"Download it by hand from one of these URLs and place it at "
                f"{os.path.join(folder, filename)} (checksum {checksum}), then run again."
            )
