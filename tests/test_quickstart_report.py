"""The quick start's verdict lines, on hand-made results of known values."""
from kd_bench.quickstart.report import verdict

COCO_CROSS = 'full/coco/PCKh_unlabelled'
MPII_CROSS = 'full/mpii/PCKh_unlabelled'


def _runs(base, distilled, oracle):
    """One seed: cross PCKh per student as (COCO-style, MPII-style)."""
    def student(name, cross):
        return dict(name=name, metrics={
            'coco/AP': 0.5, 'mpii/PCK': 77.0,
            COCO_CROSS: cross[0], MPII_CROSS: cross[1]})
    return [dict(
        teacher_coco=dict(name='teacher_coco', metrics={
            'coco/AP': 0.6, MPII_CROSS: 95.0}),
        teacher_mpii=dict(name='teacher_mpii', metrics={
            'PCK': 91.0, COCO_CROSS: 72.0}),
        baseline=student('baseline', base),
        distilled=student('distilled', distilled),
        oracle=student('oracle', oracle))]


def test_gain_goal_line_says_when_the_oracle_leads_by_less_than_it():
    lines = verdict(_runs(base=(75., 78.), distilled=(80., 90.),
                          oracle=(83., 95.))).splitlines()
    coco, = [line for line in lines if line.startswith(
        '- cross PCKh: head top')]
    mpii, = [line for line in lines if line.startswith(
        '- cross PCKh: face points')]
    assert '+5.0 points' in coco and '**not met**' in coco
    assert 'the oracle itself is +8.0 points above labels only' in coco
    assert '+12.0 points' in mpii and '**met**' in mpii
    assert 'oracle itself' not in mpii
    gap, = [line for line in lines if line.startswith(
        '- gap closed, cross PCKh: head top')]
    assert '62.5 %' in gap and '**met**' in gap


def test_teacher_goals_and_label_only_distance_to_each_teacher():
    runs = _runs(base=(75., 78.), distilled=(80., 90.), oracle=(83., 95.))
    runs[0]['teacher_coco']['metrics']['coco/AP'] = 0.58
    lines = verdict(runs).splitlines()
    coco_teacher, = [line for line in lines if line.startswith(
        '- COCO-style teacher, COCO-style AP')]
    mpii_teacher, = [line for line in lines if line.startswith(
        '- MPII-style teacher, MPII-style PCKh')]
    assert '58.0 (goal at least 60)' in coco_teacher
    assert '**not met**' in coco_teacher
    assert '91.0 (goal at least 85)' in mpii_teacher
    assert '**met**' in mpii_teacher
    to_coco, = [line for line in lines if line.startswith(
        '- label-only student against the COCO-style teacher')]
    to_mpii, = [line for line in lines if line.startswith(
        '- label-only student against the MPII-style teacher')]
    assert '8.0 points below it' in to_coco and '**met**' in to_coco
    assert '14.0 points below it' in to_mpii and '**not met**' in to_mpii
