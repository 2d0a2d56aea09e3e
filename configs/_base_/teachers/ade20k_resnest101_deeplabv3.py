# Scene teacher: mmseg DeepLabV3 ResNeSt-101 on ADE20K (mIoU 45.71), the mmseg stand-in for
# the paper's pytorch-encoding DeepLab-ResNeSt200 (docs/en/get_started.md). The job
# config picks the paper's class list per GAN with `model.teacher.label_map.preset`.
model = dict(
    teacher=dict(
        type='SegmentorTeacher',
        segmentor='mmseg::resnest/resnest_s101-d8_deeplabv3_4xb4-160k_ade20k-512x512.py',
        checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/resnest/'
        'deeplabv3_s101-d8_512x512_160k_ade20k/'
        'deeplabv3_s101-d8_512x512_160k_ade20k_20200807_144503-17ecabe5.pth',
        classes='ade20k',
        label_map=dict(type='SelectLabelMap', source_classes='ade20k', preset='stylegan2_church')))
