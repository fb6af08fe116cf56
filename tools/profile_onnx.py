"""Profile ONNX graphs on this CPU: ONNX Runtime kernel time per operator
type and per node, side by side (e.g. a float32 student and its int8 graph).

Example::

    python tools/profile_onnx.py fp32=student.fp32.onnx int8=student.onnx \
        --threads 1 --out results/profile.md
"""
import argparse
import os.path as osp
from datetime import datetime

from mmpose_ext.apis.arguments import (non_negative_int, positive_int,
                                      split_name)

PROG = 'profile_onnx.py'


def parse_graph(text: str):
    """``[NAME=]FILE.onnx`` as ``(name, file)``."""
    name, path = split_name(text)
    if name is None:
        name = osp.splitext(osp.basename(path))[0]
    if not path.lower().endswith('.onnx') or not name:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not [NAME=]FILE.onnx: give an ONNX graph, '
            'optionally named (e.g. int8=student.onnx)')
    return name, path


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n')[0])
    parser.add_argument('graphs', nargs='+', type=parse_graph,
                        metavar='[NAME=]FILE.onnx')
    parser.add_argument('--threads', type=non_negative_int, default=0,
                        help='ONNX Runtime intra-op threads (default 0: its '
                        'default)')
    parser.add_argument('--batch', type=positive_int, default=1,
                        help='crops per run')
    parser.add_argument('--runs', type=positive_int, default=200,
                        help='profiled runs of each graph')
    parser.add_argument('--warmup', type=non_negative_int, default=20,
                        help='runs before, not counted')
    parser.add_argument('--top', type=positive_int, default=10,
                        help='slowest nodes listed per graph')
    parser.add_argument('--out', help='also write the report here (.md)')
    args = parser.parse_args(argv)
    names = [name for name, _ in args.graphs]
    if len(set(names)) < len(names):
        parser.error('more than one graph has the same name: name them, '
                     'e.g. fp32=a/student.onnx int8=b/student.onnx')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    import onnxruntime

    from kd_bench.machine import cpu_description
    from kd_bench.op_profile import format_profiles, profile_graphs
    from mmpose_ext.apis import exit_on_user_error
    from mmpose_ext.fileio import atomic_output
    with exit_on_user_error(PROG):
        profiles = profile_graphs([path for _, path in args.graphs],
                                  args.threads, args.runs, args.warmup,
                                  args.batch)
    report = format_profiles(profiles, [name for name, _ in args.graphs],
                             cpu_description(), args.top,
                             onnxruntime.__version__,
                             datetime.now().isoformat(timespec='seconds'))
    print(report, end='')
    if args.out:
        with exit_on_user_error(PROG), atomic_output(args.out) as tmp:
            with open(tmp, 'w') as f:
                f.write(report)


if __name__ == '__main__':
    main()
