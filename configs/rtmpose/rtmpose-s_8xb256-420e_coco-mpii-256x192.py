# RTMPose-s on COCO + MPII, 21-joint union skeleton, no distillation: the
# baseline of the small student. It differs from the tiny baseline exactly as
# upstream's rtmpose-s_8xb256-420e_coco-256x192.py differs from -t: network
# size, pretrained backbone and EMA.
_base_ = ['./rtmpose-t_8xb256-420e_coco-mpii-256x192.py']

model = dict(
    backbone=dict(
        deepen_factor=0.33,
        widen_factor=0.5,
        init_cfg=dict(
            checkpoint='https://download.openmmlab.com/mmpose/v1/projects/'
            'rtmposev1/cspnext-s_udp-aic-coco_210e-256x192-92f5a029_20230130.pth'
        )),
    head=dict(in_channels=512))

custom_hooks = _base_.custom_hooks + [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
]
