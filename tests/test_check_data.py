"""tools/check_data.py: every missing or malformed piece of data is listed."""
import copy
import json
import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config

from conftest import write_coco, write_mpii
from mmpose_ext import skeletons
from mmpose_ext.data_check import check_data, repoint_data_root
from mmpose_ext.datasets import DataConfigError
from mmpose_ext.paths import CONFIG_ROOT
from mmpose_ext.synthetic import generate_benchmark
from tiny_configs import STUDENT_CFG
from tool_modules import load_tool

QUICKSTART_CFGS = [
    f'{CONFIG_ROOT}/quickstart/{name}_quickstart_synthetic-coco-mpii-64x48.py'
    for name in ('rtmpose-t', 'distill_rtmpose-t')]


@pytest.fixture(scope='module')
def student_cfg():
    return Config.fromfile(STUDENT_CFG)


@pytest.fixture(scope='module')
def quickstart_cfg():
    return Config.fromfile(QUICKSTART_CFGS[0])


@pytest.fixture(scope='module')
def synthetic_bench(tmp_path_factory):
    """A tiny synthetic benchmark, the folder ``tools/make_synthetic.py DIR``
    writes: coco/ and mpii/ with their full-truth (union) files."""
    root = tmp_path_factory.mktemp('bench') / 'synthetic'
    generate_benchmark(root, seed=0, num_train=1, num_val=2,
                       image_size=(112, 96))
    return root


@pytest.fixture
def synthetic_root(synthetic_bench, tmp_path):
    """A copy of the benchmark, for a test to edit."""
    return shutil.copytree(synthetic_bench, tmp_path / 'synthetic')


@pytest.fixture
def data_root(tmp_path):
    """A complete layout: every file and image the student config reads."""
    root = tmp_path / 'data'
    write_coco(str(root / 'coco'), 'train', seed=0, extra=False)
    write_coco(str(root / 'coco'), 'val', seed=2, extra=False)
    write_mpii(str(root / 'mpii'), 'train', seed=1, missing_image=False)
    write_mpii(str(root / 'mpii'), 'val', seed=3, missing_image=False)
    return root


def check(cfg, root):
    cfg = copy.deepcopy(cfg)
    repoint_data_root(cfg, str(root))
    return check_data(cfg)


def only_problem(report):
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from strings(value)


def run_cli(argv):
    cli = load_tool('check_data')
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    return exit_info.value.code


def test_complete_layout_has_no_problems(student_cfg, data_root):
    report = check(student_cfg, data_root)
    assert report.ok, report.problems
    # train and val COCO + MPII (test is val) and the CocoMetric file
    assert len(report.checked) == 5


def test_cli_prints_ok_and_exits_0_on_a_complete_layout(data_root, capsys):
    code = run_cli([STUDENT_CFG, '--data-root', str(data_root)])
    assert code == 0
    assert capsys.readouterr().out.startswith('OK')


def test_cli_lists_what_is_missing_and_exits_1(data_root, capsys):
    os.remove(data_root / 'mpii' / 'annotations' / 'mpii_train.json')
    code = run_cli([STUDENT_CFG, '--data-root', str(data_root)])
    out = capsys.readouterr().out
    assert code == 1
    assert 'train_dataloader.dataset.datasets[1] (MpiiDataset)' in out
    assert str(data_root / 'mpii' / 'annotations' / 'mpii_train.json') in out


def test_missing_data_root_is_reported_once_per_dataset(student_cfg,
                                                        tmp_path):
    report = check(student_cfg, tmp_path / 'nowhere')
    coco, mpii = tmp_path / 'nowhere' / 'coco', tmp_path / 'nowhere' / 'mpii'
    assert report.problems == [
        f"train_dataloader.dataset.datasets[0] (CocoDataset): data_root "
        f"'{coco}' is not a folder",
        f"train_dataloader.dataset.datasets[1] (MpiiDataset): data_root "
        f"'{mpii}' is not a folder",
        f"val_dataloader.dataset.datasets[0] (CocoDataset): data_root "
        f"'{coco}' is not a folder",
        f"val_dataloader.dataset.datasets[1] (MpiiDataset): data_root "
        f"'{mpii}' is not a folder",
        f"val_evaluator.sources.coco: ann_file "
        f"'{coco}/annotations/person_keypoints_val2017.json' does not exist",
    ]


