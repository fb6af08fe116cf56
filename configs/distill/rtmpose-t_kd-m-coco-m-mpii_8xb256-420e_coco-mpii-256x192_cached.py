# The RTMPose-t distillation recipe with the teachers' outputs cached offline
# (mmpose_ext/teacher_cache.py): make the cache once, then train at about
# the cost of the plain student:
#
#   python tools/cache_teachers.py THIS_CONFIG --views 10
#   python tools/train.py THIS_CONFIG
#
# Augmentation stays random but replayable: epoch e draws view e % num_views
# of every sample, the view whose teacher crops the cache holds. Samples the
# cache does not hold (e.g. after PipelineSwitchHook moves to the stage-2
# pipeline) go through the live teachers.
_base_ = ['./rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py']

from mmpose_ext.datasets import replay_dataloader  # noqa: E402

num_views = 10
train_dataloader = replay_dataloader(_base_.train_dataloader.dataset,
                                     num_views)
model = dict(teacher_cache='work_dirs/teacher_cache/coco-mpii_m-coco_m-mpii')
