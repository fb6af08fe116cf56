"""Read config files: a clear error when one is absent, and a warning for
each top-level key that nothing reads.

Below :mod:`mmpose_ext.apis` and :mod:`mmpose_ext.inference`, which both
read configs through :func:`load_config`.

MMEngine's runner reads a fixed set of top-level keys and ignores the rest,
so a misspelled one (``load_form = 'epoch_10.pth'``) is silently dropped.
MMPose configs also carry many helper variables that only other keys use
(``codec``, ``input_size``, ``train_pipeline_stage2``, ``qs_*``...), so an
unknown key alone is no evidence of a mistake. A key counts as read when
MMEngine's runner or this project reads it, or when the config (its file or
a base) uses it by name. A key that is not read is reported when

* it is a near-miss of a key that is read (``load_form``, ``val_evalutor``),
  or
* the config file itself defines it (helpers of a shared base need not all
  be used by every config that inherits it).

A config MMEngine dumped into its work_dir has every variable inlined, so
nothing in it uses anything by name; there only near-misses are reported.
"""
import contextlib
import difflib
import inspect
import io
import os
import os.path as osp
import re
import tokenize
import warnings
from collections.abc import Mapping
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_ext.paths import REPO_ROOT

# Top-level keys MMEngine's runner reads besides its constructor's
# arguments (``Runner.wrap_model``, ``Runner.train``, ``Runner.resume``...).
RUNNER_EXTRA_KEYS = frozenset({
    'runner_type', 'custom_imports', 'model_wrapper_cfg',
    'find_unused_parameters', 'sync_bn', 'compile', 'strategy', 'gpu_ids',
    'activation_checkpointing', 'efficient_conv_bn_eval'
})
# Top-level keys this project's code reads.
PROJECT_KEYS = frozenset({
    # data roots (DATA_ROOT_KEYS): move_data_paths, for
    # tools/check_data.py --data-root and --cfg-options
    'union_data_root',
    'qs_root',  # also kd_bench.quickstart
    'tensorboard',  # mmpose_ext.engine.tensorboard, tools/train.py
})
# How alike (difflib ratio, and length) a key must be to a read key to be
# taken for a misspelling of it; ``qs_default_hooks`` is a helper, not one.
NEAR_MISS_CUTOFF = 0.8
NEAR_MISS_LENGTH = 2
# Top-level config keys that hold a data root, the folder holding coco/,
# mpii/ (and crowdpose/): the real configs' (configs/_base_/coco_mpii_data.py)
# and the quick-start configs' (configs/quickstart/_base_/synthetic.py). A
# quick-start config inherits a real one, so it holds both, its own qs_root
# (data/synthetic/) inside union_data_root (data/).
DATA_ROOT_KEYS = ('union_data_root', 'qs_root')


class UnreadConfigKeyWarning(UserWarning):
    """A top-level config key that nothing reads."""


class ConfigOptionError(ValueError):
    """A ``--cfg-options`` value that cannot stand where it goes."""


_ABSENT = object()


def _value_at(tree: Mapping, key: str) -> object:
    """The value at dotted ``key`` of a config's ``to_dict()`` (list items by
    index, as ``merge_from_dict`` takes them), or ``_ABSENT``."""
    node: object = tree
    for part in key.split('.'):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif (isinstance(node, list) and part.isdigit()
              and int(part) < len(node)):
            node = node[int(part)]
        else:
            return _ABSENT
    return node


def move_data_paths(cfg: Config, data_root: str) -> bool:
    """Move every data path of the config to ``data_root``, in place.

    ``data_root`` takes the place of the config's data roots
    (:data:`DATA_ROOT_KEYS`): the folder holding coco/, mpii/ (and
    crowdpose/). The project configs derive all data paths from those roots
    when the file is read; after that they are plain strings that start with
    one, and each moves from the deepest root it is under, so a quick-start
    config's ``data/synthetic/coco/...`` becomes ``<data_root>/coco/...``.

    Returns:
        bool: whether the config has a data root (else nothing moved).
    """
    old_roots = sorted({osp.normpath(cfg[key]) for key in DATA_ROOT_KEYS
                        if cfg.get(key)}, key=len, reverse=True)
    if not old_roots:
        return False
    new_root = osp.abspath(data_root)

    def repoint(value):
        if isinstance(value, str) and value:
            path = osp.normpath(value)
            old_root = next((root for root in old_roots if path == root
                             or path.startswith(root + os.sep)), None)
            if old_root is None:
                return value
            moved = osp.normpath(
                osp.join(new_root, osp.relpath(path, old_root)))
            return moved + os.sep if value.endswith(('/', os.sep)) else moved
        if isinstance(value, dict):
            return type(value)({k: repoint(v) for k, v in value.items()})
        if isinstance(value, (list, tuple)):
            return type(value)(repoint(v) for v in value)
        return value

    for key, value in list(cfg.items()):
        cfg[key] = repoint(value)
    return True