def test_missing_annotation_file_is_reported(student_cfg, data_root):
    ann = data_root / 'coco/annotations/person_keypoints_train2017.json'
    os.remove(ann)
    assert only_problem(check(student_cfg, data_root)) == (
        f"train_dataloader.dataset.datasets[0] (CocoDataset): ann_file "
        f"'{ann}' does not exist")


def test_missing_image_folder_is_reported(student_cfg, data_root):
    shutil.rmtree(data_root / 'coco' / 'val2017')
    assert only_problem(check(student_cfg, data_root)) == (
        f"val_dataloader.dataset.datasets[0] (CocoDataset): image folder "
        f"(data_prefix.img) '{data_root / 'coco' / 'val2017'}' does not exist")


def test_missing_headbox_file_is_reported(student_cfg, data_root):
    headbox = data_root / 'mpii' / 'annotations' / 'mpii_gt_val.mat'
    os.remove(headbox)
    assert only_problem(check(student_cfg, data_root)) == (
        f"val_dataloader.dataset.datasets[1] (MpiiDataset): headbox_file "
        f"'{headbox}' does not exist")


def test_missing_bbox_file_is_reported(student_cfg, data_root):
    cfg = copy.deepcopy(student_cfg)
    bbox_file = str(data_root / 'coco' / 'person_detection_results.json')
    cfg.val_dataloader.dataset.datasets[0].bbox_file = bbox_file
    problem = only_problem(check(cfg, data_root))
    assert problem.startswith('val_dataloader.dataset.datasets[0]')
    assert f"bbox_file '{bbox_file}' does not exist" in problem


def test_missing_evaluator_annotation_file_is_reported(student_cfg,
                                                        data_root):
    cfg = copy.deepcopy(student_cfg)
    ann = str(data_root / 'coco' / 'annotations' / 'gone.json')
    cfg.val_evaluator.sources.coco.ann_file = ann
    cfg.test_evaluator.sources.coco.ann_file = ann
    assert only_problem(check(cfg, data_root)) == (
        f"val_evaluator.sources.coco: ann_file '{ann}' does not exist")


def test_coco_file_with_16_keypoints_is_reported(student_cfg, data_root):
    ann = data_root / 'coco/annotations/person_keypoints_train2017.json'
    coco = json.loads(ann.read_text())
    for a in coco['annotations']:
        a['keypoints'] = a['keypoints'][:48]
    ann.write_text(json.dumps(coco))
    problem = only_problem(check(student_cfg, data_root))
    assert problem.startswith('train_dataloader.dataset.datasets[0]')
    assert (f'{ann}: 8 of 8 annotations have 48 keypoint values instead '
            'of 51') in problem


def test_mpii_file_given_to_a_coco_dataset_is_reported(student_cfg,
                                                       data_root):
    cfg = copy.deepcopy(student_cfg)
    mpii_ann = str(data_root / 'mpii' / 'annotations' / 'mpii_train.json')
    cfg.train_dataloader.dataset.datasets[0].ann_file = mpii_ann
    problem = only_problem(check(cfg, data_root))
    assert problem.startswith('train_dataloader.dataset.datasets[0]')
    assert f'{mpii_ann} is not a COCO keypoint file' in problem


def test_coco_file_given_to_an_mpii_dataset_is_reported(student_cfg,
                                                        data_root):
    cfg = copy.deepcopy(student_cfg)
    coco_ann = str(data_root / 'coco' / 'annotations' /
                   'person_keypoints_train2017.json')
    cfg.train_dataloader.dataset.datasets[1].ann_file = coco_ann
    problem = only_problem(check(cfg, data_root))
    assert problem.startswith('train_dataloader.dataset.datasets[1]')
    assert f'{coco_ann} is not an MPII annotation file' in problem


def test_missing_images_are_counted_and_the_first_few_named(student_cfg,
                                                            data_root):
    images = data_root / 'coco' / 'train2017'
    for image in images.iterdir():
        image.unlink()
    problem = only_problem(check(student_cfg, data_root))
    assert problem.startswith('train_dataloader.dataset.datasets[0]')
    assert problem.endswith(
        f'4 of 4 images named in {data_root}/coco/annotations/'
        f'person_keypoints_train2017.json are missing from {images}: '
        'train_0000.jpg, train_0001.jpg, train_0002.jpg, ...')


