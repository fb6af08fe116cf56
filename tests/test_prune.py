"""Pruning a tiny union student: magnitude and channel, rebuilt from config +
recorded widths, fine-tuned with the distiller, exported, and bad input."""
import glob
import os
import os.path as osp
import shutil
from collections import Counter
from types import SimpleNamespace

import pytest
import torch
from mmpose.registry import MODELS
from torch import nn

from conftest import write_coco_mpii
from mmpose_ext import apis
from mmpose_ext.apis import load_config, run_train
from mmpose_ext.checkpoint import (CheckpointMismatchError, read_checkpoint,
                                   safe_torch_load)
from mmpose_ext.fileio import sha256_file
from mmpose_ext.compression import (CompressionError, PrunedWidthsError,
                                    channel_prune, layer_widths,
                                    prune_checkpoint, read_pruning_meta,
                                    weight_sparsity)
from mmpose_ext.inference.model import init_pose_model
from mmpose_ext.paths import REPO_ROOT
from tiny_configs import STUDENT_SIZE, tiny_distill_cfg
from tool_modules import exit_message, last_train_checkpoint, load_tool

RATIOS = dict(magnitude=0.5, channel=0.25)
# The stages' output convolutions of RTMPose-t's CSPNeXt (P5).
STAGE_OUTPUTS = ('backbone.stem.0.conv', 'backbone.stage1.1.final_conv.conv',
                 'backbone.stage2.1.final_conv.conv',
                 'backbone.stage3.1.final_conv.conv',
                 'backbone.stage4.2.final_conv.conv')


def _outputs(model, seed=0):
    torch.manual_seed(seed)
    inputs = torch.randn(2, 3, STUDENT_SIZE[1], STUDENT_SIZE[0])
    with torch.no_grad():
        return model(inputs, None, mode='tensor')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A tiny distillation config on test data, and its random student saved
    as a plain and as a distillation checkpoint."""
    root = tmp_path_factory.mktemp('prune')
    data = write_coco_mpii(root / 'data')
    config = str(root / 'distill.py')
    tiny_distill_cfg(str(data), str(root / 'work')).dump(config)
    torch.manual_seed(0)
    state = init_pose_model(config).state_dict()
    plain, distill = str(root / 'student.pth'), str(root / 'distill.pth')
    torch.save(dict(state_dict=state), plain)
    torch.save(dict(state_dict={
        **{f'student.{k}': v for k, v in state.items()},
        'projectors.coco.weight': torch.zeros(1)}), distill)
    return SimpleNamespace(root=root, data=data, config=config, plain=plain,
                           distill=distill)


@pytest.fixture(scope='module')
def pruned(tiny):
    """Each method's report, pruned from the plain checkpoint."""
    return {method: prune_checkpoint(
        tiny.config, tiny.plain, method, ratio,
        str(tiny.root / method / 'pruned.pth'))
        for method, ratio in RATIOS.items()}


def test_magnitude_pruning_zeroes_the_ratio_of_weights_in_place(
        tiny, pruned):
    report = pruned['magnitude']
    assert report.sparsity_before < 0.01
    assert report.sparsity_after == pytest.approx(0.5, abs=1e-3)
    assert report.params_after == report.params_before
    assert report.compressed_after < report.compressed_before
    model = init_pose_model(report.config_file, report.out_file)
    assert weight_sparsity(model) == pytest.approx(0.5, abs=1e-3)
    # permanent: plain weights, no masks or weight_orig in the checkpoint
    original = safe_torch_load(tiny.plain)['state_dict']
    assert set(read_checkpoint(report.out_file)['state_dict']) == \
        set(original)


def test_channel_pruning_cuts_the_ratio_of_backbone_channels(tiny, pruned):
    report = pruned['channel']
    before = layer_widths(init_pose_model(tiny.config))
    after = read_pruning_meta(report.out_file)['widths']
    for name in STAGE_OUTPUTS:
        assert after[name]['out_channels'] == \
            before[name]['out_channels'] * 3 // 4, name
    assert all(after[n]['out_channels'] <= before[n]['out_channels']
               for n in before if 'out_channels' in before[n])
    assert report.params_after < 0.8 * report.params_before
    assert report.flops_after < 0.8 * report.flops_before


