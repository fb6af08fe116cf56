"""The distillation cost benchmark (tools/benchmark_distill.py) on tiny
models: what it measures and how it reports it, not how fast anything is."""

import pytest

from kd_bench.machine import cpu_description
from kd_bench.training_cost import format_costs, measure_training_cost
from mmpose_ext.datasets.pipelines import without_teacher_crops
from mmpose_ext.synthetic import generate_benchmark
from tiny_configs import tiny_distill_cfg
from tool_modules import load_tool


def test_student_pipeline_drops_the_teacher_steps(coco_mpii_root, tmp_path):
    cfg = tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [step['type'] for step in without_teacher_crops(pipeline)]
    assert 'TeacherCrops' not in types and 'PackDistillInputs' not in types
    assert types[-1] == 'PackPoseInputs'
    assert len(types) == len(pipeline) - 1


def test_cost_measures_all_three_trainings_and_pipelines(coco_mpii_root,
                                                         tmp_path):
    cfg = tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work'))
    cfg.model.update(teacher_dtype='float32', teacher_channels_last=False)
    result = measure_training_cost(cfg, batch_size=4, steps=1, warmup=0,
                                   cache_dir=str(tmp_path / 'cache'))
    for key in ('plain_img_s', 'distill_img_s', 'cached_img_s',
                'plain_data_img_s', 'distill_data_img_s'):
        assert result[key] > 0, key
    assert result['ratio'] == pytest.approx(
        result['plain_img_s'] / result['distill_img_s'])
    assert result['cached_ratio'] == pytest.approx(
        result['plain_img_s'] / result['cached_img_s'])
    assert result['teachers'] == ['coco', 'mpii']
    assert result['teacher_dtype'] == 'float32'
    text = format_costs({'tiny': result})
    assert f'One run on {cpu_description()}, ' in text
    assert '| tiny | coco, mpii (float32, NCHW) |' in text
    assert f'{result["ratio"]:.2f}x | {result["cached_img_s"]:.1f} | ' \
        f'{result["cached_ratio"]:.2f}x |' in text
    del result['cached_img_s'], result['cached_ratio']
    assert '| not measured | - |' in format_costs({'tiny': result})


def _benchmark_distill(argv):
    load_tool('benchmark_distill').main(argv)


def test_benchmark_distill_tool_writes_its_table(coco_mpii_root, tmp_path):
    """The tool on a tiny distillation config and a tiny synthetic set it
    points the config at: batch 2, one step, the cached row included."""
    config = str(tmp_path / 'tiny_distill.py')
    tiny_distill_cfg(str(coco_mpii_root), str(tmp_path / 'work')).dump(config)
    synthetic = tmp_path / 'synthetic'
    generate_benchmark(str(synthetic), num_train=2, num_val=1,
                       image_size=(96, 96))
    out = tmp_path / 'distill_cost.md'
    _benchmark_distill(['--config', config, '--data-root', str(synthetic),
                        '--batch-size', '2', '--steps', '1', '--no-fp32-row',
                        '--out', str(out)])
    text = out.read_text()
    assert '| tiny_distill.py | coco, mpii (' in text
    assert text.count('\n| tiny_distill') == 1
    assert 'not measured' not in text  # the cached step was timed too
