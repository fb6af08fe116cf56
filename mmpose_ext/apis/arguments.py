"""Number types and the ``--cfg-options`` action of the command-line tools'
``argparse`` options.

A count of 0, a negative seed or a tolerance below zero stops at parsing,
with argparse's one line (``prog: error: argument --repeats: must be an
integer of 1 or more, got 0``), instead of running until a library deep
inside fails on it or, worse, writes a report of nothing.
"""
import argparse
import math
from typing import Callable, Optional, Tuple

from mmengine.config import DictAction

# numpy's and torch's seeds are unsigned 32-bit integers
MAX_SEED = 2**32 - 1


def _parse(kind: type, text: str):
    try:
        value = kind(text)
    except ValueError:
        noun = 'an integer' if kind is int else 'a number'
        raise argparse.ArgumentTypeError(
            f'must be {noun}, got {text!r}') from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f'must be a finite number, got {text!r}')
    return value


def int_in(low: int, high: float = math.inf) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = _parse(int, text)
        if not low <= value <= high:
            bound = (f'of {low} or more' if high == math.inf else
                     f'from {low} to {high}')
            raise argparse.ArgumentTypeError(
                f'must be an integer {bound}, got {value}')
        return value

    return parse


def float_above(low: float, inclusive: bool = False) -> Callable[[str], float]:
    """An argparse type: a number above ``low`` (or equal to it when
    ``inclusive``)."""

    def parse(text: str) -> float:
        value = _parse(float, text)
        if value < low or (value == low and not inclusive):
            bound = f'{low:g} or more' if inclusive else f'above {low:g}'
            raise argparse.ArgumentTypeError(
                f'must be a number {bound}, got {text}')
        return value

    return parse


def split_name(text: str) -> Tuple[Optional[str], str]:
    """``NAME=REST`` as ``(NAME, REST)``, anything else as ``(None, text)``.

    A ``NAME`` holding ``/`` or ``:`` is part of a path with ``=`` in it
    (``runs/lr=0.1/student.onnx``), so such a text is unnamed.
    """
    name, sep, rest = text.partition('=')
    if not sep or '/' in name or ':' in name:
        return None, text
    return name, rest


positive_int = int_in(1)
non_negative_int = int_in(0)
seed = int_in(0, MAX_SEED)
positive_float = float_above(0)
non_negative_float = float_above(0, inclusive=True)


class ConfigOptionsAction(DictAction):
    """MMEngine's ``DictAction`` for ``--cfg-options key=value ...``, with
    argparse's one-line error for an item without ``=`` (MMEngine's own
    ends in ``ValueError: not enough values to unpack``)."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = values if isinstance(values, list) else [values]
        for item in items:
            if '=' not in item:
                parser.error(
                    f'argument {option_string}: {item!r} has no "=": give '
                    'each option as key=value, e.g. train_cfg.max_iters=100')
        super().__call__(parser, namespace, values, option_string)
