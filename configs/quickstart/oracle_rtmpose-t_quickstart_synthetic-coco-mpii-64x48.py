# Quick start: the oracle. The same RTMPose-t union student as the
# label-only baseline, trained on the full-truth labels of all 21 joints of
# both styles' training images, as if every dataset labelled every joint.
# It bounds what distillation can reach; nothing else is trained from it.
_base_ = ['./rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']

train_dataloader = dict(
    dataset=dict(
        datasets=[_base_.qs_coco_oracle_train, _base_.qs_mpii_oracle_train]))
