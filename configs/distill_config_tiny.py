# RTMPose-t student distilled from the COCO and MPII RTMPose-m teachers.
_base_ = ['distill/rtmpose-t_kd-m-coco-m-mpii_8xb256-420e_coco-mpii-256x192.py']