def test_channel_pruning_keeps_the_head_but_its_input(tiny, pruned):
    before = layer_widths(init_pose_model(tiny.config))
    after = read_pruning_meta(pruned['channel'].out_file)['widths']
    final = dict(before['head.final_layer'], in_channels=after[
        STAGE_OUTPUTS[-1]]['out_channels'])
    assert after['head.final_layer'] == final
    assert after['head.final_layer']['out_channels'] == 21
    assert {n: w for n, w in after.items() if n.startswith('head.')
            and n != 'head.final_layer'} == \
        {n: w for n, w in before.items() if n.startswith('head.')
         and n != 'head.final_layer'}
    model = init_pose_model(pruned['channel'].config_file,
                            pruned['channel'].out_file)
    assert model.head.in_channels == final['in_channels']


def test_pruned_student_takes_the_int8_activation_swap(tiny, pruned):
    # configs/quantize/: the same --cfg-options swap the backbone's SiLU for
    # ReLU in the config tools/prune.py writes; the pruned weights still
    # load strictly
    report = pruned['channel']
    cfg = load_config(report.config_file)
    cfg.merge_from_dict({'model.student.backbone.act_cfg.type': 'ReLU'})
    model = init_pose_model(cfg, report.out_file)
    kinds = Counter(type(m) for m in model.backbone.modules())
    assert kinds[nn.SiLU] == 0 and kinds[nn.ReLU] > 0
    assert _outputs(model)[0].shape == _outputs(
        init_pose_model(report.config_file, report.out_file))[0].shape


def test_channel_pruning_rounds_each_cut_layer_to_round_to(tiny, capsys):
    out = str(tiny.root / 'round8' / 'pruned.pth')
    load_tool('prune').main([tiny.config, tiny.plain, '--method', 'channel',
                             '--ratio', '0.3', '--round-to', '8', '--out',
                             out])
    before = layer_widths(init_pose_model(tiny.config))
    pruning = read_pruning_meta(out)
    assert pruning['round_to'] == 8
    assert pruning['history'][-1]['round_to'] == 8
    with open(out[:-4] + '.py') as f:
        assert '(rounds: channel 0.3 to multiples of 8)' in f.read()
    after = pruning['widths']
    cut = [n for n in before if 'out_channels' in before[n]
           and after[n]['out_channels'] < before[n]['out_channels']]
    assert cut  # e.g. 0.3 of a stage's 96 channels without rounding: 68
    for name in cut:
        assert after[name]['out_channels'] % 8 == 0, (name, after[name])
    # the rebuilt model runs with the head's output shapes
    original = _outputs(init_pose_model(tiny.config, tiny.plain))
    outputs = _outputs(init_pose_model(out[:-4] + '.py', out))
    assert [o.shape for o in outputs] == [o.shape for o in original]


def test_channel_pruning_that_removes_nothing_is_refused(tiny, capsys):
    """Every group would keep no channel (here rounding to more channels
    than a layer has; on the quick start's t, --ratio 0.99 too):
    torch-pruning leaves them all whole."""
    out = tiny.root / 'nothing' / 'pruned.pth'
    err = exit_message(capsys, load_tool('prune').main, [
        tiny.config, tiny.plain, '--method', 'channel', '--ratio', '0.3',
        '--round-to', '1024', '--out', str(out)])
    assert err == ('prune.py: error: channel pruning at ratio 0.3 kept in '
                   'multiples of 1024 removed no channel: each group of the '
                   'backbone and neck would have kept none, and '
                   'torch-pruning leaves such a group whole. Give a smaller '
                   '--ratio or --round-to')
    assert not osp.exists(out.parent)


def test_prune_cli_prints_the_channels_it_removed(tiny, pruned, capsys):
    load_tool('prune').main([tiny.config, tiny.plain, '--method', 'channel',
                             '--ratio', '0.25', '--out',
                             str(tiny.root / 'channels' / 'pruned.pth')])
    report = pruned['channel']
    removed = 1 - report.channels_after / report.channels_before
    assert 0.2 < removed < 0.3
    assert (f'backbone and neck channels {report.channels_before:,} -> '
            f'{report.channels_after:,} ({removed:.0%} removed)'
            ) in capsys.readouterr().out


