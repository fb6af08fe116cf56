# COCO 2017 + MPII on the 21-joint union skeleton: training on both at once,
# validation on both, each scored by its own metric (COCO AP, MPII PCKh).
# CrowdPose is declared here too (crowdpose_train/_val/_metric), for the
# configs that add it as a third dataset.
# Paths are absolute (from this file), so tools run from any folder.
custom_imports = dict(imports=['mmpose_ext'], allow_failed_imports=False)

union_data_root = '{{fileDirname}}/../../data/'
union_metainfo = dict(from_file='{{fileDirname}}/datasets/coco_mpii.py')

# COCO val boxes: None scores on ground-truth boxes; set this to the person
# detection results file to score as the RTMPose papers do, e.g.
# --cfg-options "val_dataloader.dataset.datasets.0.bbox_file=data/coco/person_detection_results/COCO_val2017_detections_AP_H_56_person.json"
coco_val_bbox_file = None

coco_train = dict(
    type='CocoDataset',
    data_root=union_data_root + 'coco/',
    data_mode='topdown',
    ann_file='annotations/person_keypoints_train2017.json',
    data_prefix=dict(img='train2017/'))
mpii_train = dict(
    type='MpiiDataset',
    data_root=union_data_root + 'mpii/',
    data_mode='topdown',
    ann_file='annotations/mpii_train.json',
    data_prefix=dict(img='images/'))
coco_val = dict(
    type='CocoDataset',
    data_root=union_data_root + 'coco/',
    data_mode='topdown',
    ann_file='annotations/person_keypoints_val2017.json',
    bbox_file=coco_val_bbox_file,
    data_prefix=dict(img='val2017/'),
    test_mode=True)
mpii_val = dict(
    type='MpiiDataset',
    data_root=union_data_root + 'mpii/',
    data_mode='topdown',
    ann_file='annotations/mpii_val.json',
    headbox_file=union_data_root + 'mpii/annotations/mpii_gt_val.mat',
    data_prefix=dict(img='images/'),
    test_mode=True)
# CrowdPose in MMPose's layout (its dataset docs): the files
# mmpose_crowdpose_{trainval,test}.json and every image in images/. Its val
# boxes are the ground truth's, as COCO's.
crowdpose_train = dict(
    type='CrowdPoseDataset',
    data_root=union_data_root + 'crowdpose/',
    data_mode='topdown',
    ann_file='annotations/mmpose_crowdpose_trainval.json',
    data_prefix=dict(img='images/'))
crowdpose_val = dict(
    type='CrowdPoseDataset',
    data_root=union_data_root + 'crowdpose/',
    data_mode='topdown',
    ann_file='annotations/mmpose_crowdpose_test.json',
    data_prefix=dict(img='images/'),
    test_mode=True)
# MMPose's CrowdPose evaluation (rtmpose/crowdpose configs): COCO AP with
# CrowdPose's crowd-index split (AP easy/medium/hard) and no areas; the
# 'crowdpose/' prefix is the PerSourceMetric source name.
crowdpose_metric = dict(
    type='CocoMetric',
    ann_file=union_data_root + 'crowdpose/annotations/mmpose_crowdpose_test.json',
    use_area=False,
    iou_type='keypoints_crowd')

union_evaluator = dict(
    type='PerSourceMetric',
    sources=dict(
        coco=dict(
            type='CocoMetric',
            ann_file=union_data_root + 'coco/annotations/person_keypoints_val2017.json'),
        mpii=dict(type='MpiiPCKAccuracy', norm_item='head')))
