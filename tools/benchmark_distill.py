"""Training throughput of the plain student and of distillation with all of
its teachers, in one run on the same batches; writes results/distill_cost.md.

The real configs (RTMPose-t/-s student at 256x192, RTMPose-m teachers at
256x192 and 256x256) run on the synthetic benchmark's images; teachers keep
random weights unless their checkpoints exist (timing does not depend on
weights). Each config is measured as configured (also reading the teachers'
outputs from an offline cache made here, ``--no-cache`` skips that) and, for
comparison, with the teachers in float32 and NCHW layout (``--no-fp32-row``
skips that).
"""
import argparse
import os.path as osp
import tempfile

from mmpose_ext.apis.arguments import positive_int


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--config', nargs='+',
                        default=['configs/distill_config_tiny.py',
                                 'configs/distill_config_small.py'])
    parser.add_argument('--data-root', default='data/synthetic_distill_cost',
                        help='synthetic benchmark (made if absent; not '
                        'data/synthetic, whose 600 + 100 images per style '
                        'the quick start makes)')
    parser.add_argument('--batch-size', type=positive_int, default=32)
    parser.add_argument('--steps', type=positive_int, default=5)
    parser.add_argument('--threads', type=positive_int, default=None)
    parser.add_argument('--no-fp32-row', action='store_true',
                        help='do not also measure float32 NCHW teachers')
    parser.add_argument('--no-cache', action='store_true',
                        help='do not also measure distillation from a '
                        'teacher cache')
    parser.add_argument('--out', default='results/distill_cost.md')
    args = parser.parse_args(argv)

    from kd_bench.training_cost import format_costs, measure_training_cost
    from mmpose_ext.apis import exit_on_user_error, load_config, setup_env
    from mmpose_ext.fileio import atomic_write
    from mmpose_ext.synthetic import generate_benchmark
    from mmpose_ext.synthetic.benchmark import MANIFEST
    setup_env()
    results = {}
    with exit_on_user_error(parser.prog):
        # any synthetic benchmark times training; one is made only if absent
        if not osp.isfile(osp.join(args.data_root, MANIFEST)):
            generate_benchmark(args.data_root, num_train=64, num_val=8)
        for config in args.config:
            cfg = load_config(config)
            for teacher in cfg.model.teachers:
                if teacher.get('checkpoint') and \
                        not osp.isfile(teacher['checkpoint']):
                    teacher['checkpoint'] = None
            cfg.model.student.backbone.init_cfg = None
            coco, mpii = cfg.train_dataloader.dataset.datasets
            coco.update(data_root=osp.join(args.data_root, 'coco/'),
                        ann_file='annotations/person_keypoints_train.json',
                        data_prefix=dict(img='images/train/'))
            mpii.update(data_root=osp.join(args.data_root, 'mpii/'))
            variants = {osp.basename(config): dict(cache=not args.no_cache)}
            if not args.no_fp32_row:
                variants[osp.basename(config) + ', teachers unoptimised'] = \
                    dict(teacher_dtype='float32', teacher_channels_last=False)
            for title, options in variants.items():
                cache = options.pop('cache', False)
                cfg.model.update(options)
                with tempfile.TemporaryDirectory() as cache_dir:
                    results[title] = measure_training_cost(
                        cfg, args.batch_size, args.steps,
                        threads=args.threads,
                        cache_dir=cache_dir if cache else None)
                print(f'{title}: {results[title]["ratio"]:.2f}x per step, '
                      f'{results[title]["overall_ratio"]:.2f}x overall',
                      flush=True)
    text = format_costs(results)
    print(text)
    atomic_write(args.out, text.encode())


if __name__ == '__main__':
    main()
