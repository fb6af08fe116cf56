"""Committed results name paths that mean something on another machine."""
import os.path as osp

from kd_bench.portable import portable, portable_path

ROOT = osp.join(osp.sep, 'machine', 'repo')


def test_path_inside_the_repository_becomes_relative_to_it():
    assert portable_path(osp.join(ROOT, 'work_dirs', 'a.pth'),
                         ROOT) == osp.join('work_dirs', 'a.pth')


def test_path_outside_the_repository_keeps_only_its_file_name():
    assert portable_path('/tmp/run/a.pth', ROOT) == 'a.pth'
    assert portable_path('/machine/repository2/a.pth', ROOT) == 'a.pth'


def test_relative_paths_and_other_values_are_kept():
    report = dict(config='configs/a.py', seconds=1.5, name='rtmpose-t',
                  runs=[dict(checkpoint=osp.join(ROOT, 'w', 'b.pth'))],
                  size=(1, 2))
    assert portable(report, ROOT) == dict(
        config='configs/a.py', seconds=1.5, name='rtmpose-t',
        runs=[dict(checkpoint=osp.join('w', 'b.pth'))], size=(1, 2))
