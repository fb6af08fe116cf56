"""A miniature of the whole quick start: data, four trainings, report."""
import json
import os.path as osp

from mmpose_ext.quickstart import Quickstart, QuickstartSettings


def test_miniature_quickstart_writes_report_and_reuses_stages(tmp_path):
    settings = QuickstartSettings(
        data_root=str(tmp_path / 'data'), work_root=str(tmp_path / 'work'),
        out_dir=str(tmp_path / 'out'), num_train=6, num_val=3, max_iters=2,
        cfg_options=dict(train_dataloader=dict(batch_size=8, num_workers=0,
                                               persistent_workers=False),
                         val_dataloader=dict(num_workers=0,
                                             persistent_workers=False),
                         test_dataloader=dict(num_workers=0,
                                              persistent_workers=False)))
    lines = []
    runs = Quickstart(settings, say=lines.append).run()
    out = tmp_path / 'out'
    for name in ('results.md', 'results.json', 'curves.png',
                 'predictions.png'):
        assert (out / name).stat().st_size > 0, name
    table = (out / 'results.md').read_text()
    assert 'student, distilled' in table and 'cross PCKh' in table
    record = runs[0]['distilled']
    assert {'coco/AP', 'mpii/PCK', 'full/coco/PCKh_unlabelled',
            'full/mpii/PCKh_unlabelled'} <= set(record['metrics'])
    assert osp.isfile(tmp_path / 'work' / 'teachers' / 'coco.pth')

    again = []
    Quickstart(settings, say=again.append).run()
    assert sum('reusing finished run' in line for line in again) == 4
    assert json.loads((out / 'results.json').read_text())[0]['distilled'][
        'checkpoint'] == record['checkpoint']
