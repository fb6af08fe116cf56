# The 21-joint union skeleton of COCO and MPII: COCO's 17 keypoints in COCO
# order, then pelvis, thorax, upper_neck, head_top. Names and order must agree
# with mmpose_ext/skeletons.py (tests/test_skeletons.py checks it).
dataset_info = dict(
    dataset_name='coco_mpii',
    paper_info=[
        dict(
            author='Lin, Tsung-Yi and Maire, Michael and Belongie, Serge and '
            'others',
            title='Microsoft COCO: Common Objects in Context',
            container='European Conference on Computer Vision',
            year='2014',
            homepage='http://cocodataset.org/'),
        dict(
            author='Andriluka, Mykhaylo and Pishchulin, Leonid and '
            'Gehler, Peter and Schiele, Bernt',
            title='2D Human Pose Estimation: New Benchmark and State of the '
            'Art Analysis',
            container='CVPR',
            year='2014',
            homepage='http://human-pose.mpi-inf.mpg.de/'),
    ],
    keypoint_info={
        0: dict(name='nose', id=0, color=[51, 153, 255], type='upper', swap=''),
        1: dict(name='left_eye', id=1, color=[0, 255, 0], type='upper', swap='right_eye'),
        2: dict(name='right_eye', id=2, color=[255, 128, 0], type='upper', swap='left_eye'),
        3: dict(name='left_ear', id=3, color=[0, 255, 0], type='upper', swap='right_ear'),
        4: dict(name='right_ear', id=4, color=[255, 128, 0], type='upper', swap='left_ear'),
        5: dict(name='left_shoulder', id=5, color=[0, 255, 0], type='upper', swap='right_shoulder'),
        6: dict(name='right_shoulder', id=6, color=[255, 128, 0], type='upper', swap='left_shoulder'),
        7: dict(name='left_elbow', id=7, color=[0, 255, 0], type='upper', swap='right_elbow'),
        8: dict(name='right_elbow', id=8, color=[255, 128, 0], type='upper', swap='left_elbow'),
        9: dict(name='left_wrist', id=9, color=[0, 255, 0], type='upper', swap='right_wrist'),
        10: dict(name='right_wrist', id=10, color=[255, 128, 0], type='upper', swap='left_wrist'),
        11: dict(name='left_hip', id=11, color=[0, 255, 0], type='lower', swap='right_hip'),
        12: dict(name='right_hip', id=12, color=[255, 128, 0], type='lower', swap='left_hip'),
        13: dict(name='left_knee', id=13, color=[0, 255, 0], type='lower', swap='right_knee'),
        14: dict(name='right_knee', id=14, color=[255, 128, 0], type='lower', swap='left_knee'),
        15: dict(name='left_ankle', id=15, color=[0, 255, 0], type='lower', swap='right_ankle'),
        16: dict(name='right_ankle', id=16, color=[255, 128, 0], type='lower', swap='left_ankle'),
        17: dict(name='pelvis', id=17, color=[51, 153, 255], type='lower', swap=''),
        18: dict(name='thorax', id=18, color=[51, 153, 255], type='upper', swap=''),
        19: dict(name='upper_neck', id=19, color=[51, 153, 255], type='upper', swap=''),
        20: dict(name='head_top', id=20, color=[51, 153, 255], type='upper', swap=''),
    },
    skeleton_info={
        0: dict(link=('left_ankle', 'left_knee'), id=0, color=[0, 255, 0]),
        1: dict(link=('left_knee', 'left_hip'), id=1, color=[0, 255, 0]),
        2: dict(link=('right_ankle', 'right_knee'), id=2, color=[255, 128, 0]),
        3: dict(link=('right_knee', 'right_hip'), id=3, color=[255, 128, 0]),
        4: dict(link=('left_hip', 'pelvis'), id=4, color=[0, 255, 0]),
        5: dict(link=('right_hip', 'pelvis'), id=5, color=[255, 128, 0]),
        6: dict(link=('pelvis', 'thorax'), id=6, color=[51, 153, 255]),
        7: dict(link=('thorax', 'upper_neck'), id=7, color=[51, 153, 255]),
        8: dict(link=('upper_neck', 'head_top'), id=8, color=[51, 153, 255]),
        9: dict(link=('left_shoulder', 'thorax'), id=9, color=[0, 255, 0]),
        10: dict(link=('right_shoulder', 'thorax'), id=10, color=[255, 128, 0]),
        11: dict(link=('left_shoulder', 'left_elbow'), id=11, color=[0, 255, 0]),
        12: dict(link=('right_shoulder', 'right_elbow'), id=12, color=[255, 128, 0]),
        13: dict(link=('left_elbow', 'left_wrist'), id=13, color=[0, 255, 0]),
        14: dict(link=('right_elbow', 'right_wrist'), id=14, color=[255, 128, 0]),
        15: dict(link=('left_shoulder', 'left_hip'), id=15, color=[0, 255, 0]),
        16: dict(link=('right_shoulder', 'right_hip'), id=16, color=[255, 128, 0]),
        17: dict(link=('left_eye', 'right_eye'), id=17, color=[51, 153, 255]),
        18: dict(link=('nose', 'left_eye'), id=18, color=[0, 255, 0]),
        19: dict(link=('nose', 'right_eye'), id=19, color=[255, 128, 0]),
        20: dict(link=('left_eye', 'left_ear'), id=20, color=[0, 255, 0]),
        21: dict(link=('right_eye', 'right_ear'), id=21, color=[255, 128, 0]),
        22: dict(link=('left_ear', 'left_shoulder'), id=22, color=[0, 255, 0]),
        23: dict(link=('right_ear', 'right_shoulder'), id=23, color=[255, 128, 0]),
    },
    # COCO's RTMPose joint weights for the 17 COCO joints; 1.0 for the four
    # MPII joints (MPII's own weights give them 1.0 too).
    joint_weights=[
        1., 1., 1., 1., 1., 1., 1., 1.2, 1.2, 1.5, 1.5, 1., 1., 1.2, 1.2, 1.5,
        1.5, 1., 1., 1., 1.
    ],
    # COCO's 17 OKS sigmas, then the four MPII-only joints:
    #   pelvis 0.066: Halpe-26 'hip' (mid-hip) sigma, HalpeCOCOAPI cocoeval.py;
    #   thorax 0.079: no dataset defines one; the shoulder sigma, since the
    #     thorax lies between the shoulders and is located about as well;
    #   upper_neck 0.026: Halpe-26 'neck' sigma;
    #   head_top 0.026: Halpe-26 'head' sigma.
    sigmas=[
        0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062,
        0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089, 0.066, 0.079, 0.026,
        0.026
    ])
