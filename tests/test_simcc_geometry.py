"""Teacher SimCC distributions carried into the student's crop frame."""
import numpy as np
import pytest
import torch
from mmpose.datasets.transforms import TopdownAffine

from mmpose_ext.datasets import TeacherCrops
from mmpose_ext.models.simcc_geometry import (crop_axis_relation, map_bins,
                                              resample_simcc)

STUDENT = (48, 64)   # (w, h), aspect 0.75
TEACHER = (80, 80)   # another size and aspect ratio
RATIO = 2.0          # SimCC bins per pixel


def _sample(rotation):
    rng = np.random.default_rng(0)
    keypoints = rng.uniform([60, 40], [140, 220], size=(1, 21, 2))
    return dict(
        img=rng.integers(0, 255, (260, 200, 3), dtype=np.uint8),
        bbox_center=np.array([[100., 130.]], np.float32),
        bbox_scale=np.array([[90., 200.]], np.float32),
        bbox_rotation=np.array([rotation], np.float32),
        keypoints=keypoints.astype(np.float32),
        keypoints_visible=np.ones((1, 21), np.float32))


def _crops(rotation, box_scale=None, source='mpii'):
    """Teacher crop, and student crop of the same sample from dataset
    ``source``, with the joints in each crop's own pixel frame."""
    results = dict(_sample(rotation), dataset_name=source)
    teacher = TeacherCrops(
        [dict(name='t', input_size=TEACHER, box_scale=box_scale)])
    results = teacher(results)
    view = _sample(rotation)
    view['bbox_scale'] = view['bbox_scale'] * (box_scale or {}).get(source, 1.)
    teacher_view = TopdownAffine(input_size=TEACHER)(view)
    results = TopdownAffine(input_size=STUDENT)(results)
    return results, teacher_view


def _peaked_simcc(coords, bins):
    """Logits whose softmax peaks at ``coords`` (pixels) on ``bins`` bins."""
    grid = torch.arange(bins, dtype=torch.float32)
    centre = torch.as_tensor(coords, dtype=torch.float32)[..., None] * RATIO
    return -((grid - centre)**2) / (2 * 2.0**2)


@pytest.mark.parametrize('rotation, box_scale', [
    (0., None), (35., None), (0., dict(mpii=0.67)), (35., dict(mpii=0.67))])
def test_teacher_peak_at_ground_truth_lands_on_student_ground_truth(
        rotation, box_scale):
    results, teacher_view = _crops(rotation, box_scale)
    crop = results['teacher_crops']['t']
    np.testing.assert_allclose(crop['center'], teacher_view['input_center'])
    teacher_kpts = teacher_view['transformed_keypoints'][0]  # (K, 2)
    student_kpts = results['transformed_keypoints'][0]
    a, b = crop_axis_relation(
        torch.tensor(crop['center'])[None], torch.tensor(crop['scale'])[None],
        TEACHER, torch.tensor(results['input_center'])[None],
        torch.tensor(results['input_scale'])[None], STUDENT)
    inside = (((student_kpts >= 0) & (student_kpts < STUDENT)).all(1)
              & ((teacher_kpts >= 0) & (teacher_kpts < TEACHER)).all(1))
    assert inside.sum() >= 10
    for axis, (t_len, s_len) in enumerate(zip(TEACHER, STUDENT)):
        logits = _peaked_simcc(teacher_kpts[None, :, axis],
                               int(t_len * RATIO))
        probs = torch.softmax(logits, -1)
        moved = resample_simcc(probs, a[:, axis], b[:, axis], RATIO,
                               int(s_len * RATIO), RATIO)
        peak = moved.argmax(-1)[0].numpy()
        expected = student_kpts[:, axis] * RATIO
        np.testing.assert_array_less(
            np.abs(peak - expected)[inside], 1.0 + 1e-6)
        mapped = map_bins(torch.tensor(teacher_kpts[None, :, axis] * RATIO),
                          a[:, axis], b[:, axis], RATIO, RATIO)[0].numpy()
        np.testing.assert_allclose(mapped, expected, atol=1e-3)


def test_teacher_crop_has_its_own_aspect_ratio_not_the_students():
    results, _ = _crops(0.)
    t_scale = results['teacher_crops']['t']['scale']
    s_scale = results['input_scale']
    assert results['teacher_inputs']['t'].shape == (TEACHER[1], TEACHER[0], 3)
    assert t_scale[0] / t_scale[1] == pytest.approx(TEACHER[0] / TEACHER[1])
    assert s_scale[0] / s_scale[1] == pytest.approx(STUDENT[0] / STUDENT[1])
    # the same person box (200 px tall) fits both crops
    assert t_scale[1] == pytest.approx(200.) and s_scale[1] == pytest.approx(
        200.)


@pytest.mark.parametrize('source, height', [('mpii', 134.), ('coco', 200.)])
def test_box_scale_frames_only_the_listed_sources_crops(source, height):
    results, _ = _crops(0., dict(mpii=0.67), source)
    t_scale = results['teacher_crops']['t']['scale']
    assert t_scale[1] == pytest.approx(height)
    assert results['input_scale'][1] == pytest.approx(200.)


def test_resampled_rows_are_distributions():
    probs = torch.softmax(torch.randn(2, 3, 50), -1)
    out = resample_simcc(probs, torch.tensor([0.7, 1.3]),
                         torch.tensor([3., -4.]), 2., 40, 2.)
    torch.testing.assert_close(out.sum(-1), torch.ones(2, 3))
    assert (out >= 0).all()


def test_duplicate_teacher_names_in_teacher_crops_are_refused():
    with pytest.raises(ValueError, match="teacher 't' is listed twice"):
        TeacherCrops([dict(name='t', input_size=(8, 8))] * 2)
