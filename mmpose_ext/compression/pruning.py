"""Prune a student pose model by weight magnitude or by channels.

``magnitude``: global unstructured L1 pruning of every convolution and
linear weight through ``torch.nn.utils.prune``, made permanent. Zeros in
dense kernels still cost the same multiply-adds, so this shrinks the
*compressed* checkpoint, not the latency.

``channel``: structured L1 pruning of the backbone's and neck's channels with
``torch-pruning``'s dependency graph (DepGraph), so every layer that shares a
channel dimension (residuals, concatenations, channel attention, the head's
input) is cut consistently. The SimCC head keeps its joint count and bin
layout. Fewer channels mean fewer FLOPs, which is what cuts CPU latency.

Either way the result is an ordinary state dict plus ``meta.pruning``
(method, ratio, the layer widths, history of rounds);
:class:`.PrunedTopdownPoseEstimator` rebuilds the model from the config at
those widths.
"""
import io
import os
import os.path as osp
import warnings
import zlib
from typing import Dict, List, NamedTuple, Optional

import torch
from torch import nn
from torch.nn.modules.conv import _ConvNd
from torch.nn.utils import prune

from mmpose_ext.fileio import atomic_output, same_file
from .errors import CompressionError
from .pruned_estimator import PRUNING_META
from .widths import layer_widths, sync_head_channels

METHODS = ('magnitude', 'channel')
# zlib level of the "compressed size": what gzip/zip of the file gives.
COMPRESS_LEVEL = 6
# The parts of a top-down estimator whose channels ``channel`` cuts.
PRUNED_PARTS = ('backbone.', 'neck.')


def check_ratio(ratio) -> float:
    """``ratio`` (a number or its text) as a float strictly between 0 and 1.

    Raises:
        CompressionError: naming the value.
    """
    try:
        value = float(ratio)
    except (TypeError, ValueError):
        value = float('nan')
    if not 0 < value < 1:
        raise CompressionError(
            f'pruning ratio {ratio!r} is outside (0, 1): pass the fraction '
            'of weights (magnitude) or channels (channel) to remove, e.g. '
            '--ratio 0.25')
    return value


def check_method(method: str) -> str:
    """``method`` if it is one of :data:`METHODS`.

    Raises:
        CompressionError: naming the method and the choices.
    """
    if method not in METHODS:
        raise CompressionError(
            f'unknown pruning method {method!r}: choose one of '
            f'{", ".join(METHODS)}')
    return method


def check_round_to(round_to) -> Optional[int]:
    """``round_to`` (a number, its text or ``None``) as a positive int or
    ``None``.

    Raises:
        CompressionError: naming the value.
    """
    if round_to is None:
        return None
    try:
        value = int(round_to)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or str(value) != str(round_to).strip():
        raise CompressionError(
            f'--round-to {round_to!r} is not a positive whole number: pass '
            'the channel multiple each pruned layer keeps, e.g. --round-to 8')
    return value


def prunable_weights(model: nn.Module) -> List[nn.Module]:
    """Every convolution and linear layer (what magnitude pruning cuts)."""
    return [m for m in model.modules() if isinstance(m, (_ConvNd, nn.Linear))]


def weight_sparsity(model: nn.Module) -> float:
    """The fraction of exact zeros among the convolution and linear
    weights."""
    weights = [m.weight for m in prunable_weights(model)]
    zeros = sum(int((w == 0).sum()) for w in weights)
    return zeros / max(1, sum(w.numel() for w in weights))


def num_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def magnitude_prune(model: nn.Module, ratio: float) -> nn.Module:
    """Zero the ``ratio`` smallest-magnitude convolution and linear weights
    of the whole model (one global L1 threshold), permanently.

    Returns:
        nn.Module: ``model``, pruned in place, with plain ``weight``
        parameters (no masks or ``weight_orig`` left behind).
    """
    layers = prunable_weights(model)
    prune.global_unstructured([(m, 'weight') for m in layers],
                              pruning_method=prune.L1Unstructured,
                              amount=check_ratio(ratio))
    for layer in layers:
        prune.remove(layer, 'weight')
    return model


def _traced_network(model: nn.Module):
    """The estimator as one tensor-in, tensors-out module for tracing."""
    from mmpose_ext.inference.onnx_export import SimCCNetwork
    from mmpose_ext.inference.spec import PoseModelSpec
    spec = PoseModelSpec.from_config(model.cfg)
    network = SimCCNetwork(model, spec, normalize=False).eval()
    w, h = spec.input_size
    return network, torch.randn(1, 3, h, w)