def merge_options(cfg: Config, options: Mapping) -> None:
    """``cfg.merge_from_dict(options)``, refusing a word where the config
    holds a number or a switch, and moving the data paths with a data root.

    MMEngine's ``DictAction`` reads ``1000``, ``1e-3``, ``True`` and ``None``
    as such and anything else as text, so a mistyped value
    (``train_cfg.max_iters=1O00``) would otherwise fail deep inside the
    runner, or not at all. A data root option (``union_data_root=DIR`` or
    ``qs_root=DIR``: the folder holding coco/, mpii/...) moves every data
    path (:func:`move_data_paths`): they were built from it when the file
    was read, and would otherwise stay where they were.

    Raises:
        ConfigOptionError: naming the key, the value and what the config
            holds there; or two data roots naming different folders.
    """
    roots = {options[key] for key in DATA_ROOT_KEYS if key in options}
    if len(roots) > 1:
        raise ConfigOptionError(
            f'--cfg-options: {" and ".join(DATA_ROOT_KEYS)} both name the '
            'folder holding coco/, mpii/... and were given different '
            'folders; give one')
    if roots:
        move_data_paths(cfg, roots.pop())
    tree = cfg.to_dict()
    for key, value in options.items():
        current = _value_at(tree, key)
        if isinstance(value, str) and isinstance(current, (int, float)):
            wanted = 'True or False' if isinstance(current, bool) else \
                'a number'
            raise ConfigOptionError(
                f'--cfg-options {key}={value}: the config holds '
                f'{current!r} there; pass {wanted}')
    cfg.merge_from_dict(options)


# What Python says when a class is given an argument it does not take.
_UNEXPECTED_ARGUMENT = re.compile(
    r"(?P<call>[\w.]+\(\)) got an unexpected keyword argument "
    r"'(?P<name>\w+)'")


@contextlib.contextmanager
def explain_option_typos(cfg: Config, options: Optional[Mapping]):
    """Turn the ``TypeError`` a misspelt nested ``--cfg-options`` key ends
    in, when the runner builds the part it sits in (``CSPNeXt.__init__() got
    an unexpected keyword argument 'widen_factr'``), into a
    :class:`ConfigOptionError` naming the option, with the nearest key the
    config holds beside it. Top-level keys are :func:`warn_unread_keys`'s.

    Args:
        cfg (Config): the config the options were merged into.
        options (Mapping, optional): the ``--cfg-options`` given.

    Raises:
        ConfigOptionError: the ``TypeError`` names a keyword that is the last
            part of a given option.
    """
    try:
        yield
    except TypeError as err:
        match = _UNEXPECTED_ARGUMENT.search(str(err))
        if match is None:
            raise
        name = match.group('name')
        keys = [key for key in options or ()
                if '.' in key and key.rsplit('.', 1)[1] == name]
        if not keys:
            raise
        parent = keys[0].rsplit('.', 1)[0]
        beside = _value_at(cfg.to_dict(), parent)
        names = [k for k in beside if k != name] \
            if isinstance(beside, Mapping) else []
        close = difflib.get_close_matches(name, names, n=1)
        hint = f'; did you mean {parent}.{close[0]}?' if close else \
            '; check its spelling'
        raise ConfigOptionError(
            f'--cfg-options {keys[0]}: {match.group("call")} takes no '
            f'argument {name!r}{hint}') from None


def known_keys() -> FrozenSet[str]:
    """Every top-level key MMEngine's runner or this project reads."""
    runner_args = set(inspect.signature(Runner.__init__).parameters)
    runner_args -= {'self', 'cfg'}
    return frozenset(runner_args) | RUNNER_EXTRA_KEYS | PROJECT_KEYS


