"""Check that the data a config expects is on disk and well formed.

Lists every missing folder, file or image, every empty image and every
malformed annotation file (wrong format or keypoint count, NaN or infinite
boxes, centres, scales or keypoints) the config's datasets and evaluators
would read; exits 1 if there is any, else prints OK and exits 0 (2 if the
config itself cannot be read). Labelled joints at negative coordinates are
printed as warnings. ``--decode`` also decodes every image (a text file named
``.jpg`` passes the other checks), which takes minutes on COCO.

    python tools/check_data.py CONFIG
    python tools/check_data.py CONFIG --data-root /datasets/union --decode
    python tools/check_data.py QUICKSTART_CONFIG --data-root DIR

``--data-root DIR`` is the folder holding coco/, mpii/ (and crowdpose/), for
the real configs and the quick-start ones alike: what ``tools/quickstart.py
--data-root DIR`` or ``tools/make_synthetic.py DIR`` wrote for the latter.
"""
import argparse
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Check the data layout a config expects')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--data-root',
        help='the folder holding coco/, mpii/ and, for CrowdPose configs, '
        'crowdpose/, to look in instead of the config\'s data root '
        '(`union_data_root`; a quick-start config\'s `qs_root`): the real '
        'data, or the folder tools/quickstart.py --data-root or '
        'tools/make_synthetic.py wrote')
    parser.add_argument(
        '--decode', action='store_true',
        help='decode every image, not only check that it exists and is not '
        'empty (slow: minutes for COCO)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmpose_ext.apis import exit_on_user_error
    from mmpose_ext.data_check import check_config
    with exit_on_user_error('check_data.py'):
        report = check_config(args.config, data_root=args.data_root,
                              decode=args.decode)
    print(report)
    sys.exit(0 if report.ok else 1)


if __name__ == '__main__':
    main()
