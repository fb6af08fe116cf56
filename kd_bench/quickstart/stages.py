"""The models the quick start trains, their configs, titles and where the
pre-trained ones are shipped: shared by the pipeline, the report and the
shipped-model manifest."""
import os.path as osp

from mmpose_ext.paths import REPO_ROOT

QUICKSTART_CONFIGS = {
    'teacher_coco': 'teacher-coco_rtmpose-s_quickstart_synthetic-64x48.py',
    'teacher_mpii': 'teacher-mpii_rtmpose-s_quickstart_synthetic-64x64.py',
    'student_init': 'rtmpose-t-init_quickstart_synthetic-coco-mpii-64x48.py',
    'baseline': 'rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    'distilled': 'distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    'oracle': 'oracle_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
}
MODEL_TITLES = {
    'teacher_coco': 'COCO-style teacher (RTMPose-s widths, 17 joints)',
    'teacher_mpii': 'MPII-style teacher (RTMPose-s widths, 16 joints)',
    'student_init': 'shared initialisation (RTMPose-t, labels only)',
    'baseline': 'student, labels only (RTMPose-t, 21 joints)',
    'distilled': 'student, distilled (RTMPose-t, 21 joints)',
    'oracle': 'oracle: student on the full 21-joint truth (upper bound)',
}
# Trained once, for long, and shipped (teachers/quickstart/); the file each
# is published as, and the teacher name the distillation config gives it.
PRETRAINED = {'teacher_coco': 'coco', 'teacher_mpii': 'mpii',
              'student_init': 'student_init'}
TEACHERS = ('teacher_coco', 'teacher_mpii')
# Each teacher's skeleton, which is also the style it is trained on.
TEACHER_SKELETONS = {'teacher_coco': 'coco', 'teacher_mpii': 'mpii'}
STUDENTS = ('baseline', 'distilled', 'oracle')
PRETRAINED_DIR = osp.join(REPO_ROOT, 'teachers', 'quickstart')
