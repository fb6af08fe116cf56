# The official RTMPose-m COCO teacher (17 joints, 256x192), as upstream.
_base_ = ['mmpose::body_2d_keypoint/rtmpose/coco/'
          'rtmpose-m_8xb256-420e_coco-256x192.py']
