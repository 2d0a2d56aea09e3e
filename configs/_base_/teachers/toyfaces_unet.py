# The shipped toy-world teacher: the mmseg UNet of configs/toyworld/teacher_unet_toyfaces.py
# (8 classes), taking [-1, 1] RGB like the generator's images.
model = dict(teacher=dict(
    type='SegmentorTeacher',
    segmentor='configs/toyworld/teacher_unet_toyfaces.py',
    checkpoint='checkpoints/teacher_unet_toyfaces.pth'))
