"""Export the student pose model to ONNX (dynamic batch) and check parity.

The graph takes ``input`` (N, 3, H, W) float32 BGR pixel values 0-255 and
normalises inside; it returns ``simcc_x`` and ``simcc_y``. The checkpoint may
be a plain student checkpoint or a distillation checkpoint.

With ``--int8`` the float32 graph is kept as ``OUT.fp32.onnx`` and OUT is its
ONNX Runtime static int8 quantisation, calibrated on crops that the config's
train (or val) pipeline cuts from its data; its parity check is the keypoint
distance from float32 in crop pixels.
"""
import argparse
import warnings

from mmpose_ext.apis.arguments import positive_float, positive_int

PROG = 'export_onnx.py'


# int8 options (None unless given: mmpose_ext.compression.int8 has the
# defaults), refused without --int8 instead of ignored
INT8_OPTIONS = ('calib_split', 'calib_crops', 'pixel_tolerance')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n')[0])
    parser.add_argument('config', help='student or distillation config')
    parser.add_argument('checkpoint',
                        help='plain or distillation checkpoint (.pth)')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--opset', type=positive_int, default=17,
                        help='ONNX opset')
    parser.add_argument('--tolerance', type=positive_float, default=1e-4,
                        help='largest allowed SimCC difference from PyTorch')
    parser.add_argument('--int8', action='store_true',
                        help='quantise to int8 (ONNX Runtime static, QDQ)')
    parser.add_argument('--calib-split', choices=('train', 'val'),
                        help='int8: the dataloader whose data and pipeline '
                        'give the calibration crops (default: train)')
    parser.add_argument('--calib-crops', type=positive_int,
                        help='int8: number of calibration crops (default: '
                        '256)')
    parser.add_argument('--pixel-tolerance', type=positive_float,
                        help='int8: largest allowed mean keypoint distance '
                        'from float32, in crop pixels (default: 2)')
    args = parser.parse_args(argv)
    given = [key for key in INT8_OPTIONS if getattr(args, key) is not None]
    if given and not args.int8:
        parser.error(f'--{given[0].replace("_", "-")} applies to int8 '
                     'graphs: add --int8, or drop it')
    if not args.out.lower().endswith('.onnx'):
        # tools/test.py, the demo and the benchmark tell a graph from a
        # checkpoint by it
        parser.error(f'argument out: {args.out!r} does not end in .onnx; '
                     'name the graph NAME.onnx')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    warnings.filterwarnings('ignore', category=FutureWarning)
    from mmpose_ext.apis import exit_on_user_error, setup_env
    from mmpose_ext.inference.onnx_export import export_student
    from mmpose_ext.inference.sample_images import astronaut
    setup_env()
    if args.int8:
        return _export_int8(args)
    with exit_on_user_error(PROG):
        report = export_student(args.config, args.checkpoint, args.out,
                                images=[astronaut()], opset=args.opset,
                                tolerance=args.tolerance)
    spec = report.spec
    print(f'exported {report.onnx_file} with {report.exporter}: input '
          f'(N, 3, {spec.input_size[1]}, {spec.input_size[0]}) BGR 0-255, '
          f'{spec.num_keypoints} joints ({spec.skeleton}), normalisation in '
          'the graph')
    print(f'parity max abs diff of SimCC outputs vs PyTorch: random crops '
          f'{report.max_abs_diff_random:.3g}, astronaut crops '
          f'{report.max_abs_diff_real:.3g} (required < {args.tolerance:g})')


def _export_int8(args: argparse.Namespace) -> None:
    from mmpose_ext.apis import exit_on_user_error
    from mmpose_ext.compression import int8
    from mmpose_ext.inference.sample_images import astronaut
    defaults = dict(calib_split=int8.DEFAULT_CALIBRATION_SPLIT,
                    calib_crops=int8.DEFAULT_CALIBRATION_CROPS,
                    pixel_tolerance=int8.PIXEL_TOLERANCE)
    for key in INT8_OPTIONS:
        if getattr(args, key) is None:
            setattr(args, key, defaults[key])
    with exit_on_user_error(PROG):
        report = int8.export_int8_student(
            args.config, args.checkpoint, args.out, images=[astronaut()],
            split=args.calib_split, num_crops=args.calib_crops,
            pixel_tolerance=args.pixel_tolerance, opset=args.opset,
            tolerance=args.tolerance)
    parity = report.float_report.max_abs_diff_real
    print(f'exported {report.float_file} (float32, SimCC parity vs PyTorch '
          f'{parity:.3g}, required < {args.tolerance:g}) and '
          f'{report.onnx_file} (int8, calibrated on '
          f'{report.num_calibration} {args.calib_split} crops)')
    print(f'int8 parity: keypoints {report.mean_pixel_error:.2f} px mean, '
          f'{report.max_pixel_error:.1f} px max from float32 (crop pixels; '
          f'required mean <= {args.pixel_tolerance:g})')


if __name__ == '__main__':
    main()
