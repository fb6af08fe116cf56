"""Evaluate a checkpoint: COCO AP and MPII PCKh from one union model."""
import argparse
import os

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument('--out', help='dump predictions to this pickle file')
    parser.add_argument('--show-dir',
                        help='save visualised results in this folder')
    parser.add_argument('--show', action='store_true',
                        help='display results in a window')
    parser.add_argument('--interval', type=int, default=1,
                        help='visualise every n-th sample')
    parser.add_argument('--wait-time', type=float, default=1,
                        help='seconds each window is shown')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(argv=None):
    args = parse_args(argv)
    from mmpose_ext.apis import exit_on_user_error, run_test, test_cfg
    with exit_on_user_error('test.py'):
        cfg = test_cfg(
            args.config, args.checkpoint, work_dir=args.work_dir,
            out=args.out, show=args.show, show_dir=args.show_dir,
            interval=args.interval, wait_time=args.wait_time,
            cfg_options=args.cfg_options, launcher=args.launcher)
        run_test(cfg)


if __name__ == '__main__':
    main()
