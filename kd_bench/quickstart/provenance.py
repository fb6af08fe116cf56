"""What a quick-start stage was made from.

Each finished stage writes, in its done file under ``made_from``, the
settings that determine its result: its config, iterations and seed, the
benchmark it read (parameters and a digest of its files), the overrides and
the sha256 of every checkpoint it loaded (teachers, initialisation, the model
evaluated). A finished stage is reused only when that record matches the
settings of the run at hand, so that a report never mixes runs made from
different settings.

The config is recorded by its name and by a digest of its resolved
settings (:func:`config_digest`), so that an edit to the file, or to a base
it inherits, makes its stages run again. A done file without that record
(written before it existed) is never reused.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional

from mmpose_ext.fileio import sha256_file

MADE_FROM = 'made_from'
# Settings that do not change what a stage makes: where it writes.
UNRECORDED_SETTINGS = ('work_dir', )


def config_digest(*configs: Mapping,
                  roots: Optional[Mapping[str, str]] = None) -> str:
    """sha256 of the resolved settings of ``configs`` (config dicts, or
    parts of one), all but :data:`UNRECORDED_SETTINGS`.

    Each folder of ``roots`` (``{name: path}``) is replaced by its name in
    the paths, so that the same settings in a copied or moved folder give
    the same digest (what is read there is recorded by content: the
    benchmark's digest, the checkpoints' sha256).
    """
    settings = [{key: value for key, value in dict(cfg).items()
                 if key not in UNRECORDED_SETTINGS} for cfg in configs]
    text = json.dumps(plain(settings), sort_keys=True)
    folders = {}
    for name, path in (roots or {}).items():
        for form in (path, osp.abspath(path)):
            folders[form.rstrip(os.sep)] = f'{{{name}}}'
    for folder in sorted(folders, key=len, reverse=True):
        text = text.replace(folder, folders[folder])
    return hashlib.sha256(text.encode()).hexdigest()


def benchmark_identity(manifest: Mapping) -> dict:
    """The synthetic benchmark's parameters a reader recognises and a digest
    of its parameters, annotation files and images (from its manifest)."""
    params = manifest['params']
    content = {key: manifest.get(key) for key in ('params', 'files',
                                                  'images')}
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True).encode()).hexdigest()
    return dict(num_train=params.get('num_train'),
                num_val=params.get('num_val'),
                difficulty=params.get('difficulty'), sha256=digest)


class CheckpointDigests:
    """sha256 of checkpoint files, each read once per size and mtime."""

    def __init__(self):
        self._known: Dict[tuple, str] = {}

    def __call__(self, path: str) -> str:
        """The sha256 of ``path``; a path that is not a file is returned as
        it is (so that a later file there does not match it)."""
        if not osp.isfile(path):
            return path
        stat = os.stat(path)
        key = (osp.realpath(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._known:
            self._known[key] = sha256_file(path)
        return self._known[key]


def model_checkpoints(model: Any, where: str = '') -> Dict[str, str]:
    """Every ``checkpoint`` a model config loads, by where it sits in the
    config (a teacher of a list by its ``name``: ``teachers.mpii``,
    ``student.init_cfg``, ``init_cfg``)."""
    found = {}
    if isinstance(model, Mapping):
        for key, value in model.items():
            if key == 'checkpoint' and isinstance(value, str):
                found[where or key] = value
            else:
                found.update(model_checkpoints(
                    value, f'{where}.{key}' if where else str(key)))
    elif isinstance(model, (list, tuple)):
        for index, value in enumerate(model):
            name = value.get('name') if isinstance(value, Mapping) else None
            found.update(model_checkpoints(value, f'{where}.{name or index}'))
    return found


def plain(value: Any) -> Any:
    """``value`` as it reads back from a JSON done file (tuples as lists,
    keys as strings), so that a record compares equal to its reading."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def _flat(value: Any, prefix: str = '') -> Dict[str, Any]:
    if isinstance(value, dict) and value:
        flat = {}
        for key, item in value.items():
            flat.update(_flat(item, f'{prefix}.{key}' if prefix else key))
        return flat
    return {prefix: value}


def _short(value: Any) -> str:
    text = str(value)
    is_digest = len(text) == 64 and all(c in '0123456789abcdef'
                                        for c in text)
    return text[:12] if is_digest else text


def differences(done: Mapping, made_from: Mapping) -> List[str]:
    """Why the done record ``done`` was not made from ``made_from``, one
    phrase per setting (``'iters 30, now 4'``); empty when it was. A record
    without :data:`MADE_FROM` (written before it existed) gets one phrase
    saying so.
    """
    if MADE_FROM not in done:
        return ['its settings were not recorded']
    old, new = _flat(done[MADE_FROM]), _flat(plain(made_from))
    missing = object()
    return [f'{key} {_short(old.get(key, "not recorded"))}, now '
            f'{_short(new.get(key, "none"))}'
            for key in sorted(set(old) | set(new))
            if old.get(key, missing) != new.get(key, missing)]


def read_done(path: str) -> Optional[dict]:
    """The done record at ``path``, or ``None`` when there is none."""
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)
