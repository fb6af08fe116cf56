"""Tests of the synthetic full-truth benchmark (mmpose_ext.synthetic)."""
import json
import os
import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.io import loadmat

from mmpose_ext.skeletons import (COCO_KEYPOINTS, CROWDPOSE_KEYPOINTS,
                                  MPII_KEYPOINTS, UNION_KEYPOINTS,
                                  convert_keypoints)
from mmpose_ext.synthetic import (SceneConfig, generate_benchmark,
                                  render_image, scene_config)
from mmpose_ext.synthetic import benchmark as benchmark_module
from mmpose_ext.synthetic.files import atomic_write, sha256_file

IMAGE_SIZE = (112, 96)
PARAMS = dict(seed=0, num_train=2, num_val=3, image_size=IMAGE_SIZE)
ANNOTATIONS = {
    'coco_train': 'coco/annotations/person_keypoints_train.json',
    'coco_val': 'coco/annotations/person_keypoints_val.json',
    'coco_truth': 'coco/annotations/full_truth_val.json',
    'mpii_train': 'mpii/annotations/mpii_train.json',
    'mpii_val': 'mpii/annotations/mpii_val.json',
    'mpii_mat': 'mpii/annotations/mpii_gt_val.mat',
    'mpii_truth': 'mpii/annotations/full_truth_val.json',
    'coco_union_train': 'coco/annotations/union_train.json',
    'mpii_union_train': 'mpii/annotations/union_train.json',
}
CROWDPOSE_ANNOTATIONS = {
    'crowdpose_train': 'crowdpose/annotations/mmpose_crowdpose_train.json',
    'crowdpose_val': 'crowdpose/annotations/mmpose_crowdpose_val.json',
    'crowdpose_truth': 'crowdpose/annotations/full_truth_val.json',
    'crowdpose_union_train': 'crowdpose/annotations/union_train.json',
}
THREE_STYLES = ('coco', 'mpii', 'crowdpose')


