"""MMPose's Swin Transformer with a batch size that stays dynamic in ONNX."""
import torch
from mmpose.models.backbones.swin import ShiftWindowMSA, SwinTransformer
from mmpose.registry import MODELS


class _BatchFreeShiftWindowMSA(ShiftWindowMSA):
    """Upstream's ``window_reverse`` computes the batch size with ``int()``,
    which the TorchScript tracer records as the example's batch: the graph
    then answers wrongly for any other batch. Letting ``view`` infer it
    keeps it symbolic; the arithmetic is otherwise the same."""

    def window_reverse(self, windows: torch.Tensor, H: int,
                       W: int) -> torch.Tensor:
        size, channels = self.window_size, windows.shape[-1]
        x = windows.view(-1, H // size, W // size, size, size, channels)
        return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, H, W, channels)


@MODELS.register_module()
class ExportableSwinTransformer(SwinTransformer):
    """MMPose's ``SwinTransformer``, unchanged in arguments, parameters and
    outputs, whose traced ONNX graph takes any batch size.

    Args:
        **kwargs: the arguments of
            :class:`mmpose.models.backbones.SwinTransformer`.

    Returns:
        tuple[torch.Tensor]: the feature maps of ``out_indices``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for module in self.modules():
            if type(module) is ShiftWindowMSA:
                module.__class__ = _BatchFreeShiftWindowMSA