@pytest.mark.parametrize('method,round_to,message', [
    ('channel', '0', "--round-to '0' is not a positive whole number"),
    ('channel', '2.5', "--round-to '2.5' is not a positive whole number"),
    ('magnitude', '8', "--round-to applies to --method channel, not "
     "'magnitude'")])
def test_bad_round_to_is_refused(tiny, method, round_to, message, capsys):
    err = exit_message(capsys, load_tool('prune').main, [
        tiny.config, tiny.plain, '--method', method, '--ratio', '0.3',
        '--round-to', round_to, '--out', str(tiny.root / 'never.pth')])
    assert message in err
    assert not osp.exists(tiny.root / 'never.pth')


@pytest.mark.parametrize('method', list(RATIOS))
def test_pruned_model_forward_keeps_the_output_shapes(tiny, pruned, method):
    report = pruned[method]
    original = _outputs(init_pose_model(tiny.config, tiny.plain))
    outputs = _outputs(init_pose_model(report.config_file, report.out_file))
    assert [o.shape for o in outputs] == [o.shape for o in original]
    assert all(torch.isfinite(o).all() for o in outputs)


def test_pruned_checkpoint_reloads_the_pruned_network_exactly(tiny, pruned):
    # The file holds tensors and plain meta only: the safe loader reads it.
    checkpoint = safe_torch_load(pruned['channel'].out_file)
    assert checkpoint['meta']['pruning']['method'] == 'channel'
    in_memory = channel_prune(init_pose_model(tiny.config, tiny.plain),
                              RATIOS['channel'])
    reloaded = init_pose_model(pruned['channel'].config_file,
                               pruned['channel'].out_file)
    assert layer_widths(reloaded) == layer_widths(in_memory)
    for ours, theirs in zip(_outputs(reloaded), _outputs(in_memory)):
        torch.testing.assert_close(ours, theirs)


def _trained_on(report, path) -> dict:
    """Saves to ``path``, and returns, weights of ``report``'s pruned
    network that differ from the pruned checkpoint's (each float one + 1),
    as a checkpoint trained on from it would."""
    trained = {k: v + 1 if v.is_floating_point() else v
               for k, v in init_pose_model(
                   report.config_file, report.out_file).state_dict().items()}
    torch.save(dict(state_dict=trained), path)
    return trained


def test_pruned_student_starts_from_init_checkpoint_at_the_pruned_widths(
        tiny, pruned, tmp_path):
    # e.g. the pruned network trained on under its own config, then
    # distilled: widths from pruned_checkpoint, weights from init_checkpoint
    report = pruned['channel']
    cfg = load_config(report.config_file).model.student
    trained = _trained_on(report, tmp_path / 'trained.pth')
    student = MODELS.build(
        dict(cfg, init_checkpoint=str(tmp_path / 'trained.pth')))
    student.init_weights()
    for key, value in student.state_dict().items():
        torch.testing.assert_close(value, trained[key])
    # an unpruned checkpoint does not fit the pruned widths
    student = MODELS.build(dict(cfg, init_checkpoint=tiny.plain))
    with pytest.raises(CheckpointMismatchError, match='shape'):
        student.init_weights()


def test_runner_starts_the_pruned_student_from_init_checkpoint(
        tiny, pruned, tmp_path):
    # as tools/train.py does: the runner's own init_weights, then training
    # (at learning rate 0, so the parameters stay where they started)
    report = pruned['channel']
    trained = _trained_on(report, tmp_path / 'trained.pth')
    cfg = load_config(report.config_file)
    cfg.model.student.init_checkpoint = str(tmp_path / 'trained.pth')
    cfg.optim_wrapper.optimizer.lr = 0
    cfg.work_dir = str(tmp_path / 'work')
    runner = run_train(cfg)
    for key, value in runner.model.student.named_parameters():
        torch.testing.assert_close(value.detach(), trained[key])


def test_distillation_checkpoint_prunes_like_its_student(tiny, pruned):
    report = prune_checkpoint(tiny.config, tiny.distill, 'channel',
                              RATIOS['channel'],
                              str(tiny.root / 'from_distill.pth'))
    assert read_pruning_meta(report.out_file)['widths'] == \
        read_pruning_meta(pruned['channel'].out_file)['widths']