@pytest.fixture(scope='module')
def bench(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('bench') / 'synthetic'
    generate_benchmark(out, **PARAMS)
    return out


@pytest.fixture(scope='module')
def crowd_bench(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('crowd_bench') / 'synthetic'
    generate_benchmark(out, styles=THREE_STYLES, **PARAMS)
    return out


def load(root: Path, key: str):
    rel = ANNOTATIONS.get(key) or CROWDPOSE_ANNOTATIONS[key]
    return json.loads((root / rel).read_text())


def all_files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}


def val_scenes(root: Path, style: str) -> list:
    """The validation scenes, re-rendered with the manifest's parameters."""
    params = json.loads((root / 'manifest.json').read_text())['params']
    config = SceneConfig.from_dict(params['scenes'][style])
    return [render_image(params['seed'], style, 'val', i, IMAGE_SIZE, config)
            for i in range(params['num_val'])]


def per_image(doc: dict) -> list:
    """COCO annotations grouped by image, in file order."""
    return [[a for a in doc['annotations'] if a['image_id'] == img['id']]
            for img in doc['images']]


def pixel(x: float, y: float):
    return int(np.floor(y + 0.5)), int(np.floor(x + 0.5))


# --- the labels match the drawing ------------------------------------------

@pytest.mark.parametrize('style, key', [('coco', 'coco_val'),
                                        ('coco', 'coco_truth'),
                                        ('mpii', 'mpii_truth')])
def test_visible_joints_lie_on_their_persons_drawn_body(bench, style, key):
    doc = load(bench, key)
    checked = 0
    for scene, anns in zip(val_scenes(bench, style), per_image(doc)):
        assert len(anns) == len(scene.people)
        for person, ann in enumerate(anns):
            kpts = np.array(ann['keypoints']).reshape(-1, 3)
            for x, y, v in kpts[kpts[:, 2] == 2]:
                assert scene.owner[pixel(x, y)] == person
                checked += 1
    assert checked > 0


@pytest.mark.parametrize('style', ['coco', 'mpii'])
def test_labelled_joints_lie_on_their_persons_silhouette(bench, style):
    doc = load(bench, f'{style}_truth')
    for scene, anns in zip(val_scenes(bench, style), per_image(doc)):
        for person, ann in enumerate(anns):
            kpts = np.array(ann['keypoints']).reshape(-1, 3)
            for x, y, _ in kpts[kpts[:, 2] > 0]:
                assert scene.silhouettes[person][pixel(x, y)]


@pytest.mark.parametrize('style', ['coco', 'mpii'])
def test_written_images_are_the_rendered_images(bench, style):
    doc = load(bench, f'{style}_truth')
    folder = bench / ('coco/images/val' if style == 'coco' else 'mpii/images')
    def smooth(image):   # JPEG loses the pixel noise, not the picture
        return cv2.GaussianBlur(image.astype(np.float32), (0, 0), 1.5)

    for scene, img in zip(val_scenes(bench, style), doc['images']):
        written = cv2.imread(str(folder / img['file_name']))
        assert written.shape == (IMAGE_SIZE[1], IMAGE_SIZE[0], 3)
        assert np.abs(smooth(written) - smooth(scene.image)).mean() < 2.0


def test_occluded_and_outside_joints_are_labelled_so(bench):
    truth = load(bench, 'coco_truth')
    width, height = IMAGE_SIZE
    kpts = np.concatenate([np.array(a['keypoints']).reshape(-1, 3)
                           for a in truth['annotations']])
    inside = ((kpts[:, 0] >= 0) & (kpts[:, 0] <= width - 1)
              & (kpts[:, 1] >= 0) & (kpts[:, 1] <= height - 1))
    assert np.array_equal(inside, kpts[:, 2] > 0)
    assert set(np.unique(kpts[:, 2])) == {0, 1, 2}


# --- each style labels exactly its joints ----------------------------------

def test_coco_style_labels_exactly_the_17_coco_joints(bench):
    for key in ('coco_train', 'coco_val'):
        doc = load(bench, key)
        (category,) = doc['categories']
        assert category['keypoints'] == list(COCO_KEYPOINTS)
        assert all(1 <= i <= 17 for link in category['skeleton'] for i in link)
        for ann in doc['annotations']:
            assert len(ann['keypoints']) == 3 * 17
            assert ann['category_id'] == 1 and ann['iscrowd'] == 0
            assert ann['num_keypoints'] == \
                np.count_nonzero(ann['keypoints'][2::3])
        assert all({'id', 'file_name', 'width', 'height'} <= set(img)
                   for img in doc['images'])


def test_mpii_style_labels_exactly_the_16_mpii_joints(bench):
    for key in ('mpii_train', 'mpii_val'):
        for entry in load(bench, key):
            assert len(entry['joints']) == len(entry['joints_vis']) == 16
            for (x, y), vis in zip(entry['joints'], entry['joints_vis']):
                assert vis in (0, 1)
                assert (vis == 0) == ([x, y] == [-1.0, -1.0])


def test_mpii_gt_mat_has_the_layout_mpii_evaluation_reads(bench):
    num_people = len(load(bench, 'mpii_val'))
    mat = loadmat(str(bench / ANNOTATIONS['mpii_mat']))
    assert mat['headboxes_src'].shape == (2, 2, num_people)
    assert mat['jnt_missing'].shape == (16, num_people)
    assert mat['pos_gt_src'].shape == (16, 2, num_people)
    joints = mat['dataset_joints']
    # MPII's evaluation finds joints by these short names.
    for short, name in [('head', 'head_top'), ('lsho', 'left_shoulder'),
                        ('rank', 'right_ankle'), ('pelv', 'pelvis')]:
        assert np.where(joints == short)[1][0] == MPII_KEYPOINTS.index(name)


# --- the full truth agrees with both styles --------------------------------

def test_full_truth_labels_the_21_union_joints(bench):
    for key in ('coco_truth', 'mpii_truth'):
        doc = load(bench, key)
        assert doc['categories'][0]['keypoints'] == list(UNION_KEYPOINTS)
        for ann in doc['annotations']:
            assert len(ann['keypoints']) == 3 * 21
            assert ann['head_size'] > 0


def test_full_truth_agrees_with_the_coco_style(bench):
    coco, truth = load(bench, 'coco_val'), load(bench, 'coco_truth')
    assert truth['images'] == coco['images']
    assert len(truth['annotations']) == len(coco['annotations'])
    for mine, full in zip(coco['annotations'], truth['annotations']):
        assert (mine['id'], mine['image_id'], mine['bbox']) == \
            (full['id'], full['image_id'], full['bbox'])
        full_kpts = convert_keypoints(
            np.array(full['keypoints']).reshape(21, 3), 'union', 'coco')
        kpts = np.array(mine['keypoints']).reshape(17, 3)
        assert np.array_equal(kpts[:, 2], full_kpts[:, 2])
        labelled = kpts[:, 2] > 0
        assert np.array_equal(kpts[labelled], full_kpts[labelled])


def test_full_truth_agrees_with_the_mpii_style(bench):
    entries, truth = load(bench, 'mpii_val'), load(bench, 'mpii_truth')
    names = {img['id']: img['file_name'] for img in truth['images']}
    assert [a['mpii_index'] for a in truth['annotations']] == \
        list(range(len(entries)))
    for full in truth['annotations']:
        entry = entries[full['mpii_index']]
        assert entry['image'] == names[full['image_id']]
        full_kpts = convert_keypoints(
            np.array(full['keypoints']).reshape(21, 3), 'union', 'mpii')
        labelled = np.array(entry['joints_vis']) == 1
        assert np.array_equal(labelled, full_kpts[:, 2] > 0)
        assert np.array_equal(np.array(entry['joints'])[labelled],
                              full_kpts[labelled, :2])


def test_oracle_union_labels_are_the_coco_style_plus_the_other_joints(
        bench):
    coco, union = load(bench, 'coco_train'), load(bench, 'coco_union_train')
    assert union['categories'][0]['keypoints'] == list(UNION_KEYPOINTS)
    assert union['images'] == coco['images']
    extra = [UNION_KEYPOINTS.index(n) for n in UNION_KEYPOINTS
             if n not in COCO_KEYPOINTS]
    labelled_extra = 0
    for mine, full in zip(coco['annotations'], union['annotations']):
        assert mine['bbox'] == full['bbox']
        full_kpts = np.array(full['keypoints']).reshape(21, 3)
        assert np.array_equal(
            np.array(mine['keypoints']).reshape(17, 3),
            convert_keypoints(full_kpts, 'union', 'coco'))
        labelled_extra += int((full_kpts[extra, 2] > 0).sum())
    assert labelled_extra > 0


def test_oracle_union_labels_of_the_mpii_style_label_the_face(bench):
    entries, union = load(bench, 'mpii_train'), load(bench, 'mpii_union_train')
    assert len(union) == len(entries)
    face = [UNION_KEYPOINTS.index(n) for n in UNION_KEYPOINTS
            if n not in MPII_KEYPOINTS]
    for entry, full in zip(entries, union):
        # the same people cut from the same centres and scales
        assert [full[k] for k in ('image', 'center', 'scale')] == \
            [entry[k] for k in ('image', 'center', 'scale')]
        joints = np.concatenate([np.array(full['joints']),
                                 np.array(full['joints_vis'])[:, None]], 1)
        mpii = convert_keypoints(joints, 'union', 'mpii')
        assert np.array_equal(np.array(entry['joints_vis']) == 1,
                              mpii[:, 2] > 0)
        assert np.array_equal(np.array(entry['joints'])[mpii[:, 2] > 0],
                              mpii[mpii[:, 2] > 0, :2])
    assert any(np.array(e['joints_vis'])[face].any() for e in union)


def test_mpii_gt_mat_is_the_one_based_mpii_json(bench):
    entries = load(bench, 'mpii_val')
    mat = loadmat(str(bench / ANNOTATIONS['mpii_mat']))
    joints = np.array([e['joints'] for e in entries])          # N, 16, 2
    labelled = np.array([e['joints_vis'] for e in entries]) == 1
    positions = np.transpose(mat['pos_gt_src'], (2, 0, 1))
    assert np.allclose(positions[labelled], joints[labelled] + 1)
    assert np.array_equal(mat['jnt_missing'].T == 1, ~labelled)


def test_full_truth_head_size_is_mmpose_head_size_of_the_head_box(bench):
    truth = load(bench, 'mpii_truth')
    boxes = np.transpose(loadmat(str(bench / ANNOTATIONS['mpii_mat']))
                         ['headboxes_src'], (2, 0, 1))
    mmpose_size = np.linalg.norm(boxes[:, 1] - boxes[:, 0], axis=1) * 0.6
    assert np.allclose([a['head_size'] for a in truth['annotations']],
                       mmpose_size)


# --- determinism, reuse and refusal ----------------------------------------

def test_same_seed_gives_identical_bytes(bench, tmp_path):
    generate_benchmark(tmp_path / 'again', **PARAMS)
    assert all_files(tmp_path / 'again') == all_files(bench)


def test_different_seed_gives_different_files(bench, tmp_path):
    other = generate_benchmark(tmp_path / 'other', **{**PARAMS, 'seed': 1})
    mine = json.loads((bench / 'manifest.json').read_text())
    assert all(other['files'][f] != mine['files'][f] for f in mine['files'])
    assert all(other['images'][k]['sha256'] != mine['images'][k]['sha256']
               for k in mine['images'])


def test_manifest_holds_the_sha256_of_every_annotation_file(bench):
    manifest = json.loads((bench / 'manifest.json').read_text())
    assert set(manifest['files']) == set(ANNOTATIONS.values())
    for rel, digest in manifest['files'].items():
        assert sha256_file(bench / rel) == digest


def test_second_call_reuses_a_complete_folder(bench, monkeypatch):
    before = {p: p.stat().st_mtime_ns for p in bench.rglob('*')}

    def no_render(*args, **kwargs):
        raise AssertionError('a complete benchmark was rendered again')

    monkeypatch.setattr(benchmark_module, 'render_image', no_render)
    manifest = generate_benchmark(bench, **PARAMS)
    assert manifest == json.loads((bench / 'manifest.json').read_text())
    assert {p: p.stat().st_mtime_ns for p in bench.rglob('*')} == before


def test_folder_with_other_parameters_is_refused_naming_the_difference(bench):
    with pytest.raises(ValueError) as err:
        generate_benchmark(bench, **{**PARAMS, 'num_val': 4})
    message = str(err.value)
    assert str(bench) in message and 'num_val' in message
    assert 'Delete that folder, or write the benchmark to another' in message


def test_folder_with_files_but_no_manifest_is_refused(tmp_path):
    (tmp_path / 'notes.txt').write_text('someone else')
    with pytest.raises(ValueError, match='no manifest.json') as err:
        generate_benchmark(tmp_path, **PARAMS)
    assert str(tmp_path) in str(err.value)


def test_interrupted_generation_leaves_no_manifest(tmp_path, monkeypatch):
    real_write = benchmark_module.atomic_write

    def disk_full(path, data, **kwargs):
        if Path(path).name == 'mpii_val.json':
            raise OSError(28, 'No space left on device')
        real_write(path, data, **kwargs)

    monkeypatch.setattr(benchmark_module, 'atomic_write', disk_full)
    with pytest.raises(OSError):
        generate_benchmark(tmp_path / 'out', **PARAMS)
    assert not (tmp_path / 'out' / 'manifest.json').exists()
    monkeypatch.undo()
    with pytest.raises(ValueError, match='interrupted generation'):
        generate_benchmark(tmp_path / 'out', **PARAMS)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path,
                                                           monkeypatch):
    target = tmp_path / 'ann.json'
    target.write_bytes(b'old')

    def fail(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError):
        atomic_write(target, b'new and longer')
    assert target.read_bytes() == b'old'
    assert [p.name for p in tmp_path.iterdir()] == ['ann.json']


