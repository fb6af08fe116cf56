"""Generate the synthetic full-truth COCO/MPII pose benchmark.

Example::

    python tools/make_synthetic.py data/synthetic --seed 0 \
        --num-train 64 --num-val 16 --image-size 320 256 --difficulty medium

Add ``--styles coco mpii crowdpose`` for the CrowdPose style as well.
"""
import argparse
import json
import logging

from mmpose_ext.apis import exit_on_user_error
from mmpose_ext.apis.arguments import positive_int, seed
from mmpose_ext.synthetic import (DEFAULT_STYLES, DIFFICULTY_LEVELS, STYLES,
                                  generate_benchmark)


def difficulty(text: str):
    """A difficulty name or a number in [0, 1]."""
    return text if text in DIFFICULTY_LEVELS else float(text)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='output folder (created; reused when '
                        'it holds the same benchmark)')
    parser.add_argument('--seed', type=seed, default=0)
    parser.add_argument('--num-train', type=positive_int, default=64,
                        help='train images per style')
    parser.add_argument('--num-val', type=positive_int, default=16,
                        help='validation images per style')
    parser.add_argument('--image-size', type=positive_int, nargs=2,
                        default=(320, 256),
                        metavar=('WIDTH', 'HEIGHT'))
    parser.add_argument('--difficulty', type=difficulty, default='medium',
                        help=f'one of {list(DIFFICULTY_LEVELS)} or a number '
                        'in [0, 1]')
    parser.add_argument('--styles', nargs='+', choices=STYLES,
                        default=list(DEFAULT_STYLES),
                        help='styles to write (default: %(default)s)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    with exit_on_user_error('make_synthetic.py'):
        manifest = generate_benchmark(
            args.out_dir, seed=args.seed, num_train=args.num_train,
            num_val=args.num_val, image_size=tuple(args.image_size),
            difficulty=args.difficulty, styles=args.styles)
    print(json.dumps(manifest['counts'], indent=2, sort_keys=True))


if __name__ == '__main__':
    main()
