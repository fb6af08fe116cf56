# The official RTMPose-m MPII teacher (16 joints, 256x256), as upstream.
_base_ = ['mmpose::body_2d_keypoint/rtmpose/mpii/'
          'rtmpose-m_8xb64-210e_mpii-256x256.py']