def _fine_tune(config_file, work_dir):
    cfg = load_config(config_file)
    cfg.work_dir = str(work_dir)
    return run_train(cfg)


def test_channel_pruned_student_fine_tunes_with_the_distiller_and_prunes_again(
        tiny, pruned):
    report = pruned['channel']
    assert load_config(report.config_file).model.type == \
        'MultiTeacherDistiller'
    runner = _fine_tune(report.config_file, tiny.root / 'ft_channel')
    assert runner.iter > 0
    tuned = osp.join(runner.work_dir, 'epoch_1.pth')
    start = safe_torch_load(report.out_file)['state_dict']
    end = safe_torch_load(tuned)['state_dict']
    assert any(not torch.equal(v, end[f'student.{k}'])
               for k, v in start.items() if k.startswith('backbone'))
    # round 2: the fine-tuned distillation checkpoint under the pruned config
    second = prune_checkpoint(report.config_file, tuned, 'channel', 0.25,
                              str(tiny.root / 'round2' / 'pruned.pth'))
    widths = read_pruning_meta(second.out_file)
    assert [r['method'] for r in widths['history']] == ['channel', 'channel']
    stem = widths['widths'][STAGE_OUTPUTS[0]]['out_channels']
    assert stem == int(9 * (1 - 0.25))  # torch-pruning keeps floor(n(1-r))
    assert [o.shape for o in _outputs(init_pose_model(
        second.config_file, second.out_file))] == \
        [o.shape for o in _outputs(init_pose_model(tiny.config))]


def test_magnitude_pruned_student_keeps_its_zeros_while_fine_tuning(
        tiny, pruned):
    report = pruned['magnitude']
    hooks = [h['type'] for h in load_config(report.config_file).custom_hooks]
    assert 'KeepSparsityHook' in hooks
    runner = _fine_tune(report.config_file, tiny.root / 'ft_magnitude')
    tuned = init_pose_model(report.config_file,
                            osp.join(runner.work_dir, 'epoch_1.pth'))
    assert weight_sparsity(tuned) >= 0.5 - 1e-3


def test_test_py_evaluates_a_pruned_checkpoint_with_the_config_prune_wrote(
        pruned, tmp_path):
    # pruned.pth holds the student's weights, pruned.py the distiller
    report = pruned['channel']
    work = tmp_path / 'test'
    load_tool('test').main([report.config_file, report.out_file,
                            '--work-dir', str(work)])
    assert glob.glob(str(work / '*' / '*.json'))  # the metrics


def test_pruned_student_exports_to_onnx(pruned, tmp_path):
    from mmpose_ext.inference.onnx_export import export_student
    from mmpose_ext.inference.sample_images import astronaut
    report = pruned['channel']
    exported = export_student(report.config_file, report.out_file,
                              str(tmp_path / 'pruned.onnx'),
                              images=[astronaut()])
    assert exported.max_abs_diff_real < 1e-4


def test_prune_cli_prints_sparsity_compressed_size_and_latency_caveat(
        tiny, capsys):
    out = str(tiny.root / 'cli' / 'pruned.pth')
    load_tool('prune').main([tiny.config, tiny.plain, '--method', 'magnitude',
                         '--ratio', '0.2', '--out', out])
    printed = capsys.readouterr().out
    assert 'weight sparsity 0.0% -> 20.0%' in printed
    assert 'compressed (zlib)' in printed
    assert 'latency is unchanged' in printed
    assert osp.isfile(out) and osp.isfile(out[:-4] + '.py')


@pytest.mark.parametrize('ratio', ['0', '1', '-0.5', '1.5', 'half'])
def test_ratio_outside_zero_one_is_refused(tiny, ratio, capsys):
    err = exit_message(capsys, load_tool('prune').main, [
        tiny.config, tiny.plain, '--method', 'channel', '--ratio', ratio,
        '--out', str(tiny.root / 'never.pth')])
    assert f"pruning ratio '{ratio}' is outside (0, 1)" in err
    with pytest.raises(CompressionError, match='outside'):
        prune_checkpoint(tiny.config, tiny.plain, 'channel', 1.0,
                         str(tiny.root / 'never.pth'))
    assert not osp.exists(tiny.root / 'never.pth')


