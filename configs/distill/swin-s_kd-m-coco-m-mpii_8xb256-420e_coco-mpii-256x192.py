# The Swin student of
# configs/rtmpose/swin-s_rtmpose_8xb256-420e_coco-mpii-256x192.py (5.80 M
# params, 0.98 GFLOPs at 256x192; see there for its sizing and weights)
# distilled from the RTMPose-m COCO and MPII teachers with the RTMPose-s
# distillation recipe this inherits from: only the student's backbone and
# head width change.
_base_ = ['./rtmpose-s_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py']

swin_embed_dims = 40
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True,
            type='ExportableSwinTransformer',
            embed_dims=swin_embed_dims,
            depths=(2, 2, 6, 2),
            num_heads=(2, 4, 8, 16),
            window_size=7,
            drop_path_rate=0.1,
            out_indices=(3, )),
        head=dict(in_channels=swin_embed_dims * 8)))
