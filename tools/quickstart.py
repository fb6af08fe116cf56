"""The quick start: generate the synthetic benchmark, take the shipped
teachers and shared initialisation (or train them again), fine-tune the
union student three ways (labels only, distilled, oracle), evaluate all and
write results/quickstart/. Finished stages are reused.
"""
import argparse
import os.path as osp
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='training seeds (3 or more for the result '
                        'table with spread)')
    parser.add_argument('--num-train', type=int, default=None,
                        help='training images per style')
    parser.add_argument('--num-val', type=int, default=None,
                        help='validation images per style')
    parser.add_argument('--max-iters', type=int, default=None,
                        help='iterations per student (default: configs)')
    parser.add_argument('--train-teachers', action='store_true',
                        help='train the teachers and the shared '
                        'initialisation again (about 45 minutes on 2 cores) '
                        'and publish them to teachers/quickstart/ instead '
                        'of using the shipped ones')
    parser.add_argument('--only', nargs='+', default=[],
                        metavar='MODEL',
                        help='with --train-teachers: train just these '
                        '(teacher_coco, teacher_mpii, student_init) and '
                        'stop, e.g. one per process; naming all three also '
                        'publishes them')
    parser.add_argument('--pretrain-iters', type=int, default=None,
                        help='with --train-teachers: iterations per '
                        'pre-trained model (default: configs)')
    parser.add_argument('--out-dir', help='report folder (default: '
                        'results/quickstart, or results/quickstart_seeds '
                        'with several seeds)')
    parser.add_argument('--work-root', help='training runs folder')
    parser.add_argument('--data-root', help='synthetic benchmark folder')
    parser.add_argument('--fresh', action='store_true',
                        help='forget finished stages and train again')
    args = parser.parse_args(argv)
    if args.only and not args.train_teachers:
        parser.error('--only goes with --train-teachers')

    from kd_bench.quickstart import Quickstart, QuickstartSettings
    from kd_bench.quickstart.pipeline import QuickstartError, remove_previous
    from mmpose_ext.apis import setup_env
    from mmpose_ext.paths import REPO_ROOT
    given = dict(seeds=args.seeds, num_train=args.num_train,
                 num_val=args.num_val, max_iters=args.max_iters,
                 pretrain_iters=args.pretrain_iters,
                 out_dir=args.out_dir, work_root=args.work_root,
                 data_root=args.data_root)
    if args.out_dir is None and len(args.seeds) > 1:
        given['out_dir'] = osp.join(REPO_ROOT, 'results', 'quickstart_seeds')
    settings = QuickstartSettings(
        train_teachers=args.train_teachers, only=args.only,
        **{k: v for k, v in given.items() if v is not None})
    setup_env()
    if args.fresh:
        remove_previous(settings)
    try:
        Quickstart(settings).run()
    except QuickstartError as err:
        print(f'quickstart.py: error: {err}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
