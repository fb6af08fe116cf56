# RTMPose-s student on COCO + MPII (21-joint union skeleton), distilled from
# the RTMPose-m COCO and MPII teachers. Everything but the student's size (as
# upstream's rtmpose-s_8xb256-420e_coco-256x192.py, EMA included) is the tiny
# recipe this inherits from.
_base_ = ['./rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py']

model = dict(
    student=dict(
        backbone=dict(
            deepen_factor=0.33,
            widen_factor=0.5,
            init_cfg=dict(
                checkpoint='https://download.openmmlab.com/mmpose/v1/'
                'projects/rtmposev1/'
                'cspnext-s_udp-aic-coco_210e-256x192-92f5a029_20230130.pth')),
        head=dict(in_channels=512)))

custom_hooks = _base_.custom_hooks + [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
]
