"""Train a pose model (MMPose's tools/train.py arguments)."""
import argparse
import sys

from mmpose_ext.apis.runner import add_runner_arguments, parse_runner_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='train.py',
                                     description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or without a path from the '
        'latest checkpoint in the work directory')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the batch size')
    parser.add_argument(
        '--tensorboard', action='store_true',
        help='also log to TensorBoard (tensorboard --logdir WORK_DIR); '
        'histograms with --cfg-options tensorboard.histogram_interval=N')
    add_runner_arguments(parser)
    return parse_runner_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    from mmpose_ext.apis import exit_on_user_error, run_train, train_cfg
    from mmpose_ext.apis.work_dir_lock import resume_hint
    from mmpose_ext.config_keys import explain_option_typos
    with exit_on_user_error('train.py'):
        cfg = train_cfg(
            args.config, work_dir=args.work_dir, resume=args.resume,
            amp=args.amp, no_validate=args.no_validate,
            auto_scale_lr=args.auto_scale_lr, show=args.show,
            show_dir=args.show_dir, interval=args.interval,
            wait_time=args.wait_time, cfg_options=args.cfg_options,
            launcher=args.launcher, tensorboard=args.tensorboard)
        with explain_option_typos(cfg, args.cfg_options):
            try:
                run_train(cfg)
            except KeyboardInterrupt:
                print(f'train.py: interrupted. {resume_hint(cfg.work_dir)}',
                      file=sys.stderr)
                sys.exit(130)  # the shell's code for an end by Ctrl-C


if __name__ == '__main__':
    main()