def count_flops(model: nn.Module) -> int:
    """Multiply-accumulates of one crop through backbone, neck and head."""
    import torch_pruning as tp
    network, example = _traced_network(model)
    macs, _ = tp.utils.count_ops_and_params(network, example)
    return int(macs)


def channel_prune(model: nn.Module, ratio: float,
                  round_to: Optional[int] = None) -> nn.Module:
    """Remove ``ratio`` of the channels of every prunable group of the
    backbone and neck (lowest L1 norm first), with DepGraph keeping the
    dependent layers consistent; the head's layers are never pruned, only
    its input follows the backbone.

    Args:
        model (nn.Module): a top-down estimator with ``cfg`` set.
        ratio (float): fraction of channels to remove per group.
        round_to (int, optional): keep a multiple of this many channels in
            each group (CPU kernels work in blocks of 8 or 16 channels).

    Returns:
        nn.Module: ``model``, pruned in place.

    Raises:
        CompressionError: no channel was removed: every group would have
            kept none (torch-pruning then leaves it whole).
    """
    import torch_pruning as tp
    check_ratio(ratio)
    channels_before = pruned_part_channels(model)
    network, example = _traced_network(model)
    ignored = [m for name, m in model.named_modules()
               if isinstance(m, (_ConvNd, nn.Linear))
               and not name.startswith(PRUNED_PARTS)]
    with warnings.catch_warnings():
        # The head's unwrapped parameters (GAU scales) are named in a warning
        # although the head is ignored and never cut.
        warnings.simplefilter('ignore')
        pruner = tp.pruner.MetaPruner(
            network, example,
            importance=tp.importance.MagnitudeImportance(p=1),
            pruning_ratio=ratio, ignored_layers=ignored,
            round_to=check_round_to(round_to))
        pruner.step()
    if pruned_part_channels(model) == channels_before:
        rounding = f' kept in multiples of {round_to}' if round_to else ''
        raise CompressionError(
            f'channel pruning at ratio {ratio:g}{rounding} removed no '
            'channel: each group of the backbone and neck would have kept '
            'none, and torch-pruning leaves such a group whole. Give a '
            'smaller --ratio' + (' or --round-to' if round_to else ''))
    sync_head_channels(model)
    return model


def pruned_part_channels(model: nn.Module) -> int:
    """Output channels of the convolutions channel pruning may cut (the
    backbone's and the neck's)."""
    return sum(m.out_channels for name, m in model.named_modules()
               if isinstance(m, _ConvNd) and name.startswith(PRUNED_PARTS))


def compressed_size(state_dict: dict) -> int:
    """Bytes of ``state_dict`` saved with ``torch.save`` and then
    zlib-compressed (what a zip of the checkpoint file costs)."""
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    return len(zlib.compress(buffer.getvalue(), COMPRESS_LEVEL))


class PruneReport(NamedTuple):
    """What :func:`prune_checkpoint` did.

    Attributes:
        method (str), ratio (float): as asked.
        out_file (str): the pruned checkpoint.
        config_file (str): the config written next to it.
        params_before, params_after (int): parameter counts.
        flops_before, flops_after (int | None): multiply-accumulates per
            crop (``channel`` only).
        channels_before, channels_after (int): output channels of the
            backbone's and neck's convolutions.
        sparsity_before, sparsity_after (float): zero fraction of the
            convolution and linear weights.
        compressed_before, compressed_after (int): zlib-compressed bytes of
            the state dict.
        file_size (int): bytes of the written checkpoint.
        work_dir (str): where the written config fine-tunes without
            ``--work-dir``.
    """

    method: str
    ratio: float
    out_file: str
    config_file: str
    params_before: int
    params_after: int
    flops_before: Optional[int]
    flops_after: Optional[int]
    channels_before: int
    channels_after: int
    sparsity_before: float
    sparsity_after: float
    compressed_before: int
    compressed_after: int
    file_size: int
    work_dir: str


def config_chain(config: str) -> List[str]:
    """``config`` and every local config it inherits through ``_base_``
    (nearest first), as absolute paths; package configs (``pkg::...``) are
    left out, no file of ours reads a pruned checkpoint there."""
    from mmengine.config import Config
    chain, pending = [], [osp.abspath(config)]
    while pending:
        current = pending.pop(0)
        if current in chain or not osp.isfile(current):
            continue
        chain.append(current)
        pending += [osp.normpath(osp.join(osp.dirname(current), base))
                    for base in Config._get_base_files(current)
                    if '::' not in base]
    return chain


