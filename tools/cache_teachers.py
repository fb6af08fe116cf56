"""Run the teachers of a distillation config once over replayed views of its
training set and store their outputs, so training reads them instead.

Example::

    python tools/cache_teachers.py \
        configs/distill/rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192_cached.py \
        --views 10

The config's train dataset must be a ``ReplayDataset`` (with a
``ViewSampler``); the cache goes to the config's ``model.teacher_cache``
unless ``--out`` says otherwise. A killed run resumes at the view it was
writing.
"""
import argparse

from mmpose_ext.apis.arguments import (ConfigOptionsAction, non_negative_int,
                                       positive_int)

PROG = 'cache_teachers.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='distillation config')
    parser.add_argument('--views', type=positive_int, required=True,
                        help='augmented views of every sample to cache '
                        '(training epoch e replays view e %% views)')
    parser.add_argument('--out', help='cache folder (default: the config\'s '
                        'model.teacher_cache)')
    parser.add_argument('--topk', type=positive_int, default=64,
                        help='logits kept per joint and axis')
    parser.add_argument('--batch-size', type=positive_int, default=32)
    parser.add_argument('--num-workers', type=non_negative_int, default=0)
    parser.add_argument('--cfg-options', nargs='+',
                        action=ConfigOptionsAction,
                        help='override config keys, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    from mmpose.utils import register_all_modules

    from kd_bench.teacher_cache_writer import make_teacher_cache
    from mmpose_ext.apis import exit_on_user_error, load_config, setup_env
    from mmpose_ext.teacher_cache import TeacherCacheError
    register_all_modules(init_default_scope=True)
    setup_env()
    with exit_on_user_error(PROG):
        cfg = load_config(args.config, args.cfg_options)
        out = args.out or cfg.model.get('teacher_cache')
        if not out:
            raise TeacherCacheError(
                f'{args.config} sets no model.teacher_cache: give --out DIR')
        make_teacher_cache(cfg, out, args.views, topk=args.topk,
                           batch_size=args.batch_size,
                           num_workers=args.num_workers)
    print(f'teacher cache: {out}')
    note = views_note(cfg, args.views)
    if note:
        print(f'note: {note}')


def views_note(cfg, views: int):
    """What a cache of ``views`` views leaves out of, or adds to, the views
    the config's ``ViewSampler`` replays; ``None`` when they agree."""
    sampler = cfg.train_dataloader.get('sampler') or {}
    replayed = sampler.get('num_views')
    if replayed is None or views == replayed:
        return None
    if views < replayed:
        return (f'the config replays {replayed} views (epoch e draws view e '
                f'% {replayed}); {_views(views, replayed - 1)} not cached, '
                'so some epochs run the live teachers: cache them all with '
                f'--views {replayed} (the views made are kept)')
    return (f'the config replays {replayed} views: '
            f'{_views(replayed, views - 1)} cached but never read')


def _views(first: int, last: int) -> str:
    return f'view {first} is' if first == last else \
        f'views {first} to {last} are'


if __name__ == '__main__':
    main()
