# The quick start's distilled RTMPose-t with the teachers' outputs cached
# offline (mmpose_ext/teacher_cache.py), as the real *_cached configs do:
#
#   python tools/cache_teachers.py THIS_CONFIG --views 8
#   python tools/train.py THIS_CONFIG
#
# Epoch e replays view e % num_views of every sample, the view whose teacher
# crops the cache holds (results/teacher_cache.md compares this with the live
# teachers on the same views: --cfg-options model.teacher_cache=None).
_base_ = ['./distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py']

from mmpose_ext.datasets import replay_dataloader  # noqa: E402

num_views = 8
train_dataloader = replay_dataloader(_base_.train_dataloader.dataset,
                                     num_views)
model = dict(teacher_cache='work_dirs/teacher_cache/quickstart')
