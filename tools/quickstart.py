"""The quick start: generate the synthetic benchmark, take the shipped
teachers and shared initialisation (or train them again), fine-tune the
union student three ways (labels only, distilled, oracle), evaluate all and
write results/quickstart/. Finished stages are reused when they were made
from the same settings (resolved config, iterations, seed, data,
checkpoints), else trained again.

With ``--teachers coco mpii crowdpose`` a CrowdPose-style teacher joins
(shipped as teachers/quickstart/crowdpose.pth; trained first only when that
file is absent, or with --train-teachers), the students train and are scored
on the CrowdPose style too, and the report goes to
results/quickstart_crowdpose/ (data: data/synthetic_crowdpose/).
"""
import argparse
import os.path as osp

from mmpose_ext.apis.arguments import positive_int, seed


def main(argv=None):
    parser = argparse.ArgumentParser(prog='quickstart.py',
                                     description=__doc__)
    parser.add_argument('--seeds', type=seed, nargs='+', default=[0],
                        help='training seeds (3 or more for the result '
                        'table with spread)')
    parser.add_argument('--num-train', type=positive_int, default=None,
                        help='training images per style')
    parser.add_argument('--num-val', type=positive_int, default=None,
                        help='validation images per style')
    parser.add_argument('--max-iters', type=positive_int, default=None,
                        help='iterations per student (default: configs)')
    parser.add_argument('--train-teachers', action='store_true',
                        help='train the teachers and the shared '
                        'initialisation again (25 to 45 minutes each on 2 '
                        'cores) and publish them to teachers/quickstart/ '
                        'instead of using the shipped ones')
    parser.add_argument('--only', nargs='+', default=[],
                        metavar='MODEL',
                        help='with --train-teachers: train and publish just '
                        'these (teacher_coco, teacher_mpii, student_init; '
                        'teacher_crowdpose with --teachers coco mpii '
                        'crowdpose) and stop, e.g. one per process')
    parser.add_argument('--pretrain-iters', type=positive_int, default=None,
                        help='iterations per pre-trained model trained '
                        '(with --train-teachers, and the CrowdPose-style '
                        'teacher; default: configs)')
    parser.add_argument('--teachers', nargs='+',
                        metavar='STYLE',
                        help='the styles whose teachers distil: coco mpii '
                        '(default) or coco mpii crowdpose (trains the '
                        'CrowdPose-style teacher unless crowdpose.pth is in '
                        'the pre-trained folder)')
    parser.add_argument('--out-dir', help='report folder (default: '
                        'results/quickstart, or results/quickstart_seeds '
                        'with several seeds)')
    parser.add_argument('--work-root', help='training runs folder')
    parser.add_argument('--data-root', help='synthetic benchmark folder')
    parser.add_argument('--fresh', action='store_true',
                        help='forget the finished stages this run would '
                        'reuse (its seeds\' students and its teachers\' '
                        'evaluations, or the pre-trained models it trains) '
                        'and run them again; other runs in --work-root stay')
    args = parser.parse_args(argv)
    if args.only and not args.train_teachers:
        parser.error('--only goes with --train-teachers')
    repeated = sorted({s for s in args.seeds if args.seeds.count(s) > 1})
    if repeated:
        parser.error(f'--seeds: {repeated} given more than once; each seed '
                     'is one run of every student, give each once')

    from kd_bench.quickstart import Quickstart, QuickstartSettings
    from kd_bench.quickstart.pipeline import (QuickstartError, check_folders,
                                              check_teachers)
    from kd_bench.quickstart.stages import DEFAULT_TEACHERS
    from mmpose_ext.apis import setup_env
    from mmpose_ext.apis.errors import exit_on_user_error
    from mmpose_ext.paths import REPO_ROOT
    given = dict(seeds=args.seeds, num_train=args.num_train,
                 num_val=args.num_val, max_iters=args.max_iters,
                 pretrain_iters=args.pretrain_iters,
                 out_dir=args.out_dir, work_root=args.work_root,
                 data_root=args.data_root)
    teachers = tuple(args.teachers or DEFAULT_TEACHERS)
    # another teacher set, other data and report (the work root is split
    # by the pipeline itself)
    extra = ''.join(f'_{t}' for t in teachers if t not in DEFAULT_TEACHERS)
    if args.out_dir is None:
        given['out_dir'] = osp.join(
            REPO_ROOT, 'results',
            'quickstart' + extra + ('_seeds' if len(args.seeds) > 1 else ''))
    if args.data_root is None and extra:
        given['data_root'] = osp.join(REPO_ROOT, 'data', 'synthetic' + extra)
    settings = QuickstartSettings(
        train_teachers=args.train_teachers, only=args.only,
        teachers=teachers,
        **{k: v for k, v in given.items() if v is not None})
    with exit_on_user_error('quickstart.py', QuickstartError):
        check_teachers(teachers)
        check_folders(settings)
        setup_env()
        quickstart = Quickstart(settings)
        if args.fresh:
            quickstart.forget()
        quickstart.run()


if __name__ == '__main__':
    main()
