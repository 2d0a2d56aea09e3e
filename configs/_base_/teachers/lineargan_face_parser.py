# Face teacher: the original LinearGAN's face parser, a UNet trained on CelebAMask-HQ with
# the paper's 15 classes (left/right parts merged), run at 512 px on the generator's
# [-1, 1] RGB and labelling at 512 px as the paper (`input_size`, `output_size`).
# Its weights are public: put the file at `checkpoint` (under the project root), or let
# the first run download it there from `url`.
model = dict(
    teacher=dict(
        type='FaceParserTeacher',
        checkpoint='checkpoints/faceparse_unet_512.pth',
        url='https://github.com/AtlantixJJ/LinearGAN/raw/'
        'a5767a7f7c540b8a8b21182ff8f21b26dffb43cd/predictors/pretrain/faceparse_unet_512.pth',
        classes='celebamask_hq_15',
        input_size=512,
        output_size=512))
