# RTMPose-t on COCO + MPII, 21-joint union skeleton, no distillation: the
# baseline every distillation result is compared with. The upstream COCO
# recipe (AdamW, 420 epochs, two-stage pipeline, SimCC 256x192) is kept; only
# the head's joint count, the data and the evaluator change.
_base_ = [
    'mmpose::body_2d_keypoint/rtmpose/coco/'
    'rtmpose-t_8xb256-420e_coco-256x192.py',
    '../_base_/coco_mpii_data.py',
]

num_keypoints = 21
model = dict(head=dict(out_channels=num_keypoints))

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='UnionPoseDataset',
        metainfo=_base_.union_metainfo,
        datasets=[_base_.coco_train, _base_.mpii_train],
        pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='UnionPoseDataset',
        metainfo=_base_.union_metainfo,
        datasets=[_base_.coco_val, _base_.mpii_val],
        pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(_base_.union_evaluator, _delete_=True)
test_evaluator = val_evaluator

# Stop at the first NaN/inf loss, naming the iteration and the batch's
# samples, rather than train on NaN weights to a run that exits 0.
default_hooks = dict(non_finite_loss=dict(type='NonFiniteLossHook'))
