"""Benchmark pose models on the CPU: size, FLOPs, PyTorch / ONNX Runtime /
rtmlib latency, and optionally accuracy; writes Markdown and JSON.

Example (random weights when CKPT is ``random``)::

    python tools/benchmark.py --models \
        configs/rtmpose/rtmpose-t_8xb256-420e_coco-mpii-256x192.py:random \
        teachers/configs/rtmpose-m_8xb256-420e_coco-256x192.py:random \
        --num-people 6 --out results/benchmark.md
"""
import argparse
import warnings

from mmpose_ext.apis.arguments import (non_negative_float, non_negative_int,
                                        positive_float, positive_int)

PROG = 'benchmark.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG,
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', required=True,
                        metavar='[NAME=]CFG:CKPT',
                        help='config and checkpoint (plain, distillation or '
                        'pruned; "random" for random weights; an .onnx file '
                        'exported from the config, e.g. int8, runs on ONNX '
                        'Runtime and rtmlib only), optionally named')
    parser.add_argument('--reference',
                        help='NAME of the model latencies are compared with '
                        '(default: the one with the most FLOPs)')
    parser.add_argument('--goal', type=positive_float,
                        help='latency ratio to the reference the goal '
                        'table judges (default: STUDENT_GOAL of '
                        'kd_bench.inference_benchmark, 0.3)')
    parser.add_argument('--image', help='image to run on (default: a '
                        'generated image of stick figures)')
    parser.add_argument('--num-people', type=positive_int, default=6,
                        help='people (crops) in the batched runs')
    parser.add_argument('--dataset-config',
                        help='also evaluate on this config\'s test set')
    parser.add_argument('--warmup', type=non_negative_int, default=3)
    parser.add_argument('--repeats', type=positive_int, default=20,
                        help='timed rounds over all models and backends')
    parser.add_argument('--calls', type=positive_int, default=5,
                        help='back-to-back timed calls of each step per '
                        'round (1: every call right after a switch of '
                        'runtime)')
    parser.add_argument('--settle', type=non_negative_float,
                        help='seconds of pause before timing each model and '
                        'backend in each round, so the spinning threads of '
                        'the one timed before go idle (default: '
                        'SETTLE_SECONDS of kd_bench.inference_benchmark)')
    parser.add_argument('--threads', type=non_negative_int, default=0,
                        help='intra-op threads of ONNX Runtime (ours and '
                        'rtmlib\'s sessions) and of PyTorch (default 0: '
                        'each library\'s own default)')
    parser.add_argument('--work-dir', default='work_dirs/benchmark',
                        help='ONNX files and random checkpoints go here')
    parser.add_argument('--out', default='results/benchmark.md',
                        help='the report (.md), with its numbers in the '
                        '.json of the same name')
    args = parser.parse_args(argv)
    if not args.out.endswith('.md'):
        parser.error(f'argument --out: {args.out!r} does not end in .md: '
                     'the report is Markdown, its numbers go to the .json '
                     'of the same name')
    from kd_bench.inference_benchmark import (BenchmarkInputError,
                                              check_model_names,
                                              parse_model_arg)
    try:
        args.models = [parse_model_arg(m) for m in args.models]
        check_model_names(args.models, args.reference, args.work_dir)
    except BenchmarkInputError as err:
        parser.error(str(err))
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    warnings.filterwarnings('ignore')
    from kd_bench.inference_benchmark import (SETTLE_SECONDS, STUDENT_GOAL,
                                              render_markdown, run_benchmark,
                                              write_report)
    from mmpose_ext.apis import exit_on_user_error, setup_env
    from mmpose_ext.inference.sources import read_image
    setup_env()
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    with exit_on_user_error(PROG):
        image = None
        if args.image:
            image = read_image(args.image)
            if image is None:
                raise FileNotFoundError(f'--image {args.image!r} is missing '
                                        'or not a readable image')
        report = run_benchmark(
            args.models, image=image,
            image_name=args.image, num_people=args.num_people,
            dataset_config=args.dataset_config, work_dir=args.work_dir,
            warmup=args.warmup, repeats=args.repeats, calls=args.calls,
            settle=SETTLE_SECONDS if args.settle is None else args.settle,
            reference=args.reference,
            goal=STUDENT_GOAL if args.goal is None else args.goal,
            num_threads=args.threads)
        md, js = write_report(report, args.out)
    print(render_markdown(report))
    print(f'wrote {md} and {js}')


if __name__ == '__main__':
    main()