def test_unknown_method_is_refused(tiny, capsys):
    err = exit_message(capsys, load_tool('prune').main, [
        tiny.config, tiny.plain, '--method', 'lottery', '--ratio', '0.5',
        '--out', str(tiny.root / 'never.pth')])
    assert "unknown pruning method 'lottery'" in err
    with pytest.raises(CompressionError, match="unknown pruning method "
                       "'lottery': choose one of magnitude, channel"):
        prune_checkpoint(tiny.config, tiny.plain, 'lottery', 0.5,
                         str(tiny.root / 'never.pth'))


def test_checkpoint_of_another_architecture_is_refused(
        tiny, student_checkpoints, capsys):
    # a full-size RTMPose-t (256x192 head) for the tiny 64x64 config
    err = exit_message(capsys, load_tool('prune').main, [
        tiny.config, student_checkpoints['plain'], '--method', 'channel',
        '--ratio', '0.5', '--out', str(tiny.root / 'never.pth')])
    assert 'does not fit the model' in err and 'head.' in err
    with pytest.raises(CheckpointMismatchError):
        prune_checkpoint(tiny.config, student_checkpoints['plain'],
                         'magnitude', 0.5, str(tiny.root / 'never.pth'))


def test_pruned_widths_that_do_not_fit_the_config_are_refused(
        tiny, pruned, tmp_path, capsys):
    # the channel-pruned t widths under the RTMPose-s tiny student
    cfg = load_config(pruned['channel'].config_file)
    cfg.model.student.backbone.update(deepen_factor=0.33, widen_factor=0.5)
    config = str(tmp_path / 'other.py')
    cfg.dump(config)
    with pytest.raises(PrunedWidthsError, match='do not fit the model'):
        init_pose_model(config)
    err = exit_message(capsys, load_tool('export_onnx').main, [
        config, pruned['channel'].out_file, str(tmp_path / 'x.onnx')])
    assert 'do not fit the model of the config' in err
    assert 'layers of the config with no recorded widths' in err  # deeper
    assert 'tools/prune.py writes it next to the pruned checkpoint' in err


def test_pruned_widths_fit_the_same_config_with_sync_batchnorm(
        pruned, tmp_path):
    # The real configs train with SyncBN, which inference turns into
    # _BatchNormXd: both are the batch norms the widths were recorded for.
    cfg = load_config(pruned['channel'].config_file)
    cfg.model.student.backbone.norm_cfg = dict(type='SyncBN')
    config = str(tmp_path / 'sync_bn.py')
    cfg.dump(config)
    model = init_pose_model(config, pruned['channel'].out_file)
    assert layer_widths(model) == read_pruning_meta(
        pruned['channel'].out_file)['widths']


def test_unpruned_checkpoint_as_pruned_checkpoint_is_refused(tiny, tmp_path):
    cfg = load_config(tiny.config)
    cfg.model.student.update(type='PrunedTopdownPoseEstimator',
                             pruned_checkpoint=tiny.plain)
    config = str(tmp_path / 'not_pruned.py')
    cfg.dump(config)
    with pytest.raises(PrunedWidthsError, match='records no layer widths'):
        init_pose_model(config)


@pytest.mark.parametrize('config', [
    'prune/distill_rtmpose-t-pruned_quickstart_synthetic-coco-mpii-64x48.py',
    'prune/distill_rtmpose-s-pruned_quickstart_synthetic-coco-mpii-64x48.py',
    'prune/distill_rtmpose-s-init-pruned_quickstart_synthetic-coco-mpii-'
    '64x48.py',
    'prune/rtmpose-t-pruned_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py',
    'prune/rtmpose-s-pruned_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py'
])
def test_prune_configs_fine_tune_a_pruned_student_with_the_distiller(config):
    cfg = load_config(osp.join(REPO_ROOT, 'configs', config))
    assert cfg.model.type == 'MultiTeacherDistiller'
    assert cfg.model.student.type == 'PrunedTopdownPoseEstimator'
    assert cfg.model.student.pruned_checkpoint.startswith('work_dirs/prune/')
    assert 'KeepSparsityHook' in [h['type'] for h in cfg.custom_hooks]


def _prune_config(name):
    return osp.join(REPO_ROOT, 'configs', 'prune',
                    f'{name}_quickstart_synthetic-coco-mpii-64x48.py')


