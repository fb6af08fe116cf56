"""Fetching and verifying teacher checkpoints listed in a manifest."""
import hashlib
import json

import pytest

from mmpose_ext.teacher_zoo import TeacherFetchError, fetch_teachers


def _manifest(tmp_path, url, sha):
    path = tmp_path / 'manifest.json'
    path.write_text(json.dumps(dict(teachers=[dict(
        name='coco', file='coco.pth', url=url, hash_prefix=sha,
        config='teachers/configs/x.py')])))
    return str(path)


def _source(tmp_path, data=b'teacher weights'):
    src = tmp_path / 'remote.pth'
    src.write_bytes(data)
    return src, hashlib.sha256(data).hexdigest()


def test_fetch_downloads_and_verifies_the_sha256_prefix(tmp_path):
    src, sha = _source(tmp_path)
    dest = tmp_path / 'teachers'
    paths = fetch_teachers(manifest=_manifest(tmp_path, src.as_uri(),
                                              sha[:8]), dest_dir=str(dest))
    assert (dest / 'coco.pth').read_bytes() == src.read_bytes()
    assert paths == {'coco': str(dest / 'coco.pth')}
    assert [p.name for p in dest.iterdir()] == ['coco.pth']  # no temp left


def test_a_download_with_another_hash_prefix_is_refused(tmp_path):
    src, _ = _source(tmp_path)
    dest = tmp_path / 'teachers'
    with pytest.raises(TeacherFetchError, match='invalid hash value'):
        fetch_teachers(manifest=_manifest(tmp_path, src.as_uri(), '0' * 8),
                       dest_dir=str(dest))
    assert list(dest.iterdir()) == []  # nothing left under any name


def test_a_file_put_there_by_hand_is_checked_too(tmp_path):
    dest = tmp_path / 'teachers'
    dest.mkdir()
    (dest / 'coco.pth').write_bytes(b'other weights')
    with pytest.raises(TeacherFetchError, match="does not start with the "
                       "manifest's hash_prefix 00000000"):
        fetch_teachers(manifest=_manifest(tmp_path, 'file:///nowhere',
                                          '0' * 8), dest_dir=str(dest))


def test_offline_fetch_says_where_to_put_the_file(tmp_path):
    url = 'http://127.0.0.1:9/rtmpose-m.pth'  # nothing listens on port 9
    with pytest.raises(TeacherFetchError) as err:
        fetch_teachers(manifest=_manifest(tmp_path, url, 'abcd1234'),
                       dest_dir=str(tmp_path / 'teachers'), timeout=5)
    message = str(err.value)
    assert url in message and str(tmp_path / 'teachers' / 'coco.pth') in \
        message
    assert not (tmp_path / 'teachers' / 'coco.pth').exists()


def test_unknown_teacher_name_is_refused(tmp_path):
    src, sha = _source(tmp_path)
    with pytest.raises(TeacherFetchError, match="unknown teacher"):
        fetch_teachers(['h36m'], manifest=_manifest(tmp_path, src.as_uri(),
                                                    sha))


def test_offline_fetch_lists_every_teacher_it_could_not_download(tmp_path):
    path = tmp_path / 'manifest.json'
    path.write_text(json.dumps(dict(teachers=[dict(
        name=name, file=f'{name}.pth', url=f'http://127.0.0.1:9/{name}.pth',
        hash_prefix='abcd1234', config='teachers/configs/x.py')
        for name in ('coco', 'mpii')])))
    dest = tmp_path / 'teachers'
    with pytest.raises(TeacherFetchError) as err:
        fetch_teachers(manifest=str(path), dest_dir=str(dest), timeout=5)
    message = str(err.value)
    assert message.startswith('could not download 2 teacher(s): ')
    assert str(dest / 'coco.pth') in message
    assert str(dest / 'mpii.pth') in message