@pytest.mark.parametrize('seed', [-1, 1.5, '0', True, None])
def test_invalid_seed_is_refused_before_writing(tmp_path, seed):
    with pytest.raises(ValueError, match='seed must be an integer'):
        generate_benchmark(tmp_path / 'out', **{**PARAMS, 'seed': seed})
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('name', ['num_train', 'num_val'])
def test_zero_images_is_refused_before_writing(tmp_path, name):
    with pytest.raises(ValueError, match=f'{name} must be an integer from 1'):
        generate_benchmark(tmp_path / 'out', **{**PARAMS, name: 0})
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('size, message', [
    ((112, 60), 'too small for the coco style'),
    ((30, 200), 'cannot hold a person'),
    ((112.0, 96), 'two integers'),
])
def test_image_too_small_for_a_person_is_refused_before_writing(
        tmp_path, size, message):
    with pytest.raises(ValueError, match=message):
        generate_benchmark(tmp_path / 'out', **{**PARAMS, 'image_size': size})
    assert not (tmp_path / 'out').exists()


def test_unknown_difficulty_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown difficulty 'brutal'"):
        generate_benchmark(tmp_path / 'out', **PARAMS, difficulty='brutal')


# --- difficulty ------------------------------------------------------------

@pytest.mark.parametrize('style', ['coco', 'mpii'])
def test_harder_difficulty_turns_every_knob_up(style):
    easy, hard = scene_config(style, 'easy'), scene_config(style, 'hard')
    assert hard.people_per_image[1] > easy.people_per_image[1]
    assert hard.person_scale[0] < easy.person_scale[0]
    assert hard.occluders_per_image[1] > easy.occluders_per_image[1]
    assert hard.clutter_shapes[1] > easy.clutter_shapes[1]
    for knob in ('truncation_prob', 'overlap_prob', 'pose_range',
                 'max_rotation', 'noise_sigma'):
        assert getattr(hard, knob) > getattr(easy, knob)


