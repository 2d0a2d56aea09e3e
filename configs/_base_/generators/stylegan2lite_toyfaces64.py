# The shipped toy-world StyleGAN2 (mmagic modules, reduced channels; 64 px, w 128-d),
# trained by configs/toyworld/stylegan2lite_toyfaces64.py. 9 feature layers (conv1 + 8
# convs). It emits RGB. Truncation as the paper's StyleGAN2 setting (psi 0.5, all layers).
generator = dict(
    type='FeatureGenerator',
    generator=dict(
        _scope_='mmagic',
        type='StyleGAN2LiteGenerator',
        out_size=64,
        style_channels=128,
        num_mlps=4,
        channels={
            4: 128,
            8: 128,
            16: 64,
            32: 32,
            64: 16
        }),
    checkpoint='checkpoints/stylegan2lite_toyfaces64.pth',
    output_order='rgb',
    truncation=0.5,
    truncation_layers=None)
