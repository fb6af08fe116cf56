"""Importing ``mmpose_ext`` only registers modules; MMEngine's checkpoint
loading and pickling change only when an entry point calls ``setup_env``.

Each check runs in a fresh interpreter: this test process has long since
imported the package and called ``setup_env``.
"""
import json
import os
import subprocess
import sys

from conftest import REPO

# Prints what process-wide state MMEngine's checkpoint loading depends on,
# before and after the statement given as argv[1].
PROBE = r'''
import copyreg, json, sys
import torch
from mmengine.fileio.backends import registry_utils
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def name(obj):
    return f'{obj.__module__}.{obj.__qualname__}'


def state():
    return dict(
        schemes={p: name(f) for p, f in CheckpointLoader._schemes.items()},
        backends={n: repr(b) for n, b in registry_utils.backends.items()},
        prefixes={p: repr(b)
                  for p, b in registry_utils.prefix_to_backends.items()},
        history_buffer_reducer=HistoryBuffer in copyreg.dispatch_table,
        safe_globals=sorted(map(repr, torch.serialization.get_safe_globals())))


before = state()
exec(sys.argv[1])
print(json.dumps(dict(before=before, after=state())))
'''


def _probe(statement: str) -> dict:
    env = dict(os.environ, PYTHONPATH=REPO)
    out = subprocess.run([sys.executable, '-c', PROBE, statement], env=env,
                         cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_importing_the_package_leaves_mmengine_checkpoint_loading_alone():
    seen = _probe('import mmpose_ext')
    before, after = seen['before'], seen['after']
    assert after['schemes'] == before['schemes']
    assert after['prefixes'] == before['prefixes']
    # New backends may be registered under new names, none replaced.
    assert {name: after['backends'][name]
            for name in before['backends']} == before['backends']
    assert not after['history_buffer_reducer']
    assert after['safe_globals'] == before['safe_globals']


def test_setup_env_routes_local_checkpoints_through_the_safe_loader():
    after = _probe('import mmpose_ext.apis; mmpose_ext.apis.setup_env()'
                   )['after']
    assert after['schemes'][''] == 'mmpose_ext.checkpoint._load_from_local'
    assert after['history_buffer_reducer']