def test_harder_scenes_hide_more_joints():
    def visible_share(level):
        config = scene_config('coco', level)
        vis = np.concatenate([
            p.visibility for i in range(6)
            for p in render_image(0, 'coco', 'train', i, (128, 128),
                                  config).people])
        return np.mean(vis == 2)

    assert visible_share(0.9) < visible_share(0.1)


def test_mpii_style_can_hold_neighbours_at_every_difficulty():
    # a teacher that never saw a neighbour cannot find its person in the
    # other styles' crops (docs/quickstart.md, benchmark 1.4)
    for difficulty in (0.0, 'easy', 'medium', 'hard'):
        assert scene_config('mpii', difficulty).people_per_image[1] >= 2
    people = [len(render_image(0, 'mpii', 'train', i, (160, 128),
                               scene_config('mpii', 'easy')).people)
              for i in range(12)]
    assert max(people) == 2


def test_mpii_style_has_fewer_larger_people_than_coco_style():
    coco, mpii = scene_config('coco'), scene_config('mpii')
    assert mpii.people_per_image[1] < coco.people_per_image[1]
    assert mpii.person_scale[0] > coco.person_scale[0]
    assert not set(mpii.backgrounds) >= set(coco.backgrounds)


# --- mmpose reads the files ------------------------------------------------

