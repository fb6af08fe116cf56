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

num_views = 10
train_dataloader = dict(
    sampler=dict(type='ViewSampler', num_views=num_views, shuffle=True),
    dataset=dict(
        _delete_=True,
        type='ReplayDataset',
        dataset=_base_.train_dataloader.dataset,
        seed=0))
model = dict(teacher_cache='work_dirs/teacher_cache/coco-mpii_m-coco_m-mpii')
