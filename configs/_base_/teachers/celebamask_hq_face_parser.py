# Face teacher: a 19-class CelebAMask-HQ face parser merged to the paper's 15 classes.
# The alternative to the LinearGAN face parser (lineargan_face_parser.py), which the face
# configs use by default; both give the same 15 class names.
# mmseg ships no face-parsing model and none can be downloaded here: train one with mmseg
# on CelebAMask-HQ (classes in mmlinsem/data/celebamask_hq.json, order `classes19`) and
# point `checkpoint` at it, or wrap another parser as an mmseg segmentor. Labels are made
# at 512 px as in the paper (`input_size`).
model = dict(
    teacher=dict(
        type='SegmentorTeacher',
        segmentor=dict(
            type='EncoderDecoder',
            backbone=dict(
                type='UNet',
                in_channels=3,
                base_channels=32,
                num_stages=5,
                norm_cfg=dict(type='BN')),
            decode_head=dict(
                type='FCNHead',
                in_channels=32,
                in_index=4,
                channels=32,
                num_convs=1,
                concat_input=False,
                num_classes=19,
                norm_cfg=dict(type='BN'),
                align_corners=False),
            test_cfg=dict(mode='whole')),
        checkpoint='checkpoints/celebamask_hq_19cls_face_parser.pth',
        classes='celebamask_hq_19',
        input_size=512,
        output_size=512,
        label_map=dict(type='MergeLabelMap', preset='celebamask_hq_19to15')))
