"""The flags of the latent-optimisation tools (SCS, SIE, apply_edit) and the model they
build."""
from mmlinsem.apis import LinSemInferencer
from .trust import add_trust_arg


def add_pipeline_args(parser, out):
    """--device, --out, --cfg-options, --amp, --amp-dtype of the latent-optimisation tools
    (SCS, SIE); :func:`inferencer_from_args` builds their model."""
    from mmengine.config import DictAction
    add_trust_arg(parser)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', default=out)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides, e.g. model.generator.noise=fixed')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='autocast the generator / predictor forwards (the latent and '
        'the losses stay fp32); works on CPU too')
    parser.add_argument('--amp-dtype', default='bfloat16', choices=['bfloat16', 'float16'])


def amp_from_args(args):
    """The ``amp`` keyword of the APIs from ``--amp`` / ``--amp-dtype``."""
    return args.amp_dtype if args.amp else False


def inferencer_from_args(args):
    """A ``LinSemInferencer`` from ``args.config``, ``args.checkpoint``, ``--device`` and
    ``--cfg-options``."""
    return LinSemInferencer(
        args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options)
