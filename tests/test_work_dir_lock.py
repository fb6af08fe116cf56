"""One training per work dir: the lock names its holder, refuses a second
holder and takes over the file a killed holder left."""
import json
import os
import subprocess
import sys

import pytest

from mmpose_ext.apis.work_dir_lock import (LOCK_FILE, WorkDirLockedError,
                                           work_dir_lock)


def holder(path):
    with open(path) as f:
        return json.load(f)


def test_lock_file_names_the_holder_and_is_removed_on_release(tmp_path):
    with work_dir_lock(str(tmp_path / 'work')) as path:
        assert path == str(tmp_path / 'work' / LOCK_FILE)
        assert holder(path)['pid'] == os.getpid()
    assert os.listdir(tmp_path / 'work') == []


def test_second_lock_is_refused_naming_the_holder_and_work_dir(tmp_path):
    with work_dir_lock(str(tmp_path)):
        with pytest.raises(WorkDirLockedError) as error:
            with work_dir_lock(str(tmp_path)):
                pass
    assert f'PID {os.getpid()} on host ' in str(error.value)
    assert repr(str(tmp_path)) in str(error.value)


def test_lock_file_of_a_killed_holder_is_taken_over_with_a_warning(
        tmp_path, monkeypatch):
    # recorded at the call, not from a stream: MMEngine's logger keeps the
    # stream of whichever earlier test created it
    import logging

    from mmpose_ext.apis import work_dir_lock as module
    logged = []
    monkeypatch.setattr(module, 'print_log',
                        lambda msg, **kw: logged.append((msg, kw)))
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    with open(tmp_path / LOCK_FILE, 'w') as f:
        json.dump(dict(pid=dead.pid, host='here', started='then'), f)
    with work_dir_lock(str(tmp_path)) as path:
        assert holder(path)['pid'] == os.getpid()
    (message, kwargs), = logged
    assert f'ended without releasing it (PID {dead.pid} on host here' in \
        message
    assert kwargs['level'] == logging.WARNING


def test_release_keeps_a_lock_file_that_is_no_longer_its_own(tmp_path):
    with work_dir_lock(str(tmp_path)) as path:
        os.remove(path)  # by hand, and another training wrote a new one
        with open(path, 'w') as f:
            json.dump(dict(pid=1), f)
    assert holder(path) == dict(pid=1)


def test_second_training_into_a_trained_work_dir_is_refused_unless_resumed(
        tmp_path, capsys):
    from conftest import write_coco_mpii
    from tiny_configs import tiny_student_cfg
    from tool_modules import exit_message, load_tool
    work = tmp_path / 'work'
    config = str(tmp_path / 'student.py')
    tiny_student_cfg(str(write_coco_mpii(tmp_path / 'data')),
                     str(work)).dump(config)
    load_tool('train').main([config])
    checkpoint = work / 'epoch_1.pth'
    before = checkpoint.read_bytes()
    err = exit_message(capsys, load_tool('train').main, [config])
    assert err.startswith(f"train.py: error: work dir '{work}' holds the "
                          'checkpoints of an earlier training (latest: ')
    assert err.endswith('continue it with --resume, or give this run another '
                        '--work-dir (or delete them to start over there)')
    assert checkpoint.read_bytes() == before
    load_tool('train').main([config, '--resume'])  # nothing left to train
