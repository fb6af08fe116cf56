"""Draw and save the poses of the people in an image, a folder or a video.

Example::

    python demo/inferencer_demo.py photo.jpg \
        --pose2d configs/distill_config_tiny.py \
        --pose2d-weights work_dirs/distill_config_tiny/best.pth \
        --vis-out-dir vis --pred-out-dir preds --radius 4 --thickness 2
"""
import argparse
import warnings

from mmpose_ext.apis.arguments import non_negative_int, positive_int

PROG = 'inferencer_demo.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split(
        '\n')[0])
    parser.add_argument('inputs', help='image, folder of images or video')
    parser.add_argument('--pose2d', required=True,
                        help='pose config (student or distillation) or an '
                        'MMPose model name')
    parser.add_argument('--pose2d-weights',
                        help='checkpoint (.pth: plain or distillation; or '
                        '.onnx from tools/export_onnx.py)')
    parser.add_argument('--vis-out-dir', help='folder for the drawings')
    parser.add_argument('--pred-out-dir',
                        help='folder for one JSON of predictions per image: '
                        'NAME.json, or NAME.EXT.json for images whose names '
                        'differ only in the extension')
    parser.add_argument('--skeleton', default='union',
                        choices=['union', 'coco', 'mpii'],
                        help='joint set drawn and saved (21, 17 or 16)')
    parser.add_argument('--kpt-thr', type=float, default=0.3,
                        help='draw joints scoring at least this')
    parser.add_argument('--radius', type=positive_int, default=4,
                        help='joint radius in pixels')
    parser.add_argument('--thickness', type=positive_int, default=2,
                        help='link width in pixels')
    parser.add_argument('--det-model',
                        help='MMDetection config or model name for people')
    parser.add_argument('--det-weights', help='detector checkpoint')
    parser.add_argument('--det-cat-ids', type=non_negative_int, nargs='+',
                        default=[0],
                        help='detector classes that are people')
    parser.add_argument('--bbox-thr', type=float, default=0.3,
                        help='lowest person detection score kept')
    parser.add_argument('--nms-thr', type=float, default=0.3,
                        help='IoU above which overlapping person boxes '
                        'merge')
    parser.add_argument('--draw-bbox', action='store_true',
                        help='draw the person boxes')
    parser.add_argument('--bboxes',
                        help='JSON of person boxes: {image file name: '
                        '[[x1, y1, x2, y2, (score)], ...]} or a list')
    parser.add_argument('--device', default='cpu',
                        help='torch device (cpu, cuda, cuda:1...); .onnx '
                        'weights run on the cpu')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    warnings.filterwarnings('ignore', category=FutureWarning)
    from mmpose_ext.apis import exit_on_user_error, setup_env
    from mmpose_ext.inference.demo import (DetectOptions, DrawOptions,
                                           run_demo)
    setup_env()
    with exit_on_user_error(PROG):
        summary = run_demo(
            args.inputs, args.pose2d, args.pose2d_weights,
            vis_out_dir=args.vis_out_dir, pred_out_dir=args.pred_out_dir,
            skeleton=args.skeleton,
            draw=DrawOptions(args.kpt_thr, args.radius, args.thickness,
                             args.draw_bbox),
            det_model=args.det_model, det_weights=args.det_weights,
            bboxes=args.bboxes, device=args.device,
            detect=DetectOptions(args.bbox_thr, args.nms_thr,
                                 tuple(args.det_cat_ids)))
    for path, people in summary.processed:
        print(f'{path}: {people} {"person" if people == 1 else "people"}')
    for path in summary.skipped:
        print(f'{path}: skipped (unreadable)')
    for note in summary.notes:
        print(f'note: {note}')
    for path in summary.written:
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
