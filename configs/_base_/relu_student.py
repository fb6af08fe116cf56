# The student's activations for int8: ReLU in place of SiLU in the CSPNeXt
# backbone; the RTMCC head's gated attention unit keeps its one SiLU. Shared
# by the configs/quantize/ fine-tuning configs.
#
# ONNX Runtime's static quantisation folds a ReLU into the int8 convolution
# before it (the quantised output's range starts at 0), while each SiLU
# becomes a QLinearSigmoid and a QLinearMul of its own: 18 of them in
# RTMPose-t, which cost more than its int8 convolutions save (ORT profile in
# docs/compression.md). The 17 of the backbone are most of
# that; the head's costs little (quick start, int8 network at 64x48, one
# thread: 0.514x float32 with it, 0.485x with ReLU there too; at 256x192
# no difference), while ReLU there cost 1.2 AP and 0.9 PCKh more in float32
# after 3000 fine-tuning iterations (results/compression_int8.md). Add
# model.student.head.gau_cfg.act_fn='ReLU' for a student without SiLU.
# The weights keep their names and shapes, so a SiLU student's checkpoint
# loads strictly and is fine-tuned from there, as EfficientNet-Lite swapped
# swish for ReLU6 for the same reason.
relu_student = dict(backbone=dict(act_cfg=dict(type='ReLU')))
# ReLU everywhere, the head's attention unit too: no SiLU left, so every
# activation of the int8 graph folds into a convolution. Trained so from its
# initialisation on in configs/quantize/*relu-all* (docs/compression.md,
# "A ReLU student from its initialisation on").
relu_student_all = dict(backbone=relu_student['backbone'],
                        head=dict(gau_cfg=dict(act_fn='ReLU')))
