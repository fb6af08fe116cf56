"""The quick start: generate the synthetic benchmark, train a COCO-style and
an MPII-style teacher, the union student without and with distillation,
evaluate all four and write results/quickstart/. Finished stages are reused.
"""
import argparse
import os.path as osp


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
                        help='iterations per training run (default: configs)')
    parser.add_argument('--out-dir', help='report folder (default: '
                        'results/quickstart, or results/quickstart_seeds '
                        'with several seeds)')
    parser.add_argument('--work-root', help='training runs folder')
    parser.add_argument('--data-root', help='synthetic benchmark folder')
    parser.add_argument('--fresh', action='store_true',
                        help='forget finished stages and train again')
    args = parser.parse_args(argv)

    from mmpose_ext.quickstart import Quickstart, QuickstartSettings
    from mmpose_ext.paths import REPO_ROOT
    from mmpose_ext.quickstart.pipeline import remove_previous
    given = dict(seeds=args.seeds, num_train=args.num_train,
                 num_val=args.num_val, max_iters=args.max_iters,
                 out_dir=args.out_dir, work_root=args.work_root,
                 data_root=args.data_root)
    if args.out_dir is None and len(args.seeds) > 1:
        given['out_dir'] = osp.join(REPO_ROOT, 'results', 'quickstart_seeds')
    settings = QuickstartSettings(
        **{k: v for k, v in given.items() if v is not None})
    if args.fresh:
        remove_previous(settings)
    Quickstart(settings).run()


if __name__ == '__main__':
    main()
