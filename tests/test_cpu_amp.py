"""bfloat16 training on the CPU (``--amp``): a step with non-finite
gradients is skipped, and many in a row stop training."""
import pytest
import torch
from mmengine.logging import MMLogger
from torch import nn

from mmpose_ext.engine.cpu_amp import (CPUAmpOptimWrapper,
                                       NonFiniteGradientsError)


def _wrapper(**kwargs):
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return model, CPUAmpOptimWrapper(optimizer=optimizer, **kwargs)


def _update(model, wrapper, poison=False):
    with wrapper.optim_context(model):
        loss = model(torch.ones(4, 3)).square().mean()
    if poison:  # what oneDNN's bfloat16 convolution backward sometimes gives
        loss = loss * torch.tensor(float('nan'))
    wrapper.update_params(loss)


def test_forward_runs_in_bfloat16():
    model, wrapper = _wrapper()
    with wrapper.optim_context(model):
        assert model(torch.ones(1, 3)).dtype == torch.bfloat16


def test_step_with_nan_gradients_is_skipped_and_the_next_one_taken(capsys):
    MMLogger.get_instance('test_cpu_amp')  # print_log's current logger
    model, wrapper = _wrapper()
    before = [p.detach().clone() for p in model.parameters()]
    _update(model, wrapper, poison=True)
    for old, new in zip(before, model.parameters()):
        assert torch.equal(old, new)
    assert all(p.grad is None or not p.grad.any()
               for p in model.parameters())  # zeroed for the next step
    assert wrapper.skipped_steps == 1
    assert 'skipped an optimizer step whose gradients are not finite' in \
        capsys.readouterr().out
    _update(model, wrapper)
    assert not torch.equal(before[0], model.weight)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert wrapper.skipped_steps == 1 and wrapper._skipped_in_a_row == 0


def test_gradients_non_finite_in_a_row_stop_training():
    model, wrapper = _wrapper(max_skipped_in_a_row=3)
    _update(model, wrapper, poison=True)
    _update(model, wrapper, poison=True)
    _update(model, wrapper)  # a good step resets the count
    _update(model, wrapper, poison=True)
    _update(model, wrapper, poison=True)
    with pytest.raises(NonFiniteGradientsError,
                       match=r'not finite in 3 optimizer steps in a row.*'
                       r'without --amp'):
        _update(model, wrapper, poison=True)


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match='max_skipped_in_a_row must be at '
                       'least 1, got 0'):
        _wrapper(max_skipped_in_a_row=0)