def test_s_init_configs_chain_prune_early_then_distill(tmp_path):
    """The s-against-t recipe: the s initialisation's first quarter, pruned
    with tools/prune.py, trains on as rtmpose-s-init-pruned_... for the rest
    of its iterations, then distils from that config's last checkpoint at
    the pruned widths; the unpruned s distils from the whole
    initialisation's."""
    init_file, part1_file, rest_file = (
        _prune_config(name) for name in ('rtmpose-s-init',
                                         'rtmpose-s-init-part1',
                                         'rtmpose-s-init-pruned'))
    init, part1, rest = map(load_config, (init_file, part1_file, rest_file))
    # part 1 is the initialisation's run cut short: same schedule
    assert part1.param_scheduler == init.param_scheduler
    assert part1.train_cfg.max_iters + rest.train_cfg.max_iters == \
        init.train_cfg.max_iters

    torch.manual_seed(0)
    checkpoint = str(tmp_path / 'part1.pth')
    torch.save(dict(state_dict=init_pose_model(part1_file).state_dict()),
               checkpoint)
    report = prune_checkpoint(part1_file, checkpoint, 'channel', 0.3,
                              str(tmp_path / 'pruned.pth'), round_to=16)
    assert report.flops_after < 0.7 * report.flops_before
    rest.model.pruned_checkpoint = report.out_file
    trained = MODELS.build(rest.model)
    trained.init_weights()
    assert layer_widths(trained) == read_pruning_meta(
        report.out_file)['widths']
    torch.save(dict(state_dict=trained.state_dict()),
               tmp_path / 'rest.pth')

    distill = load_config(_prune_config('distill_rtmpose-s-init-pruned'))
    assert distill.model.student.init_checkpoint == last_train_checkpoint(
        rest_file)
    assert distill.model.student.pruned_checkpoint == \
        load_config(rest_file).model.pruned_checkpoint
    assert distill.train_cfg.max_iters == init.qs_student_iters
    distill.model.student.update(pruned_checkpoint=report.out_file,
                                 init_checkpoint=str(tmp_path / 'rest.pth'))
    student = MODELS.build(distill.model.student)
    student.init_weights()
    for key, value in student.state_dict().items():
        torch.testing.assert_close(value, trained.state_dict()[key])

    unpruned = load_config(_prune_config('distill_rtmpose-s-init'))
    assert {k: v.shape for k, v in MODELS.build(
        unpruned.model.student).state_dict().items()} == {
            k: v.shape for k, v in init_pose_model(
                init_file).state_dict().items()}
    assert unpruned.model.student.init_cfg.checkpoint == \
        last_train_checkpoint(init_file)


def _fine_tuned_stand_in(report, path):
    """A checkpoint that loads under ``report``'s config, as one fine-tuned
    from it would (the pruned weights themselves, copied)."""
    shutil.copy(report.out_file, path)
    return str(path)


def test_prune_refuses_an_out_that_its_config_reads(pruned, tmp_path,
                                                    capsys):
    # round 2 over round 1's pruned.pth would leave the checkpoints
    # fine-tuned from it unloadable (they do not record the widths)
    report = pruned['channel']
    tuned = _fine_tuned_stand_in(report, tmp_path / 'iter_6.pth')
    kept = sha256_file(report.out_file), sha256_file(report.config_file)
    err = exit_message(capsys, load_tool('prune').main, [
        report.config_file, tuned, '--method', 'channel', '--ratio', '0.25',
        '--out', report.out_file])
    assert f'--out {report.out_file!r} is the pruned checkpoint ' \
        f'{report.config_file} reads' in err
    assert f'elsewhere, e.g. --out {osp.dirname(report.out_file)}-round2/' \
        'pruned.pth' in err
    assert (sha256_file(report.out_file),
            sha256_file(report.config_file)) == kept


