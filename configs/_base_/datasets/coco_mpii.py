# The 21-joint union skeleton of COCO and MPII: COCO's 17 keypoints in COCO
# order, then pelvis, thorax, upper_neck, head_top. Built by
# mmpose_ext/skeletons.py from MMPose's own COCO and MPII metainfo files, so
# names, order, mirror pairs, links, joint weights and OKS sigmas are stated
# once, there. (__import__ rather than an import statement: MMEngine reads a
# config that imports a non-standard module as a lazy-import config.)
dataset_info = __import__(
    'mmpose_ext.skeletons',
    fromlist=['union_dataset_info']).union_dataset_info()
