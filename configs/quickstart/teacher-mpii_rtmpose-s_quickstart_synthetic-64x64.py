# Quick start: the MPII teacher (RTMPose-m, 16 MPII joints) trained on the
# MPII-style half of the synthetic benchmark only. Only size (RTMPose-s widths
# at 64x64, head on the stride-8 stage), schedule and data differ from the real
# teachers/configs/rtmpose-m_8xb64-210e_mpii-256x256.py. As the real one starts
# from a backbone pre-trained on AIC and COCO, this one starts from the
# COCO-style teacher's backbone (teachers/quickstart/coco.pth).
_base_ = [
    '../../teachers/configs/rtmpose-m_8xb64-210e_mpii-256x256.py',
    './_base_/synthetic.py',
]
from kd_bench.quickstart.configs import teacher_overrides  # noqa: E402,E501
custom_imports = dict(imports=['mmpose_ext'], allow_failed_imports=False)
# model, data, metric and schedule: kd_bench/quickstart/configs.py
globals().update(teacher_overrides(_base_, 'mpii'))
