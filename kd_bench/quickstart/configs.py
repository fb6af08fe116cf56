"""The quick-start teachers' configs, written once for the three styles.

Each of ``configs/quickstart/teacher-*.py`` inherits the real RTMPose-m
teacher config of its dataset and the quick start's settings
(``configs/quickstart/_base_/synthetic.py``), and changes the same things:
the network's size and input, the data, the metric and the schedule. Only
which style's settings those are differs, so the change is written here and
each config names its style.
"""
from mmpose_ext.datasets.pipelines import resize_pipeline

# style -> the prefix of its data and metric settings in synthetic.py, of
# its input settings (only the MPII style has its own: square crops), of
# its schedule (the COCO- and MPII-style teachers train longer than the
# CrowdPose-style one) and the teacher whose backbone it starts from, if any.
# The real MPII teacher starts from a CSPNeXt pre-trained on AIC and COCO
# (`pt-aic-coco` in its file name); the MPII-style one likewise starts from
# the COCO-style teacher's backbone (docs/quickstart.md, "The MPII-style
# teacher starts from the COCO-style one").
_STYLES = dict(
    coco=('qs_coco', 'qs', 'qs_coco_teacher', None),
    mpii=('qs_mpii', 'qs_mpii', 'qs_mpii_teacher', 'coco'),
    crowdpose=('qs_crowdpose', 'qs', 'qs_pretrain', None))


def teacher_overrides(qs, style):
    """The keys a quick-start teacher config sets over its real teacher's.

    Args:
        qs (ConfigDict): the config's merged ``_base_``: the real teacher
            config and ``configs/quickstart/_base_/synthetic.py``.
        style (str): one of ``'coco'``, ``'mpii'`` and ``'crowdpose'``.

    Returns:
        dict: the input size, codec and pipelines, ``model``, the
        dataloaders, evaluators, schedule, learning rate and hooks, to set
        at the config's top level, and ``qs_backbone_from``: the style of
        the teacher whose backbone this one starts from (or ``None``).
    """
    if style not in _STYLES:
        raise ValueError(f'unknown quick-start style {style!r}; '
                         f'expected one of {sorted(_STYLES)}')
    data, inputs, schedule, backbone_from = _STYLES[style]
    input_size = qs[f'{inputs}_input_size']
    codec = qs[f'{inputs}_codec']

    def loader(split, pipeline):
        return dict(**qs.qs_loader,
                    dataset=dict(qs[f'{data}_{split}'], _delete_=True,
                                 pipeline=pipeline))

    train_pipeline = resize_pipeline(qs.train_pipeline_stage2, input_size,
                                     codec)
    val_pipeline = resize_pipeline(qs.val_pipeline, input_size, codec)
    val_loader = loader('val', val_pipeline)
    metric = dict(qs[f'{data}_metric'], _delete_=True)
    if style == 'crowdpose':
        # CocoMetric's own prefix would be coco/: named as upstream's
        # CrowdPose configs are, crowdpose/AP, crowdpose/AP(E)...
        metric['prefix'] = 'crowdpose'
    backbone = dict(qs.qs_backbone, deepen_factor=0.33, widen_factor=0.5)
    if backbone_from is not None:
        backbone['init_cfg'] = dict(
            type='Pretrained', prefix='backbone.',
            checkpoint=f'{qs.qs_pretrained_root}{backbone_from}.pth')
    return dict(
        qs_backbone_from=backbone_from,
        model=dict(
            backbone=backbone,
            head=dict(
                in_channels=128,  # stage 2 of CSPNeXt at widen_factor 0.5
                input_size=input_size,
                in_featuremap_size=qs[f'{inputs}_featuremap_size'],
                decoder=codec)),
        input_size=input_size,
        codec=codec,
        train_pipeline=train_pipeline,
        val_pipeline=val_pipeline,
        train_dataloader=loader('train', train_pipeline),
        val_dataloader=val_loader,
        test_dataloader=val_loader,
        val_evaluator=metric,
        test_evaluator=metric,
        train_cfg=qs[f'{schedule}_train_cfg'],
        param_scheduler=qs[f'{schedule}_param_scheduler'],
        optim_wrapper=dict(optimizer=dict(lr=qs.qs_pretrain_lr)),
        default_hooks=qs.qs_default_hooks,
        custom_hooks=[])
