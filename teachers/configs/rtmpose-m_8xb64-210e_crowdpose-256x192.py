# The official RTMPose-m CrowdPose teacher (14 joints, 256x192), as upstream.
_base_ = ['mmpose::body_2d_keypoint/rtmpose/crowdpose/'
          'rtmpose-m_8xb64-210e_crowdpose-256x192.py']
