"""Evaluate a checkpoint or an exported ONNX graph: COCO AP and MPII PCKh
from one union model."""
import argparse

from mmpose_ext.apis.runner import add_runner_arguments, parse_runner_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='test.py',
                                     description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint',
                        help='checkpoint file (.pth), or an ONNX graph '
                        'exported from it (.onnx, float32 or int8)')
    parser.add_argument('--out', help='dump predictions to this pickle file '
                        '(.pkl)')
    add_runner_arguments(parser)
    args = parse_runner_args(parser, argv)
    if args.out and not args.out.endswith(('.pkl', '.pickle')):
        # MMEngine's DumpResults would stop on it after the model is built
        parser.error(f'argument --out: {args.out!r} is not a .pkl file: the '
                     'predictions are dumped as a pickle, name the file '
                     'NAME.pkl')
    return args


def main(argv=None):
    args = parse_args(argv)
    from mmpose_ext.apis import exit_on_user_error, run_test, test_cfg
    from mmpose_ext.config_keys import explain_option_typos
    with exit_on_user_error('test.py'):
        cfg = test_cfg(
            args.config, args.checkpoint, work_dir=args.work_dir,
            out=args.out, show=args.show, show_dir=args.show_dir,
            interval=args.interval, wait_time=args.wait_time,
            cfg_options=args.cfg_options, launcher=args.launcher)
        with explain_option_typos(cfg, args.cfg_options):
            run_test(cfg)


if __name__ == '__main__':
    main()
