"""How the benchmark times and compares: rounds, calls, settling pauses and
ratios paired by round, on fake steps and a fake clock (no timing)."""
import math
import time

import pytest

from kd_bench.inference_benchmark import (interleaved_rounds, paired_ratio,
                                          render_markdown)


class FakeClock:
    """``time.perf_counter`` that advances only when a step runs."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def step(self, durations_ms):
        durations = iter(durations_ms)

        def run():
            self.now += next(durations) / 1e3

        return run


def test_every_round_settles_then_warms_then_times_each_group(monkeypatch):
    events = []
    monkeypatch.setattr(time, 'sleep', lambda s: events.append(('sleep', s)))

    def step(group, name):
        return lambda: events.append((group, name))

    groups = {key: {name: step(key, name)
                    for name in ('t_nn', 't_dec', 't_total')}
              for key in ('a', 'b')}
    rounds = interleaved_rounds(groups, warmup=1, repeats=2, calls=2,
                                settle=0.05)

    def visit(g):
        return [('sleep', 0.05), (g, 't_total'), (g, 't_nn'), (g, 't_nn'),
                (g, 't_dec'), (g, 't_dec'), (g, 't_total'), (g, 't_total')]

    assert events == (visit('a') + visit('b')) * 3  # 1 warm-up + 2 rounds
    assert {k: {s: len(v) for s, v in steps.items()}
            for k, steps in rounds.items()} == {
                k: dict(t_nn=2, t_dec=2, t_total=2) for k in ('a', 'b')}


def test_a_round_time_is_the_median_of_its_calls(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(time, 'perf_counter', clock)
    # Per round: one untimed t_total call, then three timed calls per step.
    groups = {'g': dict(t_nn=clock.step([1, 9, 2, 4, 4, 40]),
                        t_total=clock.step([0, 5, 6, 7, 0, 1, 1, 30]))}
    rounds = interleaved_rounds(groups, warmup=0, repeats=2, calls=3,
                                settle=0)
    assert rounds['g']['t_nn'] == pytest.approx([2, 4])
    assert rounds['g']['t_total'] == pytest.approx([6, 1])


def test_no_pause_when_settle_is_zero(monkeypatch):
    monkeypatch.setattr(time, 'sleep', lambda s: pytest.fail('slept'))
    interleaved_rounds({'g': dict(t_total=lambda: None)}, warmup=0,
                       repeats=1, settle=0)


def test_paired_ratio_cancels_a_slow_round():
    # Round 2 ran 3x slower for both models; the ratio of the two overall
    # medians (1.1 / 4.0 = 0.275) would carry that, the paired one does not.
    student = [1.0, 3.0, 1.1, 1.0, 1.2]
    teacher = [4.0, 12.0, 4.0, 4.0, 4.0]
    median, q1, q3 = paired_ratio(student, teacher)
    assert median == pytest.approx(0.25)
    assert (q1, q3) == pytest.approx((0.25, 0.275))


def test_paired_ratio_of_few_rounds_has_no_range():
    # the quartiles of 4 ratios would describe no spread: a magnitude-pruned
    # t (the same dense network) read 0.583x [0.454, 0.712] from 2 rounds
    median, q1, q3 = paired_ratio([1.0, 3.0, 1.1, 1.0], [4.0, 12.0, 4.0, 4.0])
    assert median == pytest.approx(0.25)
    assert math.isnan(q1) and math.isnan(q3)


def test_paired_ratio_needs_the_same_rounds_on_both_sides():
    with pytest.raises(ValueError, match='same, non-zero number of rounds'):
        paired_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match='got 0 and 0'):
        paired_ratio([], [])


def _latency(backend, batch, t_total_rounds):
    rounds = dict(t_nn=[t * 0.9 for t in t_total_rounds],
                  t_dec=[0.01] * len(t_total_rounds),
                  t_total=list(t_total_rounds))
    medians = {k: sorted(v)[len(v) // 2] for k, v in rounds.items()}
    return dict(backend=backend, batch=batch, **medians, rounds=rounds,
                per_crop=medians['t_total'] / batch)


def _model(name, flops, ort_one, ort_many, rtmlib_many):
    return dict(model=name, weights='random (seed 0)', input_size=[192, 256],
                num_keypoints=21, params=1e6, flops=flops, checkpoint_mb=1.0,
                onnx_mb=1.0, pytorch_max_keypoint_diff=0.0,
                rtmlib_max_keypoint_diff=0.0,
                latency=[_latency('onnxruntime', 1, ort_one),
                         _latency('onnxruntime', 6, ort_many),
                         _latency('rtmlib', 6, rtmlib_many)])


def _report(models):
    return dict(
        machine=dict(date='d', platform='p', cpu='c',
                     torch='t', torch_threads=2, onnxruntime='o',
                     ort_threads='default', load_average_1min=0.0),
        setup=dict(image='generated', image_size=[960, 540], num_people=6,
                   warmup=0, repeats=5, calls=5, settle=0.05),
        models=models)


def _goal_row(markdown, name):
    table = markdown.split('## Goals')[1]
    return next(line for line in table.splitlines()
                if line.startswith(f'| {name} |'))


def test_goals_are_judged_on_ratios_paired_by_round():
    report = _report([
        # Batch 1: the two slow rounds would make the ratio of medians
        # 1.1 / 3.6 = 0.306 (not met); paired it is 0.278.
        _model('student', 1e9, [1.0, 3.0, 1.1, 1.0, 3.0], [6.0] * 5,
               [8.0] * 5),
        _model('teacher', 4e9, [3.6, 10.8, 3.6, 3.6, 10.8],
               [18.0, 20.0, 30.0, 18.0, 20.0], [9.0] * 5)])
    markdown = render_markdown(report)
    student = _goal_row(markdown, 'student').split(' | ')
    assert student[2] == '0.278x [0.278, 0.278] (met)'
    assert student[5] == '0.300x [0.300, 0.333] (met)'
    assert student[8] == '1.333x [1.333, 1.333] (met)'
    assert '1.000x (reference)' in _goal_row(markdown, 'teacher')
    assert 'pauses 50 ms and makes an untimed call' in markdown


def test_rtmlib_parity_counts_joints_past_a_pixel_beside_the_maximum():
    report = _report([
        _model('student', 1e9, [1.0] * 3, [6.0] * 3, [8.0] * 3),
        # a report written before the count: the maximum alone
        _model('teacher', 4e9, [3.6] * 3, [18.0] * 3, [9.0] * 3)])
    report['models'][0].update(rtmlib_max_keypoint_diff=16.2,
                               rtmlib_joints_over_1px=2, joints_compared=126)
    markdown = render_markdown(report)
    assert _goal_row(markdown, 'student').endswith(
        '| 16 (2 of 126 joints over 1 px) |')
    # 3 rounds: ratios without a range
    assert '| 0.278x [fewer than 5 rounds] (met) |' in _goal_row(
        markdown, 'student')
    assert _goal_row(markdown, 'teacher').endswith('| 0 |')
