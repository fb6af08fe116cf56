# Quick start with the CrowdPose style: the RTMPose-t union student distilled
# from the COCO-, MPII- and CrowdPose-style teachers on the three styles
# (`tools/quickstart.py --teachers coco mpii crowdpose`). Only the third
# teacher, the data and the evaluator differ from the two-teacher quick start
# it inherits; the CrowdPose-style teacher distils, like the others, only the
# joints a sample's labels do not give.
_base_ = ['./distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']

# Not shipped: the quick start trains it (or takes crowdpose.pth from its
# pre-trained folder) and points this at the file.
teachers = _base_.teachers + [
    dict(
        name='crowdpose',
        config='configs/quickstart/'
        'teacher-crowdpose_rtmpose-s_quickstart_synthetic-64x48.py',
        checkpoint='teachers/quickstart/crowdpose.pth',
        skeleton='crowdpose',
        joints='unlabelled'),
]
model = dict(teachers=teachers)

train_dataloader = dict(
    dataset=dict(
        datasets=[
            _base_.qs_coco_train, _base_.qs_mpii_train,
            _base_.qs_crowdpose_train
        ],
        sample_ratio_factor=_base_.qs_crowdpose_sample_ratio))
val_dataloader = dict(
    dataset=dict(datasets=[
        _base_.qs_coco_val, _base_.qs_mpii_val, _base_.qs_crowdpose_val]))
test_dataloader = val_dataloader
val_evaluator = _base_.qs_union_crowdpose_evaluator
test_evaluator = val_evaluator
