"""The command-line flags of the photo-inversion tools (``tools/invert.py``,
``tools/segment_real.py``) and the keywords of :func:`mmlinsem.apis.invert_images` they
give. Imports nothing heavy, so ``--help`` stays fast."""
from .trust import add_trust_arg

LOSS_HELP = ('reconstruction terms joined by "+": pixel (MSE), msssim (1 - MS-SSIM), lpips '
             '(VGG-16, needs $TORCH_HOME/hub/checkpoints/vgg16-397923af.pth), lpips-alex; '
             'optionally weighted, e.g. pixel+0.5*lpips')


def add_inversion_args(p, out):
    """The flags shared by tools/invert.py and tools/segment_real.py."""
    from mmengine.config import DictAction
    add_trust_arg(p)
    p.add_argument(
        'images',
        nargs='+',
        metavar='IMAGE',
        help='photos (any size: centre-cropped to a square, resized to the GAN size)')
    p.add_argument('--space', default='w+', choices=['w', 'w+'])
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--lr', type=float, default=0.1, help='peak Adam learning rate')
    p.add_argument('--loss', default='pixel+msssim', help=LOSS_HELP)
    p.add_argument(
        '--semantic',
        type=float,
        default=0.0,
        help='weight of the cross-entropy between the head mask of G(w) and the teacher '
        'mask of the photo (needs a head and a teacher)')
    p.add_argument(
        '--noise',
        default='optimise',
        choices=['optimise', 'fixed'],
        help="optimise the noise maps (saved in noise/) or keep the generator's")
    p.add_argument('--num-w-samples', type=int, default=10000, help='z mapped for w mean / sigma')
    p.add_argument('--batch-size', type=int, default=8, help='photos inverted together')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default=out)
    p.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')


def inversion_kwargs(args) -> dict:
    return dict(
        space=args.space,
        steps=args.steps,
        lr=args.lr,
        loss=args.loss,
        semantic_weight=args.semantic,
        noise=args.noise,
        num_w_samples=args.num_w_samples,
        seed=args.seed)