def pruned_checkpoint_of(cfg) -> Optional[str]:
    """The ``pruned_checkpoint`` a config's (student) model reads, if any."""
    model = cfg.get('model') or {}
    student = model.get('student') or {}
    return model.get('pruned_checkpoint') or student.get('pruned_checkpoint')


def pruned_checkpoints_read(chain: List[str]) -> Dict[str, str]:
    """``{real path: config}`` of the pruned checkpoint each config of
    ``chain`` (:func:`config_chain`) reads (paths relative to the working
    directory, as the runner opens them)."""
    from mmpose_ext.config_keys import read_config
    read = {}
    for chained in chain:
        pruned = pruned_checkpoint_of(read_config(chained))
        if pruned:
            read.setdefault(osp.realpath(pruned), chained)
    return read


def check_out_file(config: str, checkpoint: str, out_file: str) -> None:
    """Refuse an ``out_file`` (or the ``.py`` written next to it) that is a
    file this round reads: the checkpoint, a config of ``config``'s chain or
    a pruned checkpoint one of them reads. Fine-tuned checkpoints do not
    record their widths, so overwriting the pruned checkpoint they were
    fine-tuned from leaves them unloadable.

    Raises:
        CompressionError: naming the file, who reads it and where to write
            instead.
    """
    chain = config_chain(config)
    pruned = pruned_checkpoints_read(chain)
    folder, name = osp.split(out_file)
    next_round = f'round{len(pruned) + 1}'
    elsewhere = '--out ' + osp.join(
        f'{folder}-{next_round}' if folder else next_round, name)
    if same_file(out_file, checkpoint):
        raise CompressionError(
            f'--out {out_file!r} is the checkpoint being pruned: write the '
            f'pruned one elsewhere, e.g. {elsewhere}')
    for read_file, reader in pruned.items():
        if same_file(out_file, read_file):
            raise CompressionError(
                f'--out {out_file!r} is the pruned checkpoint {reader} reads '
                '(pruned_checkpoint); overwriting it would leave the '
                'checkpoints fine-tuned from it unloadable. Write this round '
                f'elsewhere, e.g. {elsewhere}, and fine-tune the pruned.py '
                'tools/prune.py writes next to it')
    config_file = out_file[:-len('.pth')] + '.py'
    for chained in chain:
        if same_file(config_file, chained):
            raise CompressionError(
                f'--out {out_file!r} would write its config over {chained}, '
                'the config being pruned or one it inherits: write this '
                f'round elsewhere, e.g. {elsewhere}')


def fine_tune_work_dir(out_file: str) -> str:
    """The default work dir of the config written for ``out_file``: a
    folder next to it, so that two pruned models never share one."""
    return osp.abspath(out_file)[:-len('.pth')] + '_finetune'


def pruned_config_text(config_file: str, out_file: str, is_distiller: bool,
                       pruning: dict, hook_types: List[str]) -> str:
    """A config that inherits ``config_file`` and rebuilds its (student)
    model at the widths of ``out_file``, fine-tuning into
    :func:`fine_tune_work_dir` unless ``--work-dir`` says otherwise; after
    magnitude pruning it also keeps the zeros while fine-tuning
    (:class:`.KeepSparsityHook`)."""
    # The checkpoint and work dir beside this config, wherever the two files
    # are moved together ({{fileDirname}}: MMEngine's, this file's folder).
    here = '{{fileDirname}}/'
    checkpoint = here + osp.basename(out_file)
    work_dir = here + osp.basename(fine_tune_work_dir(out_file))
    estimator = (f"dict(type='PrunedTopdownPoseEstimator', "
                 f"pruned_checkpoint={checkpoint!r})")
    model = f'dict(student={estimator})' if is_distiller else estimator
    rounds = pruning['history']
    text = (f'# Written by tools/prune.py: the model of {config_file}\n'
            f'# at the layer widths recorded in {osp.basename(out_file)} '
            f'(rounds: {", ".join(_round_name(r) for r in rounds)}).\n'
            '# Fine-tune: tools/train.py THIS_FILE; prune again: '
            'tools/prune.py THIS_FILE CHECKPOINT ...\n'
            f'_base_ = [{osp.abspath(config_file)!r}]\n'
            f'model = {model}\n'
            '# tools/train.py and tools/test.py without --work-dir:\n'
            f'work_dir = {work_dir!r}\n')
    if any(r['method'] == 'magnitude' for r in rounds) and \
            'KeepSparsityHook' not in hook_types:
        earlier = '_base_.custom_hooks + ' if hook_types else ''
        text += f"custom_hooks = {earlier}[dict(type='KeepSparsityHook')]\n"
    return text


