# Quick start: the CrowdPose teacher (RTMPose-m, 14 CrowdPose joints) trained
# on the CrowdPose-style part of the synthetic benchmark only (generated for
# `tools/quickstart.py --teachers coco mpii crowdpose`; no such teacher is
# shipped). Only size (RTMPose-s widths at 64x48, head on the stride-8
# stage), schedule and data differ from the real
# teachers/configs/rtmpose-m_8xb64-210e_crowdpose-256x192.py.
_base_ = [
    '../../teachers/configs/rtmpose-m_8xb64-210e_crowdpose-256x192.py',
    './_base_/synthetic.py',
]
from kd_bench.quickstart.configs import teacher_overrides  # noqa: E402,E501
custom_imports = dict(imports=['mmpose_ext'], allow_failed_imports=False)
# model, data, metric and schedule: kd_bench/quickstart/configs.py
globals().update(teacher_overrides(_base_, 'crowdpose'))
