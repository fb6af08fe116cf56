"""Prune a student pose model: global magnitude (L1) or structured channels.

Writes PRUNED (.pth: weights plus the layer widths in meta.pruning) and next
to it PRUNED with .py: a config that rebuilds the pruned model from CONFIG
and fine-tunes into PRUNED with _finetune/ unless --work-dir says otherwise.
Fine-tune it with tools/train.py on that config (or a configs/prune/ one);
prune again by passing that config and the fine-tuned checkpoint, with an
--out of its own: the fine-tuned checkpoints do not record their widths, so
an --out that CONFIG (or a config it inherits) reads is refused.
"""
import argparse
import warnings

PROG = 'prune.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n')[0])
    parser.add_argument('config',
                        help='student, distillation or pruned config')
    parser.add_argument('checkpoint',
                        help='plain or distillation checkpoint (.pth)')
    # --method and --ratio are checked by prune_checkpoint, so a bad value
    # stops with one line that says what is wrong, not with the usage.
    parser.add_argument('--method', required=True,
                        metavar='{magnitude,channel}',
                        help='magnitude: zero weights (smaller zip, same '
                        'latency); channel: remove channels (fewer FLOPs)')
    parser.add_argument('--ratio', required=True,
                        help='fraction in (0, 1) of weights (of all) or '
                        'channels (of each group of coupled layers; a group '
                        'that would keep none is left whole) to remove')
    parser.add_argument('--round-to', metavar='N',
                        help='channel only: keep a multiple of N channels '
                        'in each pruned layer (8 or 16 suit CPU kernels)')
    parser.add_argument('--out', required=True,
                        help='the pruned checkpoint to write (.pth); not one '
                        'that CONFIG reads')
    return parser.parse_args(argv)


def _mib(n: int) -> str:
    return f'{n / 2**20:.2f} MiB'


def main(argv=None) -> None:
    args = parse_args(argv)
    warnings.filterwarnings('ignore', category=FutureWarning)
    from mmpose_ext.apis import exit_on_user_error
    from mmpose_ext.compression import prune_checkpoint
    with exit_on_user_error(PROG):
        r = prune_checkpoint(args.config, args.checkpoint, args.method,
                             args.ratio, args.out, args.round_to)
    print(f'{r.method} pruning {r.ratio:g}: wrote {r.out_file} '
          f'({_mib(r.file_size)}) and {r.config_file}')
    print(f'params {r.params_before:,} -> {r.params_after:,}; weight '
          f'sparsity {r.sparsity_before:.1%} -> {r.sparsity_after:.1%}; '
          f'compressed (zlib) {_mib(r.compressed_before)} -> '
          f'{_mib(r.compressed_after)}')
    if r.method == 'magnitude':
        print('note: zeroed weights shrink the compressed file only; dense '
              'kernels cost the same, so latency is unchanged')
    else:
        removed = 1 - r.channels_after / r.channels_before
        print(f'backbone and neck channels {r.channels_before:,} -> '
              f'{r.channels_after:,} ({removed:.0%} removed); MACs per crop '
              f'{r.flops_before:,} -> {r.flops_after:,} '
              f'({r.flops_after / r.flops_before:.2f}x)')
    print(f'fine-tune: tools/train.py {r.config_file} (checkpoints go to '
          f'{r.work_dir} unless --work-dir)')
    cut = _cut_schedule(args.config)
    if cut:
        print(f'note: {args.config} trains {cut[0]} of a learning-rate '
              f'schedule {cut[1]} long (the first part of a longer run), and '
              'so will the written config: to train the rest, fine-tune with '
              'a config that does (for the prune-early recipe, '
              'configs/prune/rtmpose-s-init-pruned_...)')


def _cut_schedule(config: str):
    """``(length, scheduler end)`` when ``config`` stops before one of its
    learning-rate schedulers (counted as it counts its length) ends."""
    from mmpose_ext.apis import load_config
    cfg = load_config(config)
    by_epoch = cfg.train_cfg.get('by_epoch', False)
    length = cfg.train_cfg.get('max_epochs' if by_epoch else 'max_iters')
    ends = [step['end'] for step in cfg.get('param_scheduler') or []
            if step.get('by_epoch', True) == by_epoch and 'end' in step]
    if length and ends and max(ends) > length:
        return length, max(ends)
    return None


if __name__ == '__main__':
    main()