def test_prune_refuses_an_out_that_an_inherited_config_reads(
        tiny, pruned, tmp_path, monkeypatch, capsys):
    # a configs/prune/-style round-1 config (a relative pruned_checkpoint),
    # pruned again into round2/; round 3 may not overwrite round 1's file
    monkeypatch.chdir(tiny.root)
    round1 = str(tmp_path / 'round1.py')
    with open(round1, 'w') as f:
        f.write(f"_base_ = [{tiny.config!r}]\n"
                "model = dict(student=dict(type='PrunedTopdownPoseEstimator',"
                " pruned_checkpoint='channel/pruned.pth'))\n")
    second = prune_checkpoint(
        round1, _fine_tuned_stand_in(pruned['channel'], tmp_path / 'ft1.pth'),
        'channel', 0.25, str(tmp_path / 'round2' / 'pruned.pth'))
    kept = sha256_file(pruned['channel'].out_file)
    err = exit_message(capsys, load_tool('prune').main, [
        second.config_file,
        _fine_tuned_stand_in(second, tmp_path / 'ft2.pth'), '--method',
        'channel', '--ratio', '0.25', '--out', 'channel/pruned.pth'])
    assert f"is the pruned checkpoint {round1} reads" in err
    assert sha256_file(pruned['channel'].out_file) == kept


def test_prune_refuses_to_overwrite_the_checkpoint_it_prunes(tiny, tmp_path,
                                                             capsys):
    checkpoint = shutil.copy(tiny.plain, tmp_path / 'student.pth')
    err = exit_message(capsys, load_tool('prune').main, [
        tiny.config, str(checkpoint), '--method', 'magnitude', '--ratio',
        '0.2', '--out', str(checkpoint)])
    assert 'is the checkpoint being pruned' in err
    assert sha256_file(checkpoint) == sha256_file(tiny.plain)
    assert not osp.exists(tmp_path / 'student.py')


def test_prune_refuses_an_out_whose_config_would_replace_the_pruned_one(
        tiny, tmp_path, capsys):
    config = shutil.copy(tiny.config, tmp_path / 'student.py')
    kept = sha256_file(config)
    err = exit_message(capsys, load_tool('prune').main, [
        str(config), tiny.plain, '--method', 'magnitude', '--ratio', '0.2',
        '--out', str(tmp_path / 'student.pth')])
    assert f'would write its config over {config}' in err
    assert sha256_file(config) == kept
    assert not osp.exists(tmp_path / 'student.pth')


def test_a_pruned_pair_moved_together_loads_where_it_is(tiny, pruned,
                                                        tmp_path):
    """The written config names its checkpoint and work dir relative to
    itself: the two files work from any folder they are moved to."""
    report = pruned['channel']
    moved = tmp_path / 'moved'
    moved.mkdir()
    for path in (report.out_file, report.config_file):
        shutil.copy(path, moved)
    config, checkpoint = str(moved / 'pruned.py'), str(moved / 'pruned.pth')
    os.rename(report.out_file, report.out_file + '.away')
    try:
        model = init_pose_model(config, checkpoint)
    finally:
        os.rename(report.out_file + '.away', report.out_file)
    assert layer_widths(model) == read_pruning_meta(checkpoint)['widths']
    assert apis.train_cfg(config).work_dir == str(moved / 'pruned_finetune')


def test_written_configs_fine_tune_into_a_work_dir_next_to_their_checkpoint(
        pruned, tmp_path):
    # tools/train.py PRUNED.py without --work-dir: one folder per pruned
    # checkpoint (all were named pruned.py and shared work_dirs/pruned/)
    work_dirs = {method: apis.train_cfg(report.config_file).work_dir
                 for method, report in pruned.items()}
    assert work_dirs == {
        method: osp.abspath(report.out_file)[:-len('.pth')] + '_finetune'
        for method, report in pruned.items()}
    assert apis.train_cfg(pruned['channel'].config_file,
                          work_dir=str(tmp_path)).work_dir == str(tmp_path)


@pytest.mark.parametrize('name, cut', [
    ('prune/rtmpose-s-init-part1', (3750, 15000)),
    ('prune/rtmpose-s-init-pruned', None),
    ('quickstart/distill_rtmpose-t', None)])
def test_prune_tool_notes_a_config_that_stops_before_its_schedule(name, cut):
    """Its pruned.py would fine-tune the first part of the learning-rate
    schedule only (the prune-early recipe's part 1: 3750 of 15000)."""
    config = osp.join(REPO_ROOT, 'configs',
                      f'{name}_quickstart_synthetic-coco-mpii-64x48.py')
    assert load_tool('prune')._cut_schedule(config) == cut
