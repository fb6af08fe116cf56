# The Swin student's backbone, shared by
# configs/rtmpose/swin-s_rtmpose_8xb256-420e_coco-mpii-256x192.py and its
# distillation configs/distill/swin-s_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py.
#
# MMPose's registered Swin Transformer in place of CSPNeXt-s, as
# mmpose_ext's ExportableSwinTransformer: the same arguments, weights and
# outputs, but a traced ONNX graph that takes any batch size (upstream's
# window_reverse freezes the export example's batch). Swin-T's
# shape (depths 2-2-6-2, window 7) narrowed to 40 channels so the student
# stays RTMPose-s-sized at 256x192 (mmengine get_model_complexity_info,
# backbone + head, one crop): 5.80 M params and 0.98 GFLOPs, against
# RTMPose-s's 5.57 M and 0.69 GFLOPs. Swin's windowed attention at stride 4
# costs more FLOPs per parameter than CSPNeXt's convolutions; matching the
# FLOPs instead (32 channels) leaves 4.0 M params.
# No ImageNet weights exist at this width, and nothing is downloaded here:
# the backbone starts from Swin's own truncated-normal init. The nearest
# public weights are Swin-T's (embed_dims=96), e.g.
# https://github.com/SwinTransformer/storage/releases/download/v1.0.0/swin_tiny_patch4_window7_224.pth
swin_embed_dims = 40
swin_backbone = dict(
    _delete_=True,
    type='ExportableSwinTransformer',
    embed_dims=swin_embed_dims,
    depths=(2, 2, 6, 2),
    num_heads=(2, 4, 8, 16),
    window_size=7,
    drop_path_rate=0.1,
    out_indices=(3, ))
# The last stage (stride 32, like CSPNeXt's, so the head's
# in_featuremap_size (6, 8) is unchanged) is 8 times as wide as the first.
swin_out_channels = swin_embed_dims * 8

# The quick start's Swin student (configs/quickstart/*swin*): as the quick
# start's CSPNeXt students stop after the stride-8 stage, so does this one,
# after Swin's first two stages (stride 4 and 8, an 8x6 map at 64x48 for the
# SimCC head). Windows of 4 tile the 16x12 first stage exactly (7 would pad
# it to 21x14).
swin_qs_backbone = dict(
    swin_backbone,
    depths=(2, 2),
    num_heads=(2, 4),
    window_size=4,
    out_indices=(1, ))
swin_qs_out_channels = swin_embed_dims * 2
