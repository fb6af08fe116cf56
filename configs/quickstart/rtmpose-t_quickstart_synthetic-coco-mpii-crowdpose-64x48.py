# Quick start with the CrowdPose style: the label-only RTMPose-t union
# student trained and validated on the COCO-, MPII- and CrowdPose-style
# images (`tools/quickstart.py --teachers coco mpii crowdpose`). Only the
# data and the evaluator differ from the two-style baseline it inherits.
_base_ = ['./rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']

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