def test_union_sub_dataset_without_a_union_mapping_is_reported(
        student_cfg, data_root):
    cfg = copy.deepcopy(student_cfg)
    cfg.train_dataloader.dataset.datasets[0].type = 'AicDataset'
    problem = only_problem(check(cfg, data_root))
    assert problem.startswith(
        'train_dataloader.dataset.datasets[0] (AicDataset)')
    assert 'no mapping into the union skeleton' in problem


def test_data_root_option_moves_every_data_path(student_cfg, tmp_path):
    old_root = osp.normpath(student_cfg.union_data_root)
    cfg = repoint_data_root(copy.deepcopy(student_cfg), str(tmp_path))
    assert not [s for s in strings(cfg.to_dict()) if old_root in s]
    val_coco, val_mpii = cfg.val_dataloader.dataset.datasets
    assert val_coco.data_root == f'{tmp_path}/coco/'
    assert val_mpii.headbox_file == \
        f'{tmp_path}/mpii/annotations/mpii_gt_val.mat'
    assert cfg.val_evaluator.sources.coco.ann_file == \
        f'{tmp_path}/coco/annotations/person_keypoints_val2017.json'


def test_data_root_option_needs_a_data_root_key(tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=dict(data_root='x/'))))
    with pytest.raises(DataConfigError,
                       match='none of `union_data_root`, `qs_root`'):
        repoint_data_root(cfg, str(tmp_path))


def test_data_root_option_is_the_benchmark_folder_for_a_quickstart_config(
        quickstart_cfg, tmp_path):
    old_roots = [osp.normpath(quickstart_cfg[key])
                 for key in ('union_data_root', 'qs_root')]
    cfg = repoint_data_root(copy.deepcopy(quickstart_cfg), str(tmp_path))
    assert not [s for s in strings(cfg.to_dict())
                if any(root in s for root in old_roots)]
    val_coco, val_mpii = cfg.val_dataloader.dataset.datasets
    assert val_coco.data_root == f'{tmp_path}/coco/'
    assert val_mpii.headbox_file == \
        f'{tmp_path}/mpii/annotations/mpii_gt_val.mat'
    assert cfg.val_evaluator[1].full_truth.mpii.ann_file == \
        f'{tmp_path}/mpii/annotations/full_truth_val.json'


@pytest.mark.parametrize('config', QUICKSTART_CFGS,
                         ids=lambda c: osp.basename(c).split('_')[0])
