"""Export the student pose model to ONNX (dynamic batch) and check parity.

The graph takes ``input`` (N, 3, H, W) float32 BGR pixel values 0-255 and
normalises inside; it returns ``simcc_x`` and ``simcc_y``. The checkpoint may
be a plain student checkpoint or a distillation checkpoint.
"""
import argparse
import warnings

PROG = 'export_onnx.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n')[0])
    parser.add_argument('config', help='student or distillation config')
    parser.add_argument('checkpoint',
                        help='plain or distillation checkpoint (.pth)')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest allowed SimCC difference from PyTorch')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    warnings.filterwarnings('ignore', category=FutureWarning)
    from mmpose_ext.apis import exit_on_user_error, setup_env
    from mmpose_ext.inference.onnx_export import export_student
    from mmpose_ext.inference.sample_images import astronaut
    setup_env()
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


if __name__ == '__main__':
    main()
