# Quick start with the CrowdPose style: the oracle, trained on the full-truth
# labels of all 21 joints of the three styles' training images.
_base_ = ['./rtmpose-t_quickstart_synthetic-coco-mpii-crowdpose-64x48.py']

train_dataloader = dict(
    dataset=dict(datasets=[
        _base_.qs_coco_oracle_train, _base_.qs_mpii_oracle_train,
        _base_.qs_crowdpose_oracle_train]))
