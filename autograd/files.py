"""Writing a file whole or not at all: every save in chainrule (models, drawings, pages,
playgrounds) goes through write_atomically.

The file is written beside its target under a temporary name, flushed to disk, and renamed
over the target in one step, so that a reader, or a crash, never sees half a file.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from contextlib import suppress

try:
    import fcntl  # POSIX file locks, which mark a save under way (see _remove_orphans)
except ImportError:  # Windows
    fcntl = None

# A save writes a temporary file beside its target, named .{target}.{8 hex digits}.tmp, and
# renames it over the target. A save that is killed mid-write (SIGKILL, a power cut) cannot
# remove its temporary, so the next save of the same target removes such orphans. Which are
# orphans? A writer holds an exclusive lock (flock) on its temporary from just after creating
# it until after the rename, and the system drops a lock when its process ends, however it
# ends: a temporary nobody holds a lock on is an orphan. A locked one belongs to a save under
# way in another process or thread (two runs checkpointing to one path), and is left alone:
# removing it would make that save fail. A process id in the name would tell less: ids are
# reused, and mean nothing to another machine or container sharing the folder.
_ORPHAN_SECONDS = 2.0  # untouched this long: past the instant between creating and locking
_STALE_SECONDS = 3600.0  # without file locks (Windows) only age tells, and no save takes this


def write_atomically(path: str | os.PathLike | bytes, data: bytes) -> None:
    """Write data to a new file beside `path`, then rename it over `path` in one step.

    os.replace is atomic: readers see the old file or the new one, never half of one. If
    anything fails, the temporary file is removed, `path` is untouched, and the error names
    `path`, not the temporary. A file that is replaced keeps its permission bits; a new one
    gets the usual mode (0o666 less the umask). A symbolic link stays a link: its target is
    the file written.
    """
    path = os.fsdecode(path)  # a str, pathlib.Path or bytes path, as open() takes
    target = os.path.realpath(path)  # through any links, to the file itself
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"cannot save: folder {folder!r} does not exist",
                                path)
    _remove_orphans(folder, name)
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        f = open(temporary, "xb")  # "x": never reuse an existing file
    except OSError as error:
        raise _naming(error, path) from None
    try:
        try:
            if fcntl is not None:
                with suppress(OSError):  # a file system without locks: save all the same
                    fcntl.flock(f, fcntl.LOCK_EX)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
            _keep_mode(target, temporary)
            if fcntl is None:
                f.close()  # Windows renames only closed files
            os.replace(temporary, target)  # on POSIX still locked, until the close below
        finally:
            f.close()
    except BaseException as error:
        with suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise _naming(error, path) from None
        raise


def _keep_mode(path: str, temporary: str) -> None:
    """Give the temporary the permission bits of the file it will replace, if there is one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return  # a new file keeps the mode open() gave it
    os.chmod(temporary, mode)


def _naming(error: OSError, path: str) -> OSError:
    """The same error (PermissionError stays PermissionError), naming `path` as its file."""
    if error.errno is None:
        return OSError(f"cannot save to {path}: {error}")
    return OSError(error.errno, error.strerror or os.strerror(error.errno), path)


def _remove_orphans(folder: str, name: str) -> None:
    """Remove the temporaries that killed saves of `name` left in `folder` (see above)."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{8}}\.tmp")
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            candidates = [entry for entry in entries if pattern.fullmatch(entry.name)]
    except OSError:
        return  # a folder that cannot be listed: the save itself will say why
    for entry in candidates:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if fcntl is None:
                if age > _STALE_SECONDS:
                    os.remove(entry.path)
            elif age > _ORPHAN_SECONDS:
                with open(entry.path, "rb") as f:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # refused while a writer lives
                    os.remove(entry.path)
        except OSError:  # locked by a writer, gone already, or not ours to remove
            continue
