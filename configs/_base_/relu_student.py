# The student's activations for int8: ReLU in place of SiLU, in the CSPNeXt
# backbone and in the RTMCC head's gated attention unit. Shared by the
# configs/quantize/ fine-tuning configs.
#
# ONNX Runtime's static quantisation folds a ReLU into the int8 convolution
# before it (the quantised output's range starts at 0), while each SiLU
# becomes a QLinearSigmoid and a QLinearMul of its own: 18 of them in
# RTMPose-t, which cost more than its int8 convolutions save (ORT profile in
# the README's compression section). The weights keep their names and
# shapes, so a SiLU student's checkpoint loads strictly and is fine-tuned
# from there, as EfficientNet-Lite swapped swish for ReLU6 for the same
# reason.
relu_student = dict(
    backbone=dict(act_cfg=dict(type='ReLU')),
    head=dict(gau_cfg=dict(act_fn='ReLU')))
