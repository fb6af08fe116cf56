"""How reports name the CPU their timings ran on, from /proc/cpuinfo text."""
import os

from kd_bench.machine import (VECTOR_EXTENSIONS, cpu_description, cpu_model,
                              vector_extensions)

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx {extra}

processor\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx {extra}
"""


def _cpuinfo(tmp_path, extra: str) -> str:
    path = tmp_path / 'cpuinfo'
    path.write_text(CPUINFO.format(extra=extra))
    return str(path)


def test_an_avx2_only_cpu_is_named_with_what_it_lacks(tmp_path):
    path = _cpuinfo(tmp_path, 'avx2 fma')
    assert cpu_model(path) == 'AMD EPYC'
    assert vector_extensions(path) == ['avx2']
    assert cpu_description(path) == (
        f'AMD EPYC, {os.cpu_count()} CPU cores (avx2; no avx512f, '
        'avx512_vnni, avx_vnni, avx512_bf16, amx_bf16, amx_int8)')


def test_extensions_are_listed_in_a_fixed_order(tmp_path):
    # avx512_vnni before avx512f in the flags: the report's order is fixed
    path = _cpuinfo(tmp_path, 'avx512_vnni avx2 avx512f avx512_bf16')
    assert vector_extensions(path) == ['avx2', 'avx512f', 'avx512_vnni',
                                       'avx512_bf16']
    assert '(avx2, avx512f, avx512_vnni, avx512_bf16; no avx_vnni, ' \
        'amx_bf16, amx_int8)' in cpu_description(path)


def test_a_cpu_with_every_extension_lists_no_missing_ones(tmp_path):
    path = _cpuinfo(tmp_path, ' '.join(VECTOR_EXTENSIONS))
    assert cpu_description(path).endswith(
        '(' + ', '.join(VECTOR_EXTENSIONS) + ')')


def test_flags_that_cannot_be_read_are_said_to_be_unknown(tmp_path):
    missing = str(tmp_path / 'no-cpuinfo')
    assert vector_extensions(missing) is None
    assert cpu_description(missing).endswith(
        'CPU cores (vector extensions unknown)')
    # another architecture's cpuinfo has no x86 flags line
    arm = tmp_path / 'arm'
    arm.write_text('processor\t: 0\nFeatures\t: fp asimd\n')
    assert vector_extensions(str(arm)) is None