def test_mmpose_coco_dataset_loads_the_coco_style(bench):
    from mmpose.registry import DATASETS
    for split in ('train', 'val'):
        dataset = DATASETS.build(dict(
            type='CocoDataset', data_root=str(bench / 'coco'),
            data_prefix=dict(img=f'images/{split}/'),
            ann_file=f'annotations/person_keypoints_{split}.json',
            test_mode=True, pipeline=[]))
        anns = load(bench, f'coco_{split}')['annotations']
        assert len(dataset) == sum(a['num_keypoints'] > 0 for a in anns)
        sample = dataset[0]
        assert sample['keypoints'].shape == (1, 17, 2)
        assert os.path.isfile(sample['img_path'])


def test_mmpose_mpii_dataset_loads_the_mpii_style_with_head_boxes(bench):
    from mmpose.registry import DATASETS
    dataset = DATASETS.build(dict(
        type='MpiiDataset', data_root=str(bench / 'mpii'),
        data_prefix=dict(img='images/'), ann_file='annotations/mpii_val.json',
        headbox_file=str(bench / ANNOTATIONS['mpii_mat']),
        test_mode=True, pipeline=[]))
    truth = load(bench, 'mpii_truth')['annotations']
    assert len(dataset) == len(truth)
    for i, full in enumerate(truth):
        sample = dataset[i]
        assert sample['keypoints'].shape == (1, 16, 2)
        assert os.path.isfile(sample['img_path'])
        assert np.isclose(sample['head_size'].item(), full['head_size'])