def _round_name(pruning_round: dict) -> str:
    name = f"{pruning_round['method']} {pruning_round['ratio']:g}"
    if pruning_round.get('round_to'):
        name += f" to multiples of {pruning_round['round_to']}"
    return name


def prune_checkpoint(config: str, checkpoint: str, method: str, ratio: float,
                     out_file: str,
                     round_to: Optional[int] = None) -> PruneReport:
    """Prune the student of ``config``/``checkpoint`` and save it with its
    layer widths, plus a config next to it that rebuilds it.

    Args:
        config (str): student, distillation or pruned-fine-tune config.
        checkpoint (str): plain or distillation (``student.*``) checkpoint
            of that config's student.
        method (str): ``magnitude`` or ``channel``.
        ratio (float): fraction in (0, 1) of weights or channels to remove.
        out_file (str): the pruned checkpoint (``.pth``); the config goes to
            the same path with ``.py``. Neither may be a file this round
            reads.
        round_to (int, optional): ``channel`` only: each pruned layer keeps
            a multiple of this many channels.

    Returns:
        PruneReport: sizes, sparsity and the files written.

    Raises:
        CompressionError: bad method, ratio or ``round_to``,
            ``round_to`` given with ``magnitude``, or an ``out_file`` that
            this round reads (:func:`check_out_file`).
        CheckpointMismatchError: the checkpoint is of another architecture
            than the config's student.
        PrunedWidthsError: the config is a pruned one whose recorded widths
            do not fit it.
    """
    from mmpose_ext.apis import load_config
    from mmpose_ext.inference.model import DISTILLER_TYPES, init_pose_model
    check_method(method)
    ratio = check_ratio(ratio)
    round_to = check_round_to(round_to)
    if round_to is not None and method != 'channel':
        raise CompressionError(
            f'--round-to applies to --method channel, not {method!r}: drop '
            'it')
    if not out_file.endswith('.pth'):
        raise CompressionError(
            f'--out {out_file!r} must end in .pth (the config that rebuilds '
            'it is written next to it as .py)')
    cfg = load_config(config)
    check_out_file(config, checkpoint, out_file)
    is_distiller = cfg.model.get('type') in DISTILLER_TYPES
    model = init_pose_model(cfg, checkpoint, device='cpu')
    state = model.state_dict()
    before = dict(params=num_params(model), sparsity=weight_sparsity(model),
                  compressed=compressed_size(state),
                  channels=pruned_part_channels(model))
    flops_before = count_flops(model) if method == 'channel' else None
    if method == 'magnitude':
        magnitude_prune(model, ratio)
    else:
        channel_prune(model, ratio, round_to)
    flops_after = count_flops(model) if method == 'channel' else None
    earlier = getattr(model, 'pruning', None) or {}
    pruning = dict(
        method=method, ratio=ratio, round_to=round_to,
        widths=layer_widths(model),
        history=list(earlier.get('history', [])) + [dict(
            method=method, ratio=ratio, round_to=round_to,
            source_checkpoint=osp.basename(checkpoint))],
        source_config=osp.basename(config))
    meta = {PRUNING_META: pruning}
    if getattr(model, 'dataset_meta', None):
        meta['dataset_meta'] = model.dataset_meta
    state = model.state_dict()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with atomic_output(out_file) as tmp:
        torch.save(dict(state_dict=state, meta=meta), tmp)
    config_file = out_file[:-len('.pth')] + '.py'
    with atomic_output(config_file) as tmp:
        with open(tmp, 'w') as f:
            f.write(pruned_config_text(
                config, out_file, is_distiller, pruning,
                [h.get('type') for h in cfg.get('custom_hooks') or []]))
    return PruneReport(
        method, ratio, out_file, config_file, before['params'],
        num_params(model), flops_before, flops_after, before['channels'],
        pruned_part_channels(model), before['sparsity'],
        weight_sparsity(model), before['compressed'], compressed_size(state),
        osp.getsize(out_file), fine_tune_work_dir(out_file))

