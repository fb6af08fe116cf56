"""Record the channel widths of a pruned network, and shrink a freshly built
network to them.

Structured pruning changes the shapes of convolutions, norms and linear
layers, so a pruned checkpoint no longer fits the model its config builds.
Instead of pickling the pruned module, its checkpoint records each layer's
widths (``meta.pruning.widths``) and :func:`shrink_to_widths` resizes the
layers of the config's model to them before the weights load strictly.
"""
from typing import Dict, List

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from .errors import PrunedWidthsError

# The attributes that hold a layer's widths, per layer kind. Kinds, not
# classes, are recorded: MMPose turns the configs' SyncBatchNorm into
# _BatchNormXd for inference, and both are the same batch norm.
WIDTH_ATTRS = (('conv', _ConvNd, ('in_channels', 'out_channels', 'groups')),
               ('batchnorm', _BatchNorm, ('num_features', )),
               ('linear', nn.Linear, ('in_features', 'out_features')))
LISTED_LAYERS = 4

LayerWidths = Dict[str, Dict[str, int]]


def _width_attrs(module: nn.Module):
    """``(kind, width attributes)`` of a layer with widths, else None."""
    for kind, layer_type, attrs in WIDTH_ATTRS:
        if isinstance(module, layer_type):
            return kind, attrs
    return None


def layer_widths(model: nn.Module) -> LayerWidths:
    """``{layer name: {attr: width}}`` of every convolution, batch norm and
    linear layer of ``model``, plus its kind (``conv``, ``batchnorm``,
    ``linear``) under ``type``."""
    widths = {}
    for name, module in model.named_modules():
        found = _width_attrs(module)
        if found is not None:
            kind, attrs = found
            widths[name] = dict(type=kind,
                                **{a: int(getattr(module, a)) for a in attrs})
    return widths


def _listing(items: List[str]) -> str:
    more = f' and {len(items) - LISTED_LAYERS} more' \
        if len(items) > LISTED_LAYERS else ''
    return ', '.join(items[:LISTED_LAYERS]) + more


def width_mismatches(recorded: LayerWidths, model: nn.Module) -> List[str]:
    """What keeps ``model`` (as its config builds it) from being shrunk to
    ``recorded``: layers only on one side, of another type, or recorded
    wider than the config builds them. Empty when it fits."""
    built = layer_widths(model)
    problems = []
    missing = sorted(set(recorded) - set(built))
    if missing:
        problems.append(f'{len(missing)} recorded layers the config does not '
                        f'build ({_listing(missing)})')
    unrecorded = sorted(set(built) - set(recorded))
    if unrecorded:
        problems.append(f'{len(unrecorded)} layers of the config with no '
                        f'recorded widths ({_listing(unrecorded)})')
    wrong = []
    for name in sorted(set(built) & set(recorded)):
        have, want = built[name], recorded[name]
        if have['type'] != want.get('type'):
            wrong.append(f'{name} is a {have["type"]}, recorded '
                         f'{want.get("type")}')
            continue
        wrong += [f'{name}.{attr} {want.get(attr)} > {have[attr]}'
                  for attr in have
                  if attr not in ('type', 'groups')
                  and not (isinstance(want.get(attr), int)
                           and 0 < want[attr] <= have[attr])]
    if wrong:
        problems.append(f'{len(wrong)} layers that do not fit '
                        f'({_listing(wrong)})')
    return problems


def _resize_conv(conv: _ConvNd, width: Dict[str, int]) -> None:
    conv.in_channels, conv.out_channels = width['in_channels'], \
        width['out_channels']
    conv.groups = width['groups']
    conv.weight = nn.Parameter(conv.weight.new_empty(
        conv.out_channels, conv.in_channels // conv.groups,
        *conv.kernel_size))
    if conv.bias is not None:
        conv.bias = nn.Parameter(conv.bias.new_empty(conv.out_channels))


def _resize_norm(norm: _BatchNorm, width: Dict[str, int]) -> None:
    n = norm.num_features = width['num_features']
    if norm.affine:
        norm.weight = nn.Parameter(norm.weight.new_ones(n))
        norm.bias = nn.Parameter(norm.bias.new_zeros(n))
    if norm.track_running_stats:
        norm.running_mean = norm.running_mean.new_zeros(n)
        norm.running_var = norm.running_var.new_ones(n)


def _resize_linear(linear: nn.Linear, width: Dict[str, int]) -> None:
    linear.in_features, linear.out_features = width['in_features'], \
        width['out_features']
    linear.weight = nn.Parameter(linear.weight.new_empty(
        linear.out_features, linear.in_features))
    if linear.bias is not None:
        linear.bias = nn.Parameter(linear.bias.new_empty(
            linear.out_features))


def sync_head_channels(model: nn.Module) -> None:
    """Keep an RTMCC head's ``in_channels`` (read by the distiller's feature
    projectors) equal to its first layer's input after pruning."""
    head = getattr(model, 'head', None)
    final_layer = getattr(head, 'final_layer', None)
    if isinstance(final_layer, _ConvNd) and hasattr(head, 'in_channels'):
        head.in_channels = final_layer.in_channels


@torch.no_grad()
def shrink_to_widths(model: nn.Module, recorded: LayerWidths,
                     source: str = 'the pruned checkpoint') -> nn.Module:
    """Resize ``model``'s layers in place to the ``recorded`` widths; the
    weights are left uninitialised, for a checkpoint to fill.

    Args:
        model (nn.Module): the network as its config builds it.
        recorded (dict): :func:`layer_widths` of the pruned network.
        source (str): where ``recorded`` came from, for the message.

    Returns:
        nn.Module: ``model``.

    Raises:
        PrunedWidthsError: ``recorded`` does not fit ``model``.
    """
    problems = width_mismatches(recorded, model)
    if problems:
        raise PrunedWidthsError(
            f'the layer widths recorded in {source} do not fit the model of '
            f'the config: {"; ".join(problems)}. Use the config the '
            'checkpoint was pruned from (tools/prune.py writes it next to '
            'the pruned checkpoint)')
    built = layer_widths(model)
    for name, module in model.named_modules():
        if name not in recorded or recorded[name] == built[name]:
            continue
        if isinstance(module, _ConvNd):
            _resize_conv(module, recorded[name])
        elif isinstance(module, _BatchNorm):
            _resize_norm(module, recorded[name])
        else:
            _resize_linear(module, recorded[name])
    sync_head_channels(model)
    return model
