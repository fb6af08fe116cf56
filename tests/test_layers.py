"""The packages depend on each other one way: the method and the inference
library never import the entry points' ``apis`` or the ``kd_bench``
harnesses. Checked in a fresh interpreter, whose ``sys.modules`` holds only
what the imports pulled in."""
import json
import os
import os.path as osp
import re
import subprocess
import sys

from conftest import REPO

INFERENCE = ['mmpose_ext.inference.' + name for name in (
    'demo', 'detector', 'model', 'onnx_export', 'ort_pose', 'torch_pose',
    'visualize')]


def _imported_after(*modules: str) -> set:
    code = ('import importlib, json, sys\n'
            f'for name in {list(modules)!r}:\n'
            '    importlib.import_module(name)\n'
            'print(json.dumps(sorted(sys.modules)))')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         env=dict(os.environ, PYTHONPATH=REPO),
                         capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_inference_library_imports_neither_apis_nor_harnesses():
    imported = _imported_after('mmpose_ext', *INFERENCE)
    assert not {m for m in imported
                if m.startswith(('mmpose_ext.apis', 'kd_bench'))}


def test_tools_and_demo_do_not_edit_sys_path():
    # The package is installed editable: a tool that puts the repository on
    # sys.path itself would hide a broken install.
    scripts = [osp.join(folder, name)
               for folder in ('tools', 'demo')
               for name in sorted(os.listdir(osp.join(REPO, folder)))
               if name.endswith('.py')]
    editing = [path for path in scripts
               if re.search(r'sys\.path\.(insert|append)\(',
                            open(osp.join(REPO, path)).read())]
    assert scripts and not editing
