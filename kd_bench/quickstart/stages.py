"""The models the quick start trains, their configs, titles and where the
pre-trained ones are shipped: shared by the pipeline, the report and the
shipped-model manifest."""
import os.path as osp
from typing import Sequence, Tuple

from mmpose_ext.paths import REPO_ROOT
from mmpose_ext.skeletons import union_mask

QUICKSTART_CONFIGS = {
    'teacher_coco': 'teacher-coco_rtmpose-s_quickstart_synthetic-64x48.py',
    'teacher_mpii': 'teacher-mpii_rtmpose-s_quickstart_synthetic-64x64.py',
    'student_init': 'rtmpose-t-init_quickstart_synthetic-coco-mpii-64x48.py',
    'baseline': 'rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    'distilled': 'distill_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    'oracle': 'oracle_rtmpose-t_quickstart_synthetic-coco-mpii-64x48.py',
    'teacher_crowdpose':
        'teacher-crowdpose_rtmpose-s_quickstart_synthetic-64x48.py',
}
# The students' configs when the CrowdPose-style teacher takes part: trained
# and validated on the three styles.
CROWDPOSE_STUDENT_CONFIGS = {
    'baseline': 'rtmpose-t_quickstart_synthetic-coco-mpii-crowdpose-64x48.py',
    'distilled':
        'distill_rtmpose-t_quickstart_synthetic-coco-mpii-crowdpose-64x48.py',
    'oracle':
        'oracle_rtmpose-t_quickstart_synthetic-coco-mpii-crowdpose-64x48.py',
}
MODEL_TITLES = {
    'teacher_coco': 'COCO-style teacher (RTMPose-s widths, 17 joints)',
    'teacher_mpii': 'MPII-style teacher (RTMPose-s widths, 16 joints)',
    'student_init': 'shared initialisation (RTMPose-t, labels only)',
    'baseline': 'student, labels only (RTMPose-t, 21 joints)',
    'distilled': 'student, distilled (RTMPose-t, 21 joints)',
    'oracle': 'oracle: student on the full 21-joint truth (upper bound)',
    'teacher_crowdpose':
        'CrowdPose-style teacher (RTMPose-s widths, 14 joints)',
}
# Trained once, for long, and shipped (teachers/quickstart/); the file each
# is published as, and the teacher name the distillation config gives it.
PRETRAINED = {'teacher_coco': 'coco', 'teacher_mpii': 'mpii',
              'student_init': 'student_init'}
# Each teacher's skeleton, which is also the style it is trained on.
TEACHER_SKELETONS = {'teacher_coco': 'coco', 'teacher_mpii': 'mpii',
                     'teacher_crowdpose': 'crowdpose'}
# The styles `--teachers` may name (one teacher per style) and the default;
# the students always learn from the COCO and MPII styles (their shared
# initialisation did), so a third style is added to those two.
TEACHER_STYLES = tuple(TEACHER_SKELETONS.values())
DEFAULT_TEACHERS = ('coco', 'mpii')
# Teachers not shipped: trained by the quick start when asked for, with the
# pre-training schedule, unless their file is in the pre-trained folder.
TRAINED_ON_DEMAND = {'teacher_crowdpose': 'crowdpose'}
STUDENTS = ('baseline', 'distilled', 'oracle')
PRETRAINED_DIR = osp.join(REPO_ROOT, 'teachers', 'quickstart')


def teacher_stages(teachers: Sequence[str]) -> Tuple[str, ...]:
    """The teacher stages of the styles ``teachers``, in table order."""
    return tuple(name for name, style in TEACHER_SKELETONS.items()
                 if style in teachers)


def config_file(name: str, teachers: Sequence[str]) -> str:
    """The config file (in ``configs/quickstart/``) of stage ``name`` when
    the quick start runs with the teachers of the styles ``teachers``."""
    if 'crowdpose' in teachers and name in CROWDPOSE_STUDENT_CONFIGS:
        return CROWDPOSE_STUDENT_CONFIGS[name]
    return QUICKSTART_CONFIGS[name]


def teaches(skeleton: str, style: str) -> bool:
    """Whether a ``skeleton`` teacher knows a joint that ``style`` leaves
    unlabelled (the CrowdPose-style teacher has nothing to add to the MPII
    style: MPII labels all its joints)."""
    return bool((union_mask(skeleton) & ~union_mask(style)).any())
