# Scene teacher, stronger variant: DeepLabV3+ ResNeSt-101 on ADE20K (mIoU 46.47).
_base_ = ['./ade20k_resnest101_deeplabv3.py']
model = dict(
    teacher=dict(
        segmentor='mmseg::resnest/resnest_s101-d8_deeplabv3plus_4xb4-160k_ade20k-512x512.py',
        checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/resnest/'
        'deeplabv3plus_s101-d8_512x512_160k_ade20k/'
        'deeplabv3plus_s101-d8_512x512_160k_ade20k_20200807_144503-27b26226.pth'))