def _is_near_miss(key: str, known: str) -> bool:
    return abs(len(key) - len(known)) <= NEAR_MISS_LENGTH and \
        difflib.SequenceMatcher(None, key, known).ratio() >= NEAR_MISS_CUTOFF


def _source_files(cfg: Config) -> List[str]:
    """The sources of the config and its bases, the config's own last.

    ``Config.text`` joins them, each after a line holding its file name.
    """
    files: List[str] = []
    for line in cfg.text.splitlines(keepends=True):
        name = line.strip()
        if name.endswith('.py') and osp.isfile(name):
            files.append('')
        elif files:
            files[-1] += line
    return files


def _names(source: str) -> Tuple[Set[str], Set[str]]:
    """Names a config source uses (not as definitions, keyword arguments or
    attributes other than ``_base_.name``) and the top-level names it
    defines."""
    used, defined = set(), set()
    try:
        tokens = [t for t in tokenize.generate_tokens(
            io.StringIO(source).readline)
            if t.type in (tokenize.NAME, tokenize.OP)]
    except (tokenize.TokenError, SyntaxError):
        return used, defined
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME:
            continue
        after = tokens[i + 1].string if i + 1 < len(tokens) else ''
        before = tokens[i - 1].string if i > 0 else ''
        if after == '=':
            if token.start[1] == 0:
                defined.add(token.string)
        elif before != '.' or (i > 1 and tokens[i - 2].string == '_base_'):
            used.add(token.string)
    return used, defined


def unread_keys(cfg: Config) -> Dict[str, Optional[str]]:
    """Top-level keys of ``cfg`` that nothing reads and that look like
    mistakes (see the module docstring), each with the read key it is a
    near-miss of, or ``None``."""
    known = known_keys()
    sources = [_names(source) for source in _source_files(cfg)]
    used = set().union(*(u for u, _ in sources))
    own = sources[-1][1] if sources else set()
    written_with_names = bool(used & set(cfg.keys()))
    found = {}
    for key in cfg.keys():
        if key in known or key in used:
            continue
        near = [k for k in sorted(known) if _is_near_miss(key, k)]
        if near:
            found[key] = near[0]
        elif written_with_names and key in own:
            found[key] = None
    return found


def warn_unread_keys(cfg: Config) -> Dict[str, Optional[str]]:
    """Warn (:class:`UnreadConfigKeyWarning`) about each key
    :func:`unread_keys` finds, naming the config file and the key.

    Returns:
        dict: what :func:`unread_keys` found.
    """
    found = unread_keys(cfg)
    for key, near in found.items():
        hint = f'; did you mean {near!r}?' if near else \
            ' and no other key of the config uses it.'
        warnings.warn(
            f'{cfg.filename}: top-level key {key!r} is read by neither '
            f"MMEngine's runner nor mmpose_ext{hint} It has no effect.",
            UnreadConfigKeyWarning, stacklevel=2)
    return found


def unformatted(cfg: Config) -> Config:
    """``cfg``, dumped and logged without yapf's formatting.

    MMEngine's runner logs its config and dumps it twice (work dir and
    visualizer); yapf took about 3 s for each of those on a quick-start
    config, over a minute of a quick start. The dump is the same Python,
    only not re-flowed. (``Config.fromfile`` drops its
    ``format_python_code`` argument for plain configs, MMEngine 0.10.7.)
    """
    return Config(cfg.to_dict(), cfg_text=cfg.text, filename=cfg.filename,
                  env_variables=cfg.env_variables, format_python_code=False)


def read_config(config: str) -> Config:
    """``Config.fromfile``, naming the missing file and where configs live
    (:func:`unformatted`).
    """
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'config file {config!r} does not exist (configs live under '
            f'{osp.join(REPO_ROOT, "configs")})')
    return unformatted(Config.fromfile(config))


def load_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file, with a clear error when it is absent, its
    teacher crops taken from ``model.teachers``
    (:func:`~mmpose_ext.datasets.pipelines.teacher_crops_from_model`) and a
    warning for each top-level key nothing reads (:func:`warn_unread_keys`).
    """
    from mmpose_ext.datasets.pipelines import teacher_crops_from_model
    cfg = read_config(config)
    if cfg_options:
        merge_options(cfg, cfg_options)
    teacher_crops_from_model(cfg)
    warn_unread_keys(cfg)
    return cfg
