"""One training at a time in a work dir (a lock file naming its holder), and
no fresh training over the checkpoints of an earlier one."""
import contextlib
import ctypes
import fcntl
import functools
import json
import logging
import os
import os.path as osp
import signal
import socket
import sys
import threading
import time
from typing import Iterator, Optional, Set, Tuple

from mmengine.logging import print_log

LOCK_FILE = 'train.lock'
# What MMEngine's CheckpointHook writes beside the checkpoints it saves.
LAST_CHECKPOINT = 'last_checkpoint'


# The file descriptors of the locks this process holds, and the process and
# thread that fork (see _drop_in_child).
_held: Set[int] = set()
_forking: Tuple[int, bool] = (0, False)


class WorkDirLockedError(RuntimeError):
    """Another live training holds the work dir; ``holder`` describes it
    (PID, host, start time)."""

    def __init__(self, message: str, holder: str = ''):
        super().__init__(message)
        self.holder = holder


class WorkDirHasCheckpointsError(RuntimeError):
    """A fresh training was started in a work dir holding an earlier
    training's checkpoints."""


def check_no_earlier_training(work_dir: str) -> None:
    """Refuse to start a training (not a resumed one) in ``work_dir`` when
    an earlier training saved checkpoints there: MMEngine would write its
    ``iter_N.pth`` and ``last_checkpoint`` over theirs.

    Raises:
        WorkDirHasCheckpointsError: naming the latest checkpoint and the
            ways on.
    """
    latest = latest_checkpoint(work_dir)
    if latest is None:
        return
    raise WorkDirHasCheckpointsError(
        f'work dir {work_dir!r} holds the checkpoints of an earlier training '
        f'(latest: {latest}), which this one would overwrite: continue it '
        'with --resume, or give this run another --work-dir (or delete '
        'them to start over there)')


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint MMEngine's ``last_checkpoint`` file in ``work_dir``
    names (that file's path if it names none); ``None`` without the file."""
    marker = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        return f.read().strip() or marker


def resume_hint(work_dir: str) -> str:
    """How to go on with a training stopped in ``work_dir``."""
    latest = latest_checkpoint(work_dir)
    if latest is None:
        return f'No checkpoint was saved in {work_dir} yet.'
    return (f'Its last checkpoint is {latest}: continue from it with '
            f'--resume --work-dir {work_dir}.')


@contextlib.contextmanager
def work_dir_lock(work_dir: str) -> Iterator[str]:
    """Hold ``<work_dir>/train.lock`` while the block runs; yields its path.

    The lock is an ``flock`` on that file, which the kernel drops when the
    holder ends, however it ends; the file names the holder (PID, host,
    start time) for the message others get. A file left by a killed run is
    therefore not locked, and is taken over with a warning naming that run.

    Raises:
        WorkDirLockedError: a live process holds the lock.
    """
    work_dir = osp.abspath(work_dir)
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    fd = _lock(path, work_dir)
    _register_fork_hooks()
    _held.add(fd)
    try:
        yield path
    finally:
        _held.discard(fd)
        # Removed while still locked: a process that opened the old file
        # meanwhile finds it gone after locking it, and opens it again.
        if _is_linked(fd, path):
            os.unlink(path)
        os.close(fd)


@functools.lru_cache(maxsize=None)
def _register_fork_hooks() -> None:
    """Once, at the first lock: nothing changes for a process that never
    trains."""
    os.register_at_fork(before=_note_forking, after_in_child=_drop_in_child)


def _note_forking() -> None:
    global _forking
    _forking = (os.getpid(),
                threading.current_thread() is threading.main_thread())


def _drop_in_child() -> None:
    """In a process forked by a training that holds a lock (its DataLoader
    workers): close the lock's file descriptor, and die with the training.

    An flock belongs to the open file, which a forked child shares: a
    worker that outlived a killed training would hold its lock, and a
    persistent one does outlive it, blocked on a queue nobody reads.
    """
    if not _held:
        return
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    parent, from_main_thread = _forking
    # Linux signals a child when the thread that forked it ends: only the
    # main thread's end is the training's.
    if from_main_thread and sys.platform.startswith('linux'):
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the training ended while forking
            os._exit(1)


def _lock(path: str, work_dir: str) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(_read(fd))
            os.close(fd)
            raise WorkDirLockedError(
                f'work dir {work_dir!r} is in use by another training '
                f'({holder}; lock file {path}). Wait for it to end, stop '
                'it, or give this run another --work-dir.',
                holder) from None
        if _is_linked(fd, path):
            break
        os.close(fd)
    previous = _read(fd)
    if previous:
        print_log(
            f'work dir {work_dir!r}: taking over the lock of a training '
            f'that ended without releasing it ({_describe(previous)}), '
            'probably killed', logger='current', level=logging.WARNING)
    holder = dict(pid=os.getpid(), host=socket.gethostname(),
                  started=time.strftime('%Y-%m-%d %H:%M:%S'))
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    return fd


def _is_linked(fd: int, path: str) -> bool:
    """Whether ``fd`` is still the file at ``path``."""
    try:
        linked = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (linked.st_dev, linked.st_ino)


def _read(fd: int) -> dict:
    """The holder a lock file names; ``{}`` if it names none (the holder
    has not written it yet, or it is not ours)."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0))
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict) -> str:
    if 'pid' not in holder:
        return 'PID unknown'
    return (f'PID {holder["pid"]} on host {holder.get("host", "?")}, '
            f'started {holder.get("started", "?")}')
