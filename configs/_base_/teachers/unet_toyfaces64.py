# The shipped toy-world teacher: the mmseg UNet of configs/toyworld/unet_toyfaces64.py
# (8 classes), taking [-1, 1] RGB like the generator's images.
model = dict(
    teacher=dict(
        type='SegmentorTeacher',
        segmentor='configs/toyworld/unet_toyfaces64.py',
        checkpoint='checkpoints/unet_toyfaces64.pth'))
