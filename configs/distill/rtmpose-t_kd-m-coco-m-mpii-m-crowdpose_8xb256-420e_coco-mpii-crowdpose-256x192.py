# RTMPose-t student on COCO + MPII + CrowdPose (21-joint union skeleton),
# distilled from three RTMPose-m teachers: COCO (256x192), MPII (256x256) and
# CrowdPose (256x192). Everything else is the two-teacher recipe this
# inherits from; CrowdPose's data and metric are declared in
# configs/_base_/coco_mpii_data.py.
_base_ = ['./rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py']

teachers = _base_.teachers + [
    dict(
        name='crowdpose',
        config='teachers/configs/rtmpose-m_8xb64-210e_crowdpose-256x192.py',
        checkpoint='teachers/rtmpose-m_simcc-crowdpose_pt-aic-coco_210e-256x192-e6192cac_20230224.pth',
        checkpoint_hash_prefix='e6192cac',
        skeleton='crowdpose',
        loss_weight=1.0,
        temperature=1.0),
]
model = dict(teachers=teachers)

train_dataloader = dict(
    dataset=dict(datasets=[
        _base_.coco_train, _base_.mpii_train, _base_.crowdpose_train]))
val_dataloader = dict(
    dataset=dict(datasets=[
        _base_.coco_val, _base_.mpii_val, _base_.crowdpose_val]))
test_dataloader = val_dataloader

val_evaluator = dict(sources=dict(crowdpose=_base_.crowdpose_metric))
test_evaluator = val_evaluator
