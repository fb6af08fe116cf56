"""What a timing was measured on: the CPU's model and cores, and the vector
extensions that decide how fast its kernels are.

Two CPUs of the same name can differ several-fold here: ONNX Runtime's int8
convolutions take one instruction per multiply-accumulate step with VNNI and
three without (AVX2 only), bfloat16 is native with ``avx512_bf16`` or AMX and
emulated without. Every report that gives a time names the CPU with
:func:`cpu_description`.
"""
import os
import platform
from typing import List, Optional

# The flags (as /proc/cpuinfo spells them) that change which kernels
# PyTorch and ONNX Runtime pick on x86-64, from oldest to newest.
VECTOR_EXTENSIONS = ('avx2', 'avx512f', 'avx512_vnni', 'avx_vnni',
                     'avx512_bf16', 'amx_bf16', 'amx_int8')


def _cpuinfo_value(key: str, path: str) -> Optional[str]:
    """The first ``key : value`` line's value in ``path``, else ``None``."""
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.partition(':')
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return None


def cpu_model(path: str = '/proc/cpuinfo') -> str:
    """The CPU's model name (Linux), else what ``platform`` knows."""
    return (_cpuinfo_value('model name', path) or platform.processor()
            or platform.machine())


def vector_extensions(path: str = '/proc/cpuinfo') -> Optional[List[str]]:
    """Which of :data:`VECTOR_EXTENSIONS` the CPU has; ``None`` where the
    flags cannot be read (no ``/proc/cpuinfo``, or not x86)."""
    flags = _cpuinfo_value('flags', path)
    if flags is None:
        return None
    present = set(flags.split())
    return [flag for flag in VECTOR_EXTENSIONS if flag in present]


def cpu_description(path: str = '/proc/cpuinfo') -> str:
    """One phrase for a report, e.g. ``AMD EPYC, 2 CPU cores (avx2; no
    avx512f, avx512_vnni, ...)``."""
    found = vector_extensions(path)
    if found is None:
        features = 'vector extensions unknown'
    else:
        missing = [flag for flag in VECTOR_EXTENSIONS if flag not in found]
        parts = [', '.join(found)] if found else []
        if missing:
            parts.append('no ' + ', '.join(missing))
        features = '; '.join(parts)
    return f'{cpu_model(path)}, {os.cpu_count()} CPU cores ({features})'
