"""Training throughput of the plain student and of distillation with all of
its teachers, in one run on the same batches; writes results/distill_cost.md.

The real configs (RTMPose-t/-s student at 256x192, RTMPose-m teachers at
256x192 and 256x256) run on the synthetic benchmark's images; teachers keep
random weights unless their checkpoints exist (timing does not depend on
weights).
"""
import argparse
import os.path as osp


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--config', default='configs/distill_config_tiny.py')
    parser.add_argument('--data-root', default='data/synthetic',
                        help='synthetic benchmark (made if absent)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--out', default='results/distill_cost.md')
    args = parser.parse_args(argv)

    from mmpose_ext.apis import load_config
    from mmpose_ext.fileio import atomic_write
    from mmpose_ext.synthetic import generate_benchmark
    from mmpose_ext.training_cost import format_cost, measure_training_cost
    if not osp.isfile(osp.join(args.data_root, 'manifest.json')):
        generate_benchmark(args.data_root, num_train=64, num_val=8)
    cfg = load_config(args.config)
    for teacher in cfg.model.teachers:
        if teacher.get('checkpoint') and not osp.isfile(teacher['checkpoint']):
            teacher['checkpoint'] = None
    cfg.model.student.backbone.init_cfg = None
    coco, mpii = cfg.train_dataloader.dataset.datasets
    coco.update(data_root=osp.join(args.data_root, 'coco/'),
                ann_file='annotations/person_keypoints_train.json',
                data_prefix=dict(img='images/train/'))
    mpii.update(data_root=osp.join(args.data_root, 'mpii/'))
    result = measure_training_cost(cfg, args.batch_size, args.steps,
                                   threads=args.threads)
    text = format_cost(result, osp.basename(args.config))
    print(text)
    atomic_write(args.out, text.encode())


if __name__ == '__main__':
    main()