# --- the CrowdPose style (on request) ---------------------------------------

def test_crowdpose_style_is_written_only_when_asked(bench):
    manifest = json.loads((bench / 'manifest.json').read_text())
    assert sorted(manifest['params']['scenes']) == ['coco', 'mpii']
    assert not (bench / 'crowdpose').exists()


def test_crowdpose_style_leaves_the_coco_and_mpii_files_unchanged(
        bench, crowd_bench):
    three = all_files(crowd_bench)
    two = all_files(bench)
    del two['manifest.json']
    assert {k: v for k, v in three.items()
            if not k.startswith('crowdpose/') and k != 'manifest.json'} == two
    manifest = json.loads((crowd_bench / 'manifest.json').read_text())
    assert set(manifest['files']) == \
        set(ANNOTATIONS.values()) | set(CROWDPOSE_ANNOTATIONS.values())


def test_crowdpose_style_labels_exactly_the_14_crowdpose_joints(crowd_bench):
    for key in ('crowdpose_train', 'crowdpose_val'):
        doc = load(crowd_bench, key)
        (category,) = doc['categories']
        assert category['keypoints'] == list(CROWDPOSE_KEYPOINTS)
        for ann in doc['annotations']:
            assert len(ann['keypoints']) == 3 * 14
            assert ann['num_keypoints'] == \
                np.count_nonzero(ann['keypoints'][2::3])
        for image in doc['images']:
            assert 0 <= image['crowdIndex']


def test_full_truth_agrees_with_the_crowdpose_style(crowd_bench):
    mine = load(crowd_bench, 'crowdpose_val')
    truth = load(crowd_bench, 'crowdpose_truth')
    assert [a['id'] for a in mine['annotations']] == \
        [a['id'] for a in truth['annotations']]
    for ann, full in zip(mine['annotations'], truth['annotations']):
        full_kpts = convert_keypoints(
            np.array(full['keypoints']).reshape(21, 3), 'union', 'crowdpose')
        kpts = np.array(ann['keypoints']).reshape(14, 3)
        labelled = kpts[:, 2] > 0
        assert np.array_equal(labelled, full_kpts[:, 2] > 0)
        assert np.array_equal(kpts[labelled], full_kpts[labelled])