def test_cli_passes_a_quickstart_config_on_the_folder_make_synthetic_wrote(
        config, synthetic_bench, capsys):
    code = run_cli([config, '--data-root', str(synthetic_bench)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith('OK')


def test_full_truth_files_are_checked_against_the_union_skeleton(
        quickstart_cfg, synthetic_bench):
    report = check(quickstart_cfg, synthetic_bench)
    assert report.ok, report.problems
    assert {'val_evaluator[1].full_truth.coco',
            'val_evaluator[1].full_truth.mpii'} <= set(report.checked)


def test_full_truth_file_of_a_dataset_skeleton_is_reported(quickstart_cfg,
                                                           synthetic_root):
    ann = synthetic_root / 'coco' / 'annotations' / 'full_truth_val.json'
    coco_values = 3 * skeletons.num_keypoints('coco')

    def edit(coco):
        for a in coco['annotations']:
            a['keypoints'] = a['keypoints'][:coco_values]
    _edit_json(ann, edit)
    union = skeletons.num_keypoints('union')
    problem = only_problem(check(quickstart_cfg, synthetic_root))
    assert problem.startswith('val_evaluator[1].full_truth.coco: ')
    assert (f'have {coco_values} keypoint values instead of {3 * union} '
            f'({union} keypoints x 3)') in problem


def _edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def test_nan_coco_bbox_is_reported_with_its_annotation_id(student_cfg,
                                                          data_root):
    ann = data_root / 'coco/annotations/person_keypoints_train2017.json'
    _edit_json(ann, lambda coco: coco['annotations'][2]['bbox'].__setitem__(
        0, float('nan')))
    problem = only_problem(check(student_cfg, data_root))
    assert problem.startswith('train_dataloader.dataset.datasets[0]')
    assert (f'{ann}: 1 of 8 instances hold NaN, infinite or invalid '
            'numbers: annotation id 3 (image train_0001.jpg): `bbox` is not '
            'finite ([nan,') in problem


def test_nan_coco_keypoint_is_reported(student_cfg, data_root):
    ann = data_root / 'coco/annotations/person_keypoints_train2017.json'
    _edit_json(ann, lambda coco: coco['annotations'][0][
        'keypoints'].__setitem__(4, float('inf')))
    assert 'annotation id 1 (image train_0000.jpg): `keypoints` is not ' \
        'finite' in only_problem(check(student_cfg, data_root))


def test_nan_mpii_centre_and_zero_scale_are_reported(student_cfg,
                                                     data_root):
    ann = data_root / 'mpii/annotations/mpii_train.json'

    def edit(entries):
        entries[1]['center'][1] = float('nan')
        entries[3]['scale'] = 0
    _edit_json(ann, edit)
    problem = only_problem(check(student_cfg, data_root))
    assert problem.startswith('train_dataloader.dataset.datasets[1]')
    assert '2 of 4 instances' in problem
    assert 'entry 1 (image 100001.jpg): `center` is not finite' in problem
    assert 'entry 3 (image 100003.jpg): `scale` is not positive ([0])' \
        in problem


def test_labelled_joints_at_negative_coordinates_are_warnings(student_cfg,
                                                              data_root):
    ann = data_root / 'mpii/annotations/mpii_train.json'

    def edit(entries):
        entries[2]['joints'][5] = [-4.0, 30.0]   # labelled: reported
        entries[0]['joints'][7] = [-1.0, -1.0]   # unlabelled: MPII's way
        entries[0]['joints_vis'][7] = 0
    _edit_json(ann, edit)
    report = check(student_cfg, data_root)
    assert report.ok
    assert report.warnings == [
        f'train_dataloader.dataset.datasets[1] (MpiiDataset): {ann}: 1 of 4 '
        'instances have labelled joints (visibility > 0) at negative '
        'coordinates, outside the image: entry 2 (image 100002.jpg): '
        'joint(s) 5']


def test_empty_image_is_reported(student_cfg, data_root):
    image = data_root / 'coco' / 'val2017' / 'val_0002.jpg'
    image.write_bytes(b'')
    assert only_problem(check(student_cfg, data_root)) == (
        f'val_dataloader.dataset.datasets[0] (CocoDataset): 1 of 4 images '
        f'named in {data_root}/coco/annotations/person_keypoints_val2017.json '
        f'are empty (0 bytes) in {image.parent}: val_0002.jpg')


def test_text_file_named_jpg_is_reported_when_decoding(data_root, capsys):
    image = data_root / 'mpii' / 'images' / '100001.jpg'
    image.write_text('<html>404 Not Found</html>')
    assert run_cli([STUDENT_CFG, '--data-root', str(data_root)]) == 0
    assert 'not decoded; --decode opens every one' in capsys.readouterr().out
    code = run_cli([STUDENT_CFG, '--data-root', str(data_root), '--decode'])
    out = capsys.readouterr().out
    assert code == 1
    assert (f'train_dataloader.dataset.datasets[1] (MpiiDataset): 1 of 4 '
            f'images named in {data_root}/mpii/annotations/mpii_train.json '
            f'do not decode as images in {image.parent}: 100001.jpg') in out


def test_empty_image_prefix_means_images_in_data_root(student_cfg,
                                                      data_root):
    cfg = copy.deepcopy(student_cfg)
    coco_train = cfg.train_dataloader.dataset.datasets[0]
    coco_train.data_root += 'train2017/'
    coco_train.ann_file = '../annotations/person_keypoints_train2017.json'
    coco_train.data_prefix = dict(img='')
    assert check(cfg, data_root).ok
    (data_root / 'coco' / 'train2017' / 'train_0003.jpg').unlink()
    assert 'train_0003.jpg' in only_problem(check(cfg, data_root))