def test_crowdpose_style_is_more_crowded_than_coco_style():
    from mmpose_ext.synthetic.crowdpose_format import crowd_index
    from mmpose_ext.synthetic.truth import ImageRecord

    def crowding(style):
        config = scene_config(style, 'easy')
        scenes = [render_image(0, style, 'train', i, (128, 128), config)
                  for i in range(8)]
        return (np.mean([len(s.people) for s in scenes]),
                np.mean([crowd_index(ImageRecord(i, '', 128, 128, s.people))
                         for i, s in enumerate(scenes)]))

    (coco_people, coco_index), (crowd_people, crowd_index_) = (
        crowding('coco'), crowding('crowdpose'))
    assert crowd_people > coco_people
    assert crowd_index_ > 2 * coco_index


def test_crowdpose_style_needs_its_own_folder(bench):
    with pytest.raises(ValueError, match='scenes.crowdpose'):
        generate_benchmark(bench, styles=THREE_STYLES, **PARAMS)


def test_unknown_style_is_refused(tmp_path):
    with pytest.raises(ValueError, match="styles must name.*'crowdpose'"):
        generate_benchmark(tmp_path / 'x', styles=('coco', 'lsp'), **PARAMS)
    assert not (tmp_path / 'x').exists()


def test_mmpose_crowdpose_dataset_loads_the_crowdpose_style(crowd_bench):
    from mmpose.registry import DATASETS
    for split in ('train', 'val'):
        dataset = DATASETS.build(dict(
            type='CrowdPoseDataset', data_root=str(crowd_bench / 'crowdpose'),
            data_prefix=dict(img='images/'),
            ann_file=f'annotations/mmpose_crowdpose_{split}.json',
            test_mode=True, pipeline=[]))
        anns = load(crowd_bench, f'crowdpose_{split}')['annotations']
        assert len(dataset) == sum(a['num_keypoints'] > 0 for a in anns)
        sample = dataset[0]
        assert sample['keypoints'].shape == (1, 14, 2)
        assert os.path.isfile(sample['img_path'])


def test_union_dataset_reads_the_crowdpose_style_on_21_joints(crowd_bench):
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    from mmpose_ext.skeletons import union_mask
    init_default_scope('mmpose')
    dataset = DATASETS.build(dict(
        type='UnionPoseDataset',
        metainfo=dict(from_file=str(Path(__file__).parents[1] / 'configs'
                                    '/_base_/datasets/coco_mpii.py')),
        datasets=[dict(type='CrowdPoseDataset', data_mode='topdown',
                       data_root=str(crowd_bench / 'crowdpose'),
                       data_prefix=dict(img='images/'),
                       ann_file='annotations/mmpose_crowdpose_train.json')],
        pipeline=[]))
    assert dataset.sources == ['crowdpose'] and len(dataset) > 0
    sample = dataset[0]
    assert sample['keypoints'].shape == (1, 21, 2)
    assert (sample['keypoints_visible'][0, ~union_mask('crowdpose')] == 0
            ).all()


def test_command_line_tool_writes_the_benchmark(tmp_path, monkeypatch):
    out = tmp_path / 'cli'
    script = Path(__file__).parents[1] / 'tools' / 'make_synthetic.py'
    monkeypatch.setattr(sys, 'argv', [
        str(script), str(out), '--num-train', '1', '--num-val', '1',
        '--image-size', '96', '96', '--difficulty', '0.3'])
    runpy.run_path(str(script), run_name='__main__')
    manifest = json.loads((out / 'manifest.json').read_text())
    assert manifest['params']['difficulty'] == 0.3


def test_convex_hull_runs_counter_clockwise_from_the_least_x_vertex():
    from mmpose_ext.synthetic.shapes import convex_hull
    points = np.array([[2, 2], [1, 0], [0, 2], [1, 1], [2, 0], [0, 0],
                       [0, 0]], dtype=np.float64)  # inner, edge, repeated
    np.testing.assert_array_equal(
        convex_hull(points), [[0, 0], [2, 0], [2, 2], [0, 2]])
